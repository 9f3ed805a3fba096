"""Real JupyterLab, driven by headless Chromium (Playwright with Debian's chromium): prints what it
checks and exits non-zero on the first failure. `make check-lab` runs it; so does CI.

1. A notebook executed on data whose text fields carry markup, opened in JupyterLab as a trusted
   notebook: every chart draws, the planted markup shows as text and never runs.
2. A source notebook run twice in one kernel ("run all", then again): every chart draws each time.
3. A page reload, then the executed and the source copy of the same notebook open together in one
   JupyterLab page: every chart of both draws.

Nothing is written in notebooks/: JupyterLab works on copies in a temporary folder, offline (the
server listens on 127.0.0.1 only; the browser blocks every other host).
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NOTEBOOK = "05_claims_ledger"  # the fastest notebook that shows data text in prose, tables and charts
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _charts(nb_path: Path) -> int:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    return sum("".join(o.get("data", {}).get("text/html", "")).count('class="vega-chart"')
               for c in nb["cells"] for o in c.get("outputs", []))


def prepare(work: Path) -> tuple[Path, Path]:
    """A hostile executed copy (run with papermill on planted data, signed) and a clean source copy."""
    import nbformat
    import papermill as pm
    from nbformat.sign import NotebookNotary

    from builder.report import kernel_manager_class
    from tests.test_browser import _plant

    data = work / "data"
    shutil.copytree(ROOT / "data", data)
    _plant(data)
    executed = work / f"{NOTEBOOK}.executed.ipynb"
    os.environ["PROJECT_DATA_DIR"] = str(data)
    try:
        pm.execute_notebook(str(ROOT / "notebooks" / f"{NOTEBOOK}.ipynb"), str(executed), cwd=str(ROOT / "notebooks"),
                            kernel_name="python3", progress_bar=False, kernel_manager_class=kernel_manager_class(),
                            request_save_on_cell_execute=False)
    finally:
        del os.environ["PROJECT_DATA_DIR"]
    nb = nbformat.read(executed, as_version=4)
    NotebookNotary().sign(nb)
    nbformat.write(nb, executed)
    source = work / f"{NOTEBOOK}.ipynb"
    shutil.copy2(ROOT / "notebooks" / f"{NOTEBOOK}.ipynb", source)
    return executed, source


#: No news fetched; every cell rendered (JupyterLab's default windowing renders only the cells near the viewport, so
#: what the page text shows would depend on how long the notebook's first sections are).
SETTINGS = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
            "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"}}


def start_lab(work: Path, port: int) -> subprocess.Popen:
    for name, value in SETTINGS.items():  # a user's settings, in the temporary config folder
        path = work / ".jupyter" / "lab" / "user-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value), encoding="utf-8")
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--ServerApp.root_dir={work}",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--IdentityProvider.token=", "--allow-root",
           "--ServerApp.disable_check_xsrf=True", "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.extension_manager=readonly"]
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(work / ".jupyter"), "JUPYTERLAB_WORKSPACES_DIR": str(work / ".ws")}
    proc = subprocess.Popen(cmd, cwd=ROOT / "notebooks", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("JupyterLab did not start within 30 s")


DRAWN = "(p) => [...document.querySelectorAll(p + ' .vega-chart')].filter(e => e.dataset.rendered === 'true').length"
FAILED = "(p) => [...document.querySelectorAll(p + ' .vega-chart')].map(e => e.dataset.error).filter(Boolean)"


DIAGNOSE = """(p) => { const el = document.querySelector(p); if (!el) { return 'no panel ' + p; }
    const w = window.jupyterapp.shell.currentWidget, k = w && w.sessionContext && w.sessionContext.session
        && w.sessionContext.session.kernel;
    return {prompts: [...el.querySelectorAll('.jp-InputArea-prompt')].map(x => x.textContent.trim()).join(' '),
            errors: [...el.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]')].map(x => x.innerText.slice(0, 300)),
            kernel: k ? k.status + '/' + k.connectionStatus + '/' + k.id : 'none',
            outputs: el.querySelectorAll('.jp-OutputArea-output').length}; }"""


def wait_charts(page, panel: str, expected: int, what: str, timeout: float = 60) -> None:
    end = time.time() + timeout
    drawn = 0
    while time.time() < end:
        drawn = page.evaluate(DRAWN, panel)
        errors = page.evaluate(FAILED, panel)
        if errors:
            raise SystemExit(f"FAIL {what}: charts report errors {errors}")
        if drawn >= expected:
            print(f"ok   {what}: {drawn}/{expected} charts drew")
            return
        time.sleep(0.25)
    raise SystemExit(f"FAIL {what}: {drawn}/{expected} charts drew within {timeout:.0f} s: {page.evaluate(DIAGNOSE, panel)}")


def open_notebook(page, name: str, mode: str = "tab-after") -> str:  # noqa: D417
    """Open ``name`` (or bring its open tab forward) in JupyterLab; return a CSS selector for its panel."""
    print(f"     opening {name}", flush=True)
    page.evaluate("([n, m]) => { window.jupyterapp.commands.execute('docmanager:open', {path: n, options: {mode: m}}); }",
                  [name, mode])
    panel = f".jp-NotebookPanel[data-check='{name}']"
    # The panel is the one whose document is ``name`` (not "the current widget": after a reload the restored
    # workspace moves the focus for a moment, and once the wrong copy was marked and checked).
    page.wait_for_function("""(n) => { const w = [...window.jupyterapp.shell.widgets('main')]
        .find(x => x.context && x.context.path === n && x.node.classList.contains('jp-NotebookPanel'));
        if (w) { w.node.dataset.check = n; } return !!w; }""", arg=name, timeout=60_000)
    return panel


#: Notebook commands act on JupyterLab's current widget, which the workspace restored after a reload can still
#: change for a moment: every command here first makes the target panel current, waits until it is, and then
#: checks it again in the same JavaScript turn as the command (once, a "run all" went to the other copy and the
#: target never ran: the flaky "run all did not finish within 90 s").
ON_PANEL = """async ([p, command]) => { const el = document.querySelector(p), app = window.jupyterapp;
    if (!el) { return 'no panel ' + p; }
    if (!app.shell.currentWidget || app.shell.currentWidget.id !== el.id) { return 'not current'; }
    return await Promise.race([app.commands.execute(command),
                               new Promise(r => setTimeout(() => r('no end within 90 s'), 90000))]); }"""


def on_panel(page, panel: str, command: str, timeout: float = 90):
    """Run a notebook ``command`` on ``panel`` (not on whichever notebook happens to be current); return
    what the command's promise resolved to (run-all resolves when every cell has run)."""
    end = time.time() + 20
    while True:
        page.evaluate("(p) => { const el = document.querySelector(p); if (el) { window.jupyterapp.shell.activateById(el.id); } }", panel)
        page.wait_for_timeout(100)
        result = page.evaluate(ON_PANEL, [panel, command]) if time.time() < end else "not current"
        if result != "not current":
            return result
        if time.time() > end:
            raise SystemExit(f"FAIL {panel} did not become the current notebook within 20 s")


def run_all(page, panel: str) -> None:
    """Run every cell of ``panel`` once its own kernel is connected (accepting JupyterLab's "Select Kernel"
    dialog, whenever it appears, with the notebook's own Python 3), and wait for the run to end."""
    ready = """(p) => { const el = document.querySelector(p);
        const w = el && [...window.jupyterapp.shell.widgets('main')].find(x => x.id === el.id);
        const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
        return !!k && k.connectionStatus === 'connected' && k.status === 'idle'; }"""
    end = time.time() + 90
    while not page.evaluate(ready, panel):
        if time.time() > end:
            raise SystemExit("FAIL the notebook's kernel did not start within 90 s")
        dialog = page.locator(".jp-Dialog .jp-mod-accept")
        if dialog.count():
            dialog.first.click()
        time.sleep(0.25)
    try:
        finished = on_panel(page, panel, "notebook:run-all-cells")
    except Exception as exc:  # noqa: BLE001 - a Playwright timeout: say what the notebook shows
        raise SystemExit(f"FAIL run all did not finish: {exc}: {page.evaluate(DIAGNOSE, panel)}") from None
    if finished is not True:
        raise SystemExit(f"FAIL run all ended with {finished!r}: {page.evaluate(DIAGNOSE, panel)}")


def main() -> int:
    from playwright.sync_api import Error, sync_playwright

    if CHROMIUM is None:
        print("Chromium is not installed (Debian: apt-get install chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        executed, source = prepare(work)
        expected = _charts(executed)
        port = _port()
        lab = start_lab(work, port)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                outside = []
                context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
                    f"http://127.0.0.1:{port}") else (outside.append(r.request.url), r.abort()))
                page = context.new_page()
                page.on("crash", lambda: print("FAIL the JupyterLab tab crashed", file=sys.stderr))
                page.goto(f"http://127.0.0.1:{port}/lab", wait_until="domcontentloaded")
                page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=60_000)
                page.wait_for_selector(".jp-LabShell", timeout=60_000)

                try:
                    check(page, executed, source, expected, port)
                except (Error, SystemExit) as exc:
                    shot = Path(tempfile.gettempdir()) / "jupyterlab-check-failure.png"
                    page.screenshot(path=str(shot))
                    print(f"(screenshot of the failure: {shot})", file=sys.stderr)
                    raise SystemExit(str(exc)) from None
                if outside:
                    raise SystemExit(f"FAIL JupyterLab asked for hosts outside this machine: {outside[:5]}")
                print("ok   no request left 127.0.0.1")
                browser.close()
        finally:
            lab.terminate()
            try:
                lab.wait(timeout=10)
            except subprocess.TimeoutExpired:
                lab.kill()
    print("JupyterLab check passed")
    return 0


def check(page, executed: Path, source: Path, expected: int, port: int) -> None:
    hostile = open_notebook(page, executed.name)
    wait_charts(page, hostile, expected, "executed notebook on planted data")
    if page.evaluate("() => document.documentElement.getAttribute('data-pwned')"):
        raise SystemExit("FAIL planted markup ran inside JupyterLab")
    text = page.inner_text(hostile)
    shown = text.count("<img src=x onerror=")
    if shown < 10:
        raise SystemExit(f"FAIL planted markup is not shown as text ({shown} times)")
    print(f"ok   planted markup shown as text {shown} times and never ran")

    clean = open_notebook(page, source.name)
    print("     source notebook opened; running all cells")
    for run in (1, 2):
        on_panel(page, clean, "notebook:clear-all-cell-outputs")
        page.wait_for_function(f"() => document.querySelectorAll(\"{clean} .vega-chart\").length === 0", timeout=20_000)
        run_all(page, clean)
        wait_charts(page, clean, expected, f"source notebook, run all #{run} in one kernel")

    page.reload(wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=60_000)
    page.wait_for_selector(".jp-LabShell", timeout=60_000)
    a = open_notebook(page, executed.name)
    b = open_notebook(page, source.name)  # the two copies open together
    on_panel(page, b, "notebook:clear-all-cell-outputs")
    run_all(page, b)
    wait_charts(page, a, expected, "after a reload, the executed copy")
    wait_charts(page, b, expected, "after a reload, the source copy open beside it")
    shot = Path(tempfile.gettempdir()) / "jupyterlab-check.png"
    page.screenshot(path=str(shot))
    print(f"     screenshot: {shot}")


if __name__ == "__main__":
    sys.exit(main())
