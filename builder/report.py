"""Build the HTML report: validate data, execute notebooks with papermill, render, publish.

    python -m builder build [--jobs N]          # the whole site, incrementally
    python -m builder run NAME [-p name value]  # one notebook with other parameter values

``build`` validates ``data/`` first (a bad file stops everything, nothing is touched), executes
only the notebooks whose inputs changed (the notebook, ``helpers/``, the data files declared in
``data/datapackage.json``, the installed dependency versions) in parallel,
renders each to HTML with an offline template, and publishes ``build/site/`` by building a new
folder and swapping it in, so a failed build never destroys the last good site. A notebook that
fails is kept (``build/executed/NAME.ipynb``), marked failed on the index with the failing cell,
and the build exits non-zero; the page of its last good run, if any, stays published.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import html
import json
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from builder import kernels, page

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "notebooks"
DATA_DIR = ROOT / "data"
BUILD = ROOT / "build"
SITE = BUILD / "site"
EXECUTED = BUILD / "executed"
STATE_FILE = BUILD / "state.json"
TEMPLATES = Path(__file__).resolve().parent / "templates"
BUNDLE_MARKER = "data-vega-bundle"  # (helpers.charts.BUNDLE_MARKER: the attribute of the bundle's <script>)
BUNDLE_RE = re.compile(r"<script[^>]*\b" + BUNDLE_MARKER + r"\b[^>]*>(.*?)</script>", re.S)
_BUNDLE_OPEN_RE = re.compile(r"<script[^>]*\b" + BUNDLE_MARKER + r"\b[^>]*>")


def _bundle(body: str) -> tuple[int, int, int, int] | None:
    """Where :data:`BUNDLE_RE` first matches in ``body``: (start, script start, script end, end), or None; found with
    the opening tag's pattern and ``str.find`` for ``</script>``, which the pattern's lazy ``(.*?)`` reaches only
    character by character through the megabyte of script (5 ms a page)."""
    opening = _BUNDLE_OPEN_RE.search(body)
    close = body.find("</script>", opening.end()) if opening else -1
    return None if close < 0 else (opening.start(), opening.end(), close, close + len("</script>"))
BUNDLE_FILE = "assets/vega-bundle.js"
RENDER_CODE = [*sorted(Path(__file__).resolve().parent.glob("*.py")), *sorted(TEMPLATES.rglob("*.j2")), *sorted(TEMPLATES.rglob("*.json"))]


# ----------------------------------------------------------------------------- hashing / state
def _digest(paths, extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for p in paths:
        if p.is_file():
            h.update(_relative(str(p)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def data_files() -> list[Path]:
    """The package file and every resource it declares (other files in data/ are not inputs)."""
    try:
        pkg = json.loads((DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))
        declared = [DATA_DIR / r["path"] for r in pkg.get("resources", []) if isinstance(r.get("path"), str)]
    except (OSError, ValueError, AttributeError):
        declared = []
    return [DATA_DIR / "datapackage.json", *sorted(set(declared))]


def dependency_versions() -> str:
    """Python's version and every installed distribution with its version: an upgrade re-runs the notebooks. Read
    from the names of the distributions' metadata folders on ``sys.path`` (``name-version.dist-info``, as the
    packaging standard names them), not from each one's METADATA file (a fifth of a second, at every build)."""
    found = set()
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:  # (a zip file, a folder gone)
            continue
        found |= {n.rsplit(".", 1)[0].lower() for n in names if n.endswith((".dist-info", ".egg-info"))}
    return f"python {sys.version.split()[0]}\n" + "\n".join(sorted(found))


def shared_inputs() -> list[Path]:
    """Files every notebook depends on: the declared data files (each notebook's helper modules are
    added by :func:`helper_files`)."""
    return data_files()


HELPER_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+helpers(?:\.(\w+))?[ \t]+import[ \t]+(\([^)]*\)|[\w \t,]+)"
                           r"|import[ \t]+helpers(\.\w+)?)", re.M)


def _helpers_named(text: str, package: Path) -> set[str]:
    """Modules of ``package`` that ``text`` imports (``import helpers`` alone: all of them)."""
    every = {p.stem for p in package.glob("*.py")}
    out = set()
    for sub, names, plain in HELPER_IMPORT.findall(text):
        if sub:
            out.add(sub)
        elif names:
            for name in (n.split(" as ")[0].strip() for n in names.strip("()").split(",")):
                if name:
                    out |= {name} if name in every else every  # a name that is no module: the whole package
        else:
            out |= {plain.lstrip(".")} if plain else every
    return out & every


def helper_files(notebook: Path) -> list[Path]:
    """The helper modules a notebook imports, directly or through other helpers, and the package's __init__."""
    package = ROOT / "helpers"
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
        text = "\n".join("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code")
    except (OSError, ValueError):
        return sorted(package.glob("*.py"))
    todo, seen = _helpers_named(text, package), {"__init__"}
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo |= _helpers_named((package / f"{name}.py").read_text(encoding="utf-8"), package)
    return sorted(package / f"{name}.py" for name in seen)


def exec_hash(notebook: Path, parameters: dict | None = None, shared: str | None = None) -> str:
    """Hash of one notebook's run: the notebook, the helper modules it imports, its parameters and
    everything of :func:`shared_hash`."""
    return _digest([notebook, *helper_files(notebook)], (shared or shared_hash()) + json.dumps(parameters or {}, sort_keys=True))


def shared_hash() -> str:
    """Hash of everything every notebook's output depends on besides the notebook and its helpers."""
    return _digest(shared_inputs(), dependency_versions())


def notebooks() -> list[Path]:
    return sorted(NB_DIR.glob("*.ipynb"))


def load_state() -> dict:
    try:
        return json.loads(STATE_FILE.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


# ----------------------------------------------------------------------------- notebook facts
def describe(nb: dict) -> dict:
    """Title and question of an (executed) notebook, and the finding it recorded (helpers.record),
    for the index card and the overview."""
    from helpers import record

    title, question = "", ""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            text = "".join(cell.get("source", ""))
            lines = [ln.strip() for ln in text.splitlines()]
            title = next((ln.lstrip("# ") for ln in lines if ln.startswith("# ")), "")
            paras = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip() and not p.strip().startswith("#")]
            question = paras[0] if paras else ""
            break
    return {"title": title, "question": question, "record": record.read(nb)}


def _md_inline(text: str) -> str:
    """Escape text and keep **bold** and *italic* of Markdown (enough for index cards)."""
    out = html.escape(text, quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    out = re.sub(r"(?<![*\\])\*(?!\*)(.+?)\*", r"<em>\1</em>", out)
    return re.sub(r"\\([\\`*_{}\[\]()#+\-.!|~>$])", r"\1", out)  # Markdown escapes show as the character


# ----------------------------------------------------------------------------- work in a worker
def _kernel_env() -> None:
    import helpers  # noqa: F401  (blocks the slow optional import before nbformat loads jsonschema)


def kernel_manager_class(blocking: bool = False):
    """The manager of every kernel a run starts (``blocking``: jupyter_client's blocking API, as nbval uses it): it
    talks to the kernel over local IPC sockets, not TCP (no open port, and no ipykernel warning about unencrypted
    TCP in the build log), and starts and ends it without jupyter_client's fixed waits (below), 0.5 s of every
    run."""
    from queue import Empty

    import zmq
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.blocking import BlockingKernelClient
    from jupyter_client.manager import AsyncKernelManager, KernelManager
    from jupyter_client.utils import run_sync
    from jupyter_core.utils import ensure_async

    class ReadyClient(BlockingKernelClient if blocking else AsyncKernelClient):
        def _context_default(self):
            """ZeroMQ retries a refused connection every 100 ms by default, and the client connects before the
            kernel has bound its sockets: a tenth of a second lost at every start. Every 5 ms here."""
            ctx = super()._context_default()
            ctx.setsockopt(zmq.RECONNECT_IVL, 5)
            return ctx

        async def _ready(self, timeout: float | None = None) -> None:
            """jupyter_client's wait for the kernel (a kernel_info reply on the shell channel, and a message on
            IOPub, which shows IOPub is connected), without its last step: listening to IOPub until it has been
            silent for 0.2 s. nbclient and nbval read only the messages of the cell they run, so what the kernel
            said while starting needs no flushing."""
            deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
            while True:
                self.kernel_info()
                try:
                    reply = await ensure_async(self.shell_channel.get_msg(timeout=1))
                    if reply["msg_type"] == "kernel_info_reply":
                        await ensure_async(self.iopub_channel.get_msg(timeout=0.2))
                        self._handle_kernel_info_reply(reply)
                        return
                except Empty:
                    pass
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

        wait_for_ready = run_sync(_ready) if blocking else _ready

    class IPCKernelManager(KernelManager if blocking else AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.transport = "ipc"
            # a unique socket prefix per kernel: kernels started at once must not share one
            self.ip = os.path.join(tempfile.gettempdir(), f"nbk-{os.getpid()}-{uuid.uuid4().hex[:12]}")
            self.client_factory = ReadyClient
            self.clients = []

        def client(self, **kwargs):
            """A client of this kernel, remembered: whoever ends the kernel (:func:`_stop_kernel`) closes it too."""
            kc = super().client(**kwargs)
            self.clients.append(kc)
            return kc

        async def _shutdown_now(self, now: bool = False, restart: bool = False) -> None:
            """Always at once: the run is over (nbclient has had every cell's last output), so the kernel has
            nothing left to do; a graceful shutdown only polls for its exit, a tenth of a second at a time."""
            await self._async_shutdown_kernel(now=True, restart=restart)

        shutdown_kernel = run_sync(_shutdown_now) if blocking else _shutdown_now

        async def _async_wait(self, pollinterval: float = 0.1) -> None:
            """Looks for the kernel's exit every 5 ms, not every 100 ms: a killed kernel is gone at once, and the
            first look (straight after the kill) always finds it still there."""
            await super()._async_wait(pollinterval=0.005)

    return IPCKernelManager


#: in a pool worker: the kernel started for the worker's next notebook (its start overlaps other work)
_SPARE: dict = {}


def _start_spare() -> None:
    """Start the kernel this worker's next notebook will run in (:data:`_SPARE`)."""
    from jupyter_client.utils import run_sync

    km = kernel_manager_class()(kernel_name="python3")
    # (as nbclient starts an IPython kernel: its input history in memory, not in a database written at every cell)
    run_sync(km.start_kernel)(cwd=str(NB_DIR), extra_arguments=["--HistoryManager.hist_file=:memory:"])
    _SPARE["km"] = km


def _stop_kernel(km) -> None:
    """End ``km``'s kernel, close its clients and remove its connection file."""
    from jupyter_client.utils import run_sync

    for kc in km.clients:
        kc.stop_channels()
    if run_sync(km.is_alive)():
        run_sync(km.shutdown_kernel)(now=True)
    run_sync(km.cleanup_resources)()


@contextlib.contextmanager
def _stopped_after(km):
    """``km``'s kernel (None: none) ended after the block, whatever happens in it."""
    try:
        yield
    finally:
        if km is not None:
            _stop_kernel(km)


def _drop_spare() -> None:
    """At a worker's end: its unused kernel's launcher killed (the kernel goes with it), not waited for."""
    km = _SPARE.pop("km", None)
    if km is not None:
        km.provisioner.process.kill()
        km.cleanup_connection_file()
        km.cleanup_ipc_files()


def _worker_start(spare: bool) -> None:
    """A pool worker's start: it goes with the builder; ``spare``: it starts the kernel of its first notebook now
    (while the builder waits for the data's validation, time no notebook may use yet) and, at its end, stops a kernel
    started for a notebook that did not come."""
    _die_with_parent()
    if spare:
        from multiprocessing.util import Finalize

        _SPARE["more"] = True
        Finalize(None, _drop_spare, exitpriority=10)
        _start_spare()


def execute(src: str, out: str, parameters: dict) -> dict:
    """Execute one notebook with papermill; return status, seconds and the failing cell."""
    return _execute(src, out, parameters)[0]


def _execute(src: str, out: str, parameters: dict, km=None) -> tuple[dict, object]:
    """:func:`execute`, and the executed notebook as written to ``out`` (None if none was); ``km``: the manager of a
    kernel already started for this run, which the run uses (and ends) instead of starting one."""
    _kernel_env()
    import nbformat
    import papermill as pm

    start = time.perf_counter()
    result = {"status": "ok", "error": ""}
    tmp = f"{out}.{os.getpid()}.partial.ipynb"  # renamed to ``out`` only once the run has ended
    kept: dict = {}  # the notebook papermill would write at the end (with its error banner if a cell failed)
    try:
        # request_save_on_cell_execute=False: papermill would otherwise write (and validate) the whole notebook,
        # its chart bundle included, after every cell: half of a notebook's run time
        with _lighter_papermill(kept), _stopped_after(km):
            nb = pm.execute_notebook(src, tmp, parameters=parameters, cwd=str(NB_DIR), kernel_name="python3",
                                     progress_bar=False, log_output=False, kernel_manager_class=kernel_manager_class(),
                                     request_save_on_cell_execute=False, **({"km": km} if km is not None else {}))
    except pm.PapermillExecutionError as exc:
        nb = kept.get("nb")
        result = {"status": "failed",
                  "error": f"{_source_cell(nb, exc.cell_index)}: {exc.ename}: {exc.evalue}".strip()}
    except OSError as exc:  # disk full, folder gone, …
        Path(tmp).unlink(missing_ok=True)
        nb, result = None, {"status": "failed", "error": os_error(exc, out)}
    except Exception as exc:  # kernel died, bad notebook JSON, …
        nb, result = None, {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    except BaseException:  # Ctrl-C or the build stopped: the last complete notebook stays, a partial one goes
        Path(tmp).unlink(missing_ok=True)
        raise
    result["seconds"] = round(time.perf_counter() - start, 2)
    if nb is None:
        return result, None
    meta = nb.metadata.get("papermill", {})
    for key in ("input_path", "output_path"):  # no paths of the build machine in the output
        if meta.get(key):
            meta[key] = _relative(meta[key])
    meta["output_path"] = _relative(out)
    page.fill_key_findings(nb)  # the recorded bullets at the top, in JupyterLab as on the site
    _notary(os.getpid()).sign(nb)  # executed notebooks are trusted: JupyterLab shows their charts
    try:
        nbformat.validate(nb)  # (every output with it: see _lighter_papermill)
    except nbformat.ValidationError as exc:
        return {**result, "status": "failed", "error": f"the executed notebook is not valid: {exc.message}"}, None
    try:
        nbformat.write(nb, tmp)
        os.replace(tmp, out)
    except BaseException as exc:  # disk full, …, or Ctrl-C: the last complete notebook stays, the partial goes
        Path(tmp).unlink(missing_ok=True)
        if not isinstance(exc, OSError):
            raise
        return {**result, "status": "failed", "error": os_error(exc, out)}, None
    result.update(describe(nb))
    return result, nb


@contextlib.contextmanager
def _lighter_papermill(kept: dict):
    """While papermill runs, less of what it does twice or slowly (the pages are the same):

    - the notebook it would write at the end (twice written and validated: by papermill, then here, once signed) goes
      to ``kept["nb"]`` instead, and each output the kernel sends is not validated on arrival (jsonschema, about a
      millisecond each): the whole notebook, outputs included, is validated once, before it is written (an invalid
      one fails the run);
    - the time stamps of every message (jupyter_client) and of every cell's start (papermill) are read with
      ``datetime.fromisoformat``, not dateutil's parsers: the same datetimes, a tenth of the client's CPU."""
    import types
    from datetime import datetime

    import jupyter_client.jsonutil as jsonutil
    import nbformat.v4.nbbase as nbbase
    import papermill.engines
    import papermill.execute

    def iso(text, *args, _slow=jsonutil._dateutil_parse, **kwargs):
        try:
            return datetime.fromisoformat(text) if not (args or kwargs) else _slow(text, *args, **kwargs)
        except (TypeError, ValueError):
            return _slow(text, *args, **kwargs)

    saved = nbbase.validate, papermill.execute.write_ipynb, jsonutil._dateutil_parse, papermill.engines.dateutil
    nbbase.validate = lambda node, ref=None: None
    papermill.execute.write_ipynb = lambda nb, path: kept.__setitem__("nb", nb)
    jsonutil._dateutil_parse = iso
    papermill.engines.dateutil = types.SimpleNamespace(parser=types.SimpleNamespace(
        parse=functools.partial(iso, _slow=saved[3].parser.parse)))
    try:
        yield
    finally:
        nbbase.validate, papermill.execute.write_ipynb, jsonutil._dateutil_parse, papermill.engines.dateutil = saved


@functools.cache
def _notary(pid: int):
    """The notebook notary of process ``pid`` (made once a process, 5 ms: its configuration and its database of
    signatures; a fork makes its own, as a database connection must not cross a fork)."""
    from nbformat.sign import NotebookNotary

    return NotebookNotary()


def _source_cell(nb, index: int) -> str:
    """'cell N (id X)' of the failing cell of the executed notebook ``nb``, numbered as in the source notebook (the
    cells papermill adds, its injected parameters and its error banners, not counted)."""
    added = {"injected-parameters", "papermill-error-cell-tag"}
    if nb is None:  # the number papermill gave is still worth showing
        return f"cell {index}"
    cells = [c for c in nb.cells if not added & set(c.metadata.get("tags", []))]
    failed = [i for i, c in enumerate(cells) if c.metadata.get("papermill", {}).get("exception")]
    return f"cell {failed[0]} (id {cells[failed[0]].get('id', '?')})" if failed else f"cell {index}"


def _relative(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return Path(path).name


NB_LINK_RE = re.compile(r'href="([0-9]{2}_[A-Za-z0-9_]+)\.ipynb')
#: a link from a page to another file of the site: a notebook's page, a sources page or a data file
SITE_HREF_RE = re.compile(r'href="((?:[0-9]{2}_[A-Za-z0-9_]+\.html|sources(?:-[0-9]+)?\.html|data/)[^"]*)"')


class _AsRendered:
    """Stands in for BeautifulSoup at the end of nbconvert's HTML exporter, which parses and re-serialises the
    whole page (half a second for a chart-heavy one) only to add ``tabindex`` to cells and alt text to images:
    the page stays as the template wrote it, :data:`FOCUSABLE_RE` adds the tabindex, and no output is an image."""

    def __init__(self, markup, features=None):
        self.markup = markup

    def select(self, _selector):
        return []

    def __str__(self):
        return self.markup


#: the cells nbconvert makes reachable by keyboard (tabindex="0"): input wrappers and outputs
FOCUSABLE_RE = re.compile(r'(<div class="[^"]*\b(?:jp-Cell-inputWrapper|jp-OutputArea-output)\b[^"]*")')


@functools.cache
def exporter():
    """The page exporter, one per process: its templates are compiled once (half a second), and compiled in the
    builder before it forks its workers, which share them."""
    _kernel_env()
    import nbconvert.exporters.html
    from nbconvert import HTMLExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from traitlets.config import Config

    if hasattr(nbconvert.exporters.html, "BeautifulSoup"):
        nbconvert.exporters.html.BeautifulSoup = _AsRendered

    cfg = Config()
    cfg.TagRemovePreprocessor.enabled = True
    cfg.TagRemovePreprocessor.remove_input_tags = {"hide-input", "key-findings", "headline"}
    # the notebook is validated once, after the last preprocessor, not after each of the twelve (a tenth of a second
    # for a chart-heavy page); papermill validated it when it wrote it
    cfg.Exporter.optimistic_validation = True
    exp = HTMLExporter(config=cfg, template_name="offline", extra_template_basedirs=[str(TEMPLATES)])
    exp.exclude_input_prompt = True
    exp.exclude_output_prompt = True
    exp.register_filter("highlight_code", Highlight2HTML(parent=exp))  # (set again, per notebook, by the export)
    _ = exp.template  # compiled now
    _warm(exp)
    return exp


def _warm(exp) -> None:
    """Render a two-cell notebook once: what the first page would otherwise pay in each worker (the Python lexer's
    patterns, the Markdown parser, the notebook schema's validator: 0.4 s) is then made before the workers fork."""
    import nbformat

    v4 = nbformat.v4
    code = v4.new_code_cell("x = [1, 'a']  # a comment\nprint(f'{x!r}')", outputs=[
        v4.new_output("stream", name="stdout", text="x\n"),
        v4.new_output("display_data", data={"text/html": "<b>x</b>", "text/markdown": "*x*", "text/plain": "x"})])
    exp.from_notebook_node(v4.new_notebook(cells=[v4.new_markdown_cell("# A\n\n*b* [c](d.html) `e`\n\n- f"), code]),
                           resources={"nav": {}})


def render(executed: str, page_file: str, nav: dict, nb=None) -> dict:
    """Render an executed notebook (the file ``executed``, or ``nb``: what was just written there) to one offline HTML
    article page (builder.page); return its size."""
    import nbformat

    nb = page.prepare(nb if nb is not None else nbformat.read(executed, as_version=4))
    body, _ = exporter().from_notebook_node(nb, resources={"nav": nav})
    page_path = Path(page_file)
    found = _bundle(body)
    if found:
        start, script, script_end, end = found
        _write_asset(page_path.parent / BUNDLE_FILE, body[script:script_end])
        # every later copy (a notebook run in more than one kernel carries one per kernel) is the same file: dropped,
        # as text first (a copy is a megabyte, which the pattern would scan character by character), then by pattern
        # should one differ
        rest = body[end:].replace(body[start:end], "")
        if BUNDLE_MARKER in rest:
            rest = BUNDLE_RE.sub("", rest)
        body = f'{body[:start]}<script src="{BUNDLE_FILE}"></script>{rest}'
    body = NB_LINK_RE.sub(r'href="\1.html', body)  # links between notebooks point at their pages
    body = FOCUSABLE_RE.sub(r'\1 tabindex="0"', body)
    body = relink_sources(body, nav.get("sources") or {})  # a source's link points at the sources page listing it
    if nav.get("site"):  # a page outside the site (make notebook): its links to the site's pages and data reach them
        body = SITE_HREF_RE.sub(lambda m: f'href="{html.escape(nav["site"])}{m.group(1)}"', body)
    body, css = page.finish(body, nav)
    _write_asset(page_path.parent / page.CSS_FILE, css)
    write_whole(page_path, body)
    return {"bytes": page_path.stat().st_size}


def _write_asset(path: Path, text: str) -> None:
    """Write a shared site asset unless it already holds ``text`` (written whole, then renamed)."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    write_whole(path, text)


def write_whole(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it: ``path`` is the old file or the new one,
    never half of one. If the write fails (a full disk, …) the temporary file is removed and the OSError raised."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def os_error(exc: OSError, path) -> str:
    """One line naming an OS error as such: 'disk full (No space left on device, errno ENOSPC) writing build/x'."""
    import errno

    code = errno.errorcode.get(exc.errno, str(exc.errno)) if exc.errno else ""
    kind = {"ENOSPC": "disk full", "EDQUOT": "disk quota exceeded", "EROFS": "read-only file system",
            "EACCES": "permission denied", "EIO": "input/output error"}.get(code, "operating-system error")
    return f"{kind} ({exc.strerror or exc}{', errno ' + code if code else ''}) writing {_relative(str(exc.filename or path))}"


def _job(src: str, out: str, parameters: dict, page_file: str, nav: dict, run: bool, more: bool = False) -> dict:
    """Execute (``run``) and render one notebook, in a pool worker: in the kernel the worker started for it, if it did
    (:func:`_worker_start`); ``more``: another notebook may follow, so the worker starts the next one's kernel before
    it renders this one (the start overlaps the page)."""
    result, nb = _execute(src, out, parameters, _SPARE.pop("km", None)) if run else ({"status": "ok"}, None)
    if run and more and _SPARE.get("more"):
        _start_spare()
    if Path(out).exists():
        target = page_file if result["status"] == "ok" else page_file.replace(".html", ".failed.html")
        try:
            result.update(render(out, target, nav, nb))
            result["page"] = Path(target).name
        except OSError as exc:
            result.update(status="failed", error=f"rendering: {os_error(exc, target)}")
        except Exception as exc:
            result.update(status="failed", error=f"rendering: {type(exc).__name__}: {exc}")
    return result


# ----------------------------------------------------------------------------- data + index
def validate_data() -> list[str]:
    from helpers import data

    return data.validate(DATA_DIR)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_csv(text: str) -> str:
    """A CSV for download: a text cell a spreadsheet would run as a formula (starting with = + - @, a tab
    or a carriage return, and not a number) gets a leading apostrophe. The CSVs in data/ stay as they are."""
    import csv
    import io

    def cell(v: str) -> str:
        if v.startswith(FORMULA_START):
            try:
                float(v)
                return v
            except ValueError:
                return "'" + v
        return v

    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([cell(v) for v in row] for row in csv.reader(io.StringIO(text)))
    return out.getvalue()


def _sources_by_file() -> dict[str, list[dict]]:
    import csv

    pkg = json.loads((DATA_DIR / "datapackage.json").read_text())
    with (DATA_DIR / "sources.csv").open(encoding="utf-8") as f:
        sources = {r["id"]: r for r in csv.DictReader(f)}
    out = {}
    for res in pkg["resources"]:
        with (DATA_DIR / res["path"]).open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        ids = [sid for r in rows for sid in [r.get("source_id") or r.get("id")] if sid in sources]
        out[res["path"]] = {"title": res.get("title", res["name"]), "rows": len(rows),
                            "description": res.get("description", ""),
                            "sources": [sources[s] for s in dict.fromkeys(ids)]}
    return out


def _template(name: str):
    import jinja2
    import markupsafe

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["md_inline"] = lambda t: markupsafe.Markup(_md_inline(t or ""))
    return env.get_template(name)


#: Sources listed under each table on the index; the rest are counted and on the sources page (a table citing
#: 100,000 sources would otherwise make the index tens of megabytes).
INDEX_SOURCES = 50


def write_index(site: Path, state: dict, order: list[str], tables: dict | None = None, pages: dict | None = None) -> None:
    """The index page (templates/index.html.j2): one card per notebook from the finding it recorded
    (its headline and key numbers), then the data tables (``tables``: :func:`_sources_by_file`; links to sources
    through ``pages``, :func:`source_pages`). A failed notebook keeps the card of its last good run, marked."""
    cards = []
    for name in order:
        s = state.get(name, {})
        rec = s.get("record") or {}
        cards.append({"name": name, "title": s.get("title") or name, "question": s.get("question", ""),
                      "headline": rec.get("headline", ""),
                      "numbers": [f"**{label}**: {text}" for label, text, *_ in rec.get("key_numbers", [])],
                      "ok": s.get("status") == "ok", "error": s.get("error", ""),
                      "page": (site / f"{name}.html").exists(), "failed_page": (site / f"{name}.failed.html").exists()})
    page_html = _template("index.html.j2").render(cards=cards, tables=tables or _sources_by_file(),
                                                  index_sources=INDEX_SOURCES)
    write_whole(site / "index.html", relink_sources(page_html, source_pages() if pages is None else pages))


#: Row budget of one sources page: up to this many sources the site has one page, ``sources.html`` (the real data:
#: a few hundred); above it the sources are listed on ``sources.html``, ``sources-2.html``, … in the order of
#: data/sources.csv, this many to a page (about 1 MB each), and every link to a source points at its page.
#: The full table is the downloadable data/sources.csv.
SOURCES_PER_PAGE = 2000
SOURCE_HREF_RE = re.compile(r'href="sources\.html#([^"]*)"')


def _source_rows() -> list[dict]:
    import csv

    with (DATA_DIR / "sources.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def sources_page_name(number: int) -> str:
    """File of sources page ``number`` (1-based): 'sources.html', then 'sources-2.html', …"""
    from helpers import links

    return links.SOURCES_PAGE if number == 1 else f"sources-{number}.html"


def source_pages(ids=None) -> dict[str, str]:
    """The one map from a source id to the file of the sources page that lists it (``ids`` in page order; default
    the ids of data/sources.csv). Only ids past the first page are in it: a link to any other id stays as written."""
    ids = [r["id"] for r in _source_rows()] if ids is None else list(ids)
    return {sid: sources_page_name(i // SOURCES_PER_PAGE + 1) for i, sid in enumerate(ids) if i >= SOURCES_PER_PAGE}


def relink_sources(body: str, pages: dict[str, str]) -> str:
    """``body`` with every link ``sources.html#ID`` pointing at the page of :func:`source_pages` that lists ID (the
    id is read HTML-unescaped and written back as it was). Every writer of a page runs its HTML through this."""
    if not pages:
        return body
    return SOURCE_HREF_RE.sub(lambda m: f'href="{pages.get(html.unescape(m.group(1)), "sources.html")}#{m.group(1)}"', body)


def write_sources(site: Path, tables: dict | None = None) -> None:
    """The sources pages (templates/sources.html.j2): every source with an anchor per id and the tables whose rows
    cite it, :data:`SOURCES_PER_PAGE` to a page (one page, ``sources.html``, up to that many), each page linking
    the others. Pages of an earlier build beyond the last are removed."""
    from helpers import links

    sources = _source_rows()
    cited: dict[str, list[str]] = {}
    for path, info in (tables or _sources_by_file()).items():
        for src in info["sources"]:
            cited.setdefault(src["id"], []).append(path)
    for src in sources:
        src["cited_in"] = cited.get(src["id"], [])
        src["safe_url"], src["safe_archive_url"] = links.safe_url(src.get("url")), links.safe_url(src.get("archive_url"))
    chunks = [sources[i:i + SOURCES_PER_PAGE] for i in range(0, len(sources), SOURCES_PER_PAGE)] or [[]]
    pager = [{"file": sources_page_name(n), "first": (n - 1) * SOURCES_PER_PAGE + 1,
              "last": (n - 1) * SOURCES_PER_PAGE + len(chunk)} for n, chunk in enumerate(chunks, start=1)]
    template = _template("sources.html.j2")
    for old in site.glob("sources-*.html"):
        old.unlink()
    for n, chunk in enumerate(chunks, start=1):
        write_whole(site / pager[n - 1]["file"],
                    template.render(sources=chunk, pager=pager if len(chunks) > 1 else [], current=n, total=len(sources)))


# ----------------------------------------------------------------------------- commands
def _print_summary(order, state, ran) -> None:
    print("\n  notebook                        status   run s   page KB  executed")
    for name in order:
        s = state.get(name, {})
        kb = f'{s.get("bytes", 0) / 1024:8.0f}' if s.get("bytes") else "       -"
        print(f'  {name:<31} {s.get("status", "?"):<8} {s.get("seconds", 0):>5}  {kb}  {"yes" if name in ran else "no"}')


class BuildLocked(RuntimeError):
    """Another build holds build/.lock."""


def _lock():
    """An exclusive lock on build/ (released when the process ends, even if it is killed)."""
    import fcntl

    try:
        BUILD.mkdir(parents=True, exist_ok=True)
        handle = open(BUILD / ".lock", "a+")
    except OSError as exc:
        raise BuildLocked(f"cannot write {BUILD} ({exc.strerror}): make that folder writable, or build from a "
                          "writable copy of the project") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "?"
        handle.close()
        raise BuildLocked(f"another build is running in this folder (process {holder} holds build/.lock); "
                          "wait for it to finish, or stop it, then run `make report` again") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _die_with_parent() -> None:
    """Pool workers get SIGKILL when the build process dies (Linux), so none is left writing."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _prepare_workers() -> None:
    """What every worker needs, done once before the workers fork, not once in each: papermill imported, the
    page exporter's templates compiled (with no collections meanwhile: the imports set off collections that walk
    what they load, 30 ms of CPU)."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    _kernel_env()
    import papermill  # noqa: F401

    exporter()
    # what is loaded now stays: the workers' collections do not walk it (nor copy its pages, written by a walk). As
    # Python's documentation of gc.freeze advises: no collection first (it found 5,000 unreachable objects of the
    # 90,000, in 50 ms of the builder's start, which every worker waits for)
    gc.freeze()
    if enabled:
        gc.enable()


def _validator_process() -> None:
    """The validating process: it validates once and ends, so it makes no collections (20 ms of CPU)."""
    import gc

    _die_with_parent()
    gc.disable()


def _validate_while(work) -> list[str]:
    """:func:`validate_data`, while ``work()`` runs: on Linux the validation runs in a forked process, so that
    the two (about a second each) share the two cores; elsewhere one after the other."""
    if sys.platform != "linux":
        problems = validate_data()
        work()
        return problems
    import pickle

    read, write = os.pipe()
    pid = os.fork()  # (a plain fork, no executor: its thread would be running when ``work`` forks the notebooks' workers)
    if pid == 0:
        os.close(read)
        code = 1
        try:
            _validator_process()
            try:
                result = validate_data()
            except Exception as exc:  # noqa: BLE001 - raised in the builder
                result = RuntimeError(f"validating the data: {type(exc).__name__}: {exc}")
            with os.fdopen(write, "wb") as out:
                pickle.dump(result, out)
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    try:
        work()
    finally:
        with os.fdopen(read, "rb") as inp:
            data = inp.read()
        os.waitpid(pid, 0)
    result = pickle.loads(data) if data else RuntimeError("the validating process ended without a result")
    if isinstance(result, BaseException):
        raise result
    return result


OVERVIEW = "00_overview"


def _overview_key(shared: str, state: dict, order: list[str]) -> str:
    """What the overview's run depends on besides its notebook: the shared inputs and the findings,
    titles and questions the other notebooks recorded."""
    seen = {n: [state.get(n, {}).get(k) for k in ("record", "title", "question")] for n in order if n != OVERVIEW}
    return shared + json.dumps(seen, sort_keys=True)


def _stale(nbs: list[Path], state: dict, parameters: dict, shared: str, render_hash: str) -> dict:
    """``{name: (path, exec hash, run?)}`` of the notebooks to execute (inputs changed) or re-render."""
    todo = {}
    for p in nbs:
        name = p.stem
        ehash = exec_hash(p, parameters.get(name, {}), shared)
        s = state.get(name, {})
        run = not (s.get("exec_hash") == ehash and s.get("status") == "ok"
                   and (EXECUTED / f"{name}.ipynb").exists())
        if run or s.get("render_hash") != render_hash or not _assets_present(SITE / f"{name}.html"):
            todo[name] = (p, ehash, run)
    return todo


def _assets_present(page_file: Path) -> bool:
    """The page exists and so does every shared asset it links (a deleted asset means: render again)."""
    try:
        text = page_file.read_text(encoding="utf-8")
    except OSError:
        return False
    return all((page_file.parent / a).exists() for a in (page.CSS_FILE, BUNDLE_FILE) if f'"{a}' in text)


def _submit(pool, todo: dict, state: dict, parameters: dict, staging: Path, nav: dict, more: bool = False) -> dict:
    """Send ``todo`` to ``pool`` to execute and render; return the futures (to :func:`_collect`). ``more``: notebooks
    may follow these (the overview), so each worker starts its next kernel as it finishes one."""
    if not todo:
        return {}
    print(f"Executing {sum(t[2] for t in todo.values())} and re-rendering {len(todo)} notebook(s).")
    futures = {}
    # the longest runs first, so that the workers finish together: as long as last time; a notebook that has not run
    # yet first of all, the largest of those first (a notebook's size roughly follows its run time)
    def expected(item):
        name, (path, _h, _run) = item
        return state.get(name, {}).get("seconds") or 1e9 + path.stat().st_size

    for name, (p, ehash, run) in sorted(todo.items(), key=expected, reverse=True):
        print(f"  … {name}{'' if run else ' (render only)'}", flush=True)
        futures[pool.submit(_job, str(p), str(EXECUTED / f"{name}.ipynb"), parameters.get(name, {}),
                            str(staging / f"{name}.html"), nav[name], run, more)] = (name, ehash, run)
    return futures


def _collect(futures: dict, state: dict, staging: Path, render_hash: str) -> list:
    """Wait for the runs of :func:`_submit`; update ``state``; return the names executed."""
    for fut in as_completed(futures):
        name, ehash, run = futures[fut]
        try:
            res = fut.result()
        except Exception as exc:
            res = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
        prev = state.get(name, {})
        if res["status"] != "ok":  # the card keeps the last good run's title and finding
            res = {k: v for k, v in res.items() if k not in ("title", "question", "record") or not prev.get(k)}
        entry = {**prev, **res, "exec_hash": ehash, "render_hash": render_hash}
        if run:
            entry["finished"] = time.strftime("%Y-%m-%d %H:%M")
        state[name] = entry
        if res["status"] == "ok":
            (staging / f"{name}.failed.html").unlink(missing_ok=True)
            notebook = staging / "notebooks" / f"{name}.ipynb"
            notebook.parent.mkdir(exist_ok=True)
            shutil.copy2(EXECUTED / f"{name}.ipynb", notebook)
            print(f"  ok     {name} ({res.get('seconds', 0)} s)", flush=True)
        else:
            kept = EXECUTED / f"{name}.ipynb"
            print(f"  FAILED {name}: {res.get('error')}" + (f"\n         executed notebook kept: {kept.relative_to(ROOT)}"
                                                         if kept.exists() else ""), flush=True)
    return [name for name, _h, run in futures.values() if run]


def _publish_data(staging: Path) -> dict:
    """The site's copy of data/ (each CSV made safe for spreadsheets) and its sources pages; returns the tables'
    sources (:func:`_sources_by_file`) for the index."""
    shutil.rmtree(staging / "data", ignore_errors=True)
    (staging / "data").mkdir()
    for f in data_files():  # at the path datapackage.json declares (a subfolder kept), so its links hold
        dest = staging / "data" / f.relative_to(DATA_DIR)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if f.suffix == ".csv":
            write_whole(dest, safe_csv(f.read_text(encoding="utf-8")))
        else:
            shutil.copy2(f, dest)
    tables = _sources_by_file()
    write_sources(staging, tables)
    return tables


def build(jobs: int | None = None, parameters: dict | None = None) -> int:
    """Build the site; ``parameters`` maps a notebook stem to papermill parameters (default: none,
    every notebook at the defaults of its parameters cell)."""
    try:
        lock = _lock()
    except BuildLocked as exc:
        print(f"Build not started: {exc}.", file=sys.stderr)
        return 3
    try:
        return _build(jobs, parameters or {})
    except OSError as exc:  # a full disk, …: the staging folder goes, build/site stays the last good site
        shutil.rmtree(BUILD / "site.new", ignore_errors=True)
        print(f"Build stopped: {os_error(exc, BUILD)}. Nothing was published: build/site/ is the last good site; "
              "free space (or fix the folder) and run `make report` again.", file=sys.stderr)
        return 4
    finally:
        lock.close()


def _build(jobs: int | None, parameters: dict) -> int:
    t0 = time.perf_counter()
    for stale in EXECUTED.glob("*.partial.ipynb"):  # left by a run that was killed (we hold the lock)
        stale.unlink(missing_ok=True)
    state = load_state()
    nbs = notebooks()
    order = [p.stem for p in nbs]
    shared = shared_hash()
    render_hash = _digest(RENDER_CODE)
    # The overview reads the findings the others recorded, so it runs after them, keyed on those records.
    first = [p for p in nbs if p.stem != OVERVIEW]
    last = [p for p in nbs if p.stem == OVERVIEW]
    todo = _stale(first, state, parameters, shared, render_hash)
    data_hash = _digest(data_files(), render_hash)
    index_stale = (state.get("_site", {}).get("data_hash") != data_hash
                   or state.get("_site", {}).get("order") != order or not (SITE / "index.html").exists())
    if not todo and not index_stale and not _stale(last, state, parameters, _overview_key(shared, state, order),
                                                    render_hash):  # (nothing changed: neither did the data)
        print(f"Site is up to date ({len(order)} notebooks; nothing executed) — build/site/index.html "
              f"[{time.perf_counter() - t0:.2f} s]")
        return 0 if all(state.get(n, {}).get("status") == "ok" for n in order) else 1

    # More than one kernel to start: they are forks of one process that imports the notebooks' libraries while
    # the data are validated.
    several = sum(t[2] for t in todo.values()) > 1
    warm = kernels.ForkServer() if several else contextlib.nullcontext()
    jobs = jobs or os.cpu_count() or 1
    with warm, contextlib.ExitStack() as running:
        pool = None

        def prepare():
            """The workers, forked once they hold what they need; with warm kernels, each starts its first kernel."""
            nonlocal pool
            _prepare_workers()
            spare = several and bool(os.environ.get(kernels.FORK_SERVER))  # (a spare kernel is a fork: cheap)
            pool = running.enter_context(ProcessPoolExecutor(max_workers=jobs, initializer=_worker_start,
                                                             initargs=(spare,)))
            pool.submit(int)  # (a fork pool forks its workers at its first job)

        problems = _validate_while(prepare)
        if problems:
            print("Build stopped before any notebook ran: the data do not match data/datapackage.json.",
                  file=sys.stderr)
            for p in problems[:20]:
                print(f"  - {p}", file=sys.stderr)
            if len(problems) > 20:
                print(f"  - … and {len(problems) - 20} more", file=sys.stderr)
            print("The last good site in build/site/ was left as it was.", file=sys.stderr)
            return 2
        pages = source_pages()
        nav = {name: {"index": "index.html", "notebook": f"notebooks/{name}.ipynb", "sources": pages,
                      "prev": f"{order[i - 1]}.html" if i > 0 else "",
                      "next": f"{order[i + 1]}.html" if i + 1 < len(order) else ""} for i, name in enumerate(order)}
        staging = BUILD / "site.new"
        shutil.rmtree(staging, ignore_errors=True)
        if SITE.exists():
            shutil.copytree(SITE, staging)
        staging.mkdir(parents=True, exist_ok=True)
        EXECUTED.mkdir(parents=True, exist_ok=True)
        ran = _collect(_submit(pool, todo, state, parameters, staging, nav, more=True), state, staging, render_hash)
        overview = _submit(pool, _stale(last, state, parameters, _overview_key(shared, state, order), render_hash),
                           state, parameters, staging, nav)
        tables = _publish_data(staging)  # (while the overview runs: it keeps one core of the two busy)
        ran += _collect(overview, state, staging, render_hash)
    for name in list(state):
        if not name.startswith("_") and name not in order:
            del state[name]
    write_index(staging, state, order, tables, pages)
    state["_site"] = {"data_hash": data_hash, "order": order}
    write_whole(STATE_FILE, json.dumps(state, indent=1))  # before the swap: what needs space is written first
    old = BUILD / "site.old"
    shutil.rmtree(old, ignore_errors=True)
    if SITE.exists():
        SITE.rename(old)
    staging.rename(SITE)
    shutil.rmtree(old, ignore_errors=True)
    _print_summary(order, state, ran)
    failed = [n for n in order if state.get(n, {}).get("status") != "ok"]
    print(f"\nSite: {SITE.relative_to(ROOT)}/index.html — {len(order) - len(failed)} ok, "
          f"{len(failed)} failed [{time.perf_counter() - t0:.1f} s]")
    return 1 if failed else 0


def run_one(name: str, params_given: list[tuple[str, str]]) -> int:
    """Execute one notebook with other parameter values into build/runs/NAME/ and render it."""
    src = NB_DIR / f"{Path(name).stem}.ipynb"
    if not src.exists():
        print(f"No notebook {src.relative_to(ROOT)}; known: {[p.stem for p in notebooks()]}", file=sys.stderr)
        return 2
    problems = validate_data()
    if problems:
        print("Stopped: the data do not match data/datapackage.json.\n" +
              "\n".join(f"  - {p}" for p in problems[:20]), file=sys.stderr)
        return 2
    from helpers import params

    # -p values read as papermill's command line reads them, checked by the rules the notebook's own check
    # cell applies: the same values pass and fail, with the same one-line message, before a kernel starts
    values = {key: params.read_value(raw) for key, raw in params_given}
    try:
        params.check({**params.defaults(src), **values}, src, given=list(values))
    except params.ParameterError as exc:
        print(f"ParameterError: {exc}", file=sys.stderr)
        return 2
    out_dir = BUILD / "runs" / src.stem
    out_dir.mkdir(parents=True, exist_ok=True)
    # the page links the site's pages, sources and data (make report builds them) and the notebook run beside it
    res = _job(str(src), str(out_dir / src.name), values, str(out_dir / f"{src.stem}.html"),
               {"index": "../../site/index.html", "site": "../../site/", "notebook": src.name, "sources": source_pages(),
                "prev": "", "next": ""}, True)
    if res["status"] != "ok":
        (out_dir / f"{src.stem}.html").unlink(missing_ok=True)  # no page of an older run beside the failed one
        print(f"FAILED {src.stem}: {res['error']}\n  executed notebook kept: "
              f"{(out_dir / src.name).relative_to(ROOT)}", file=sys.stderr)
        return 1
    print(f"ok {src.stem} with {values} in {res['seconds']} s -> "
          f"{(out_dir / (src.stem + '.html')).relative_to(ROOT)}\n  headline: {(res.get('record') or {}).get('headline', '')}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m builder", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build the whole site incrementally")
    b.add_argument("--jobs", type=int, default=None, help="parallel notebooks (default: cores)")
    r = sub.add_parser("run", help="run one notebook with other parameter values")
    r.add_argument("name", help="notebook name, e.g. 01_chip_gap")
    r.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    sub.add_parser("validate", help="validate data/ against data/datapackage.json")
    args = ap.parse_args(argv)
    if args.cmd == "build":
        return build(args.jobs)
    try:  # run writes build/runs/, validate its record in build/cache/: both wait for no build
        lock = _lock()
    except BuildLocked as exc:
        print(f"Not started: {exc}.", file=sys.stderr)
        return 3
    with lock:
        return run_one(args.name, args.parameter) if args.cmd == "run" else _validate_command()


def _validate_command() -> int:
    problems = validate_data()
    for p in problems:
        print(f"  - {p}", file=sys.stderr)
    print("data/ is valid" if not problems else f"{len(problems)} problem(s)")
    return 2 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
