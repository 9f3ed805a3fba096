import json
import shutil
from pathlib import Path

import pytest

from builder import kernels

kernels.one_blas_thread()  # in each test process, before a test imports numpy (the session's kernels: builder.kernels)

ROOT = Path(__file__).resolve().parent.parent

#: the tables the bad-input and builder tests touch, with the tables their foreign keys point to
SMALL_PACKAGE = ("sources", "chips", "chip_specs", "exchange_rates")


def copy_small_package(dst: Path) -> Path:
    """data/ cut to :data:`SMALL_PACKAGE` in ``dst`` (the whole package's validity is tested on data/ itself),
    so a test that breaks or rebuilds it validates four tables, not all."""
    dst.mkdir(parents=True)
    pkg = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))
    pkg["resources"] = [r for r in pkg["resources"] if r["name"] in SMALL_PACKAGE]
    for res in pkg["resources"]:
        shutil.copy(ROOT / "data" / res["path"], dst / res["path"])
        fks = res["schema"].get("foreignKeys", [])
        assert all(fk["reference"]["resource"] in SMALL_PACKAGE + ("",) for fk in fks), res["name"]
    (dst / "datapackage.json").write_text(json.dumps(pkg, indent=2), encoding="utf-8")
    return dst


def process_gone(pid: int, within: float = 5) -> bool:
    """True once process ``pid`` no longer exists (checked every 20 ms for up to ``within`` seconds)."""
    import os
    import time

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


def notebook_def(stem: str, name: str):
    """Function ``name`` as notebook ``stem`` defines it (a model written for one page lives in that page): its
    ``def`` run with the notebook's imports, nothing else of the notebook."""
    import ast

    nb = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))
    body = [node for cell in nb["cells"] if cell["cell_type"] == "code" for node in ast.parse("".join(cell["source"])).body]
    wanted = [n for n in body if isinstance(n, (ast.Import, ast.ImportFrom))
              or isinstance(n, ast.FunctionDef) and n.name == name]
    assert any(isinstance(n, ast.FunctionDef) for n in wanted), f"{stem} defines no {name}()"
    ns: dict = {}
    exec(compile(ast.Module(body=wanted, type_ignores=[]), f"{stem}.ipynb", "exec"), ns)  # noqa: S102
    return ns[name]


@pytest.fixture
def data_copy(tmp_path):
    """A writable copy of the data package (cut to four tables) to break in a test."""
    return copy_small_package(tmp_path / "data")



# --- the hostile site build (tests/test_browser.py) starts with the session ---------------------------------
_background = {}


def pytest_configure(config):
    """Start the hostile site build in the background when the browser tests will run (the whole suite, or
    test_browser.py named): it is half the suite's work, and started first it overlaps the rest. Runs in
    the controlling process only; xdist workers find it through HOSTILE_SITE_DIR."""
    import logging
    import os
    import pprint
    import subprocess
    import sys
    import tempfile

    import nbval.kernel

    from builder.report import kernel_manager_class

    # nbval's kernels start and stop as the build's do: without jupyter_client's fixed waits (0.4 s a notebook)
    nbval.kernel.KernelManager = kernel_manager_class(blocking=True)
    # nbval pretty-prints every kernel message (a chart's is a megabyte) for a debug log line, and only then does
    # the logger drop it: formatted only when that log is on (a second of the suite's CPU otherwise)
    nbval.kernel.pformat = lambda msg: (pprint.pformat(msg) if nbval.kernel.logger.isEnabledFor(logging.DEBUG)
                                        else "(debug logging is off)")
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if "server" not in _background:  # every kernel of the session (nbval's, the builds') is a fork of one process
        from builder import kernels

        _background["server"] = kernels.ForkServer().__enter__()
        # data/ validated once, first thing (the build does the same): otherwise, in a fresh checkout, every nbval
        # kernel and test worker that loads a table finds no record of a valid package and validates it itself
        _background["validate"] = subprocess.Popen([sys.executable, "-c", "from helpers import data; data.validate()"],
                                                   cwd=ROOT, stdin=subprocess.DEVNULL)
    if os.environ.get("HOSTILE_SITE_DIR"):
        return
    args = [str(a) for a in config.args]
    if args and not any("test_browser" in a or a.rstrip("/") in ("tests", ".", str(ROOT)) for a in args):
        return
    folder = tempfile.mkdtemp(prefix="hostile-site-")
    log = open(Path(folder) / "build.log", "w")
    code = "import sys; sys.path.insert(0, 'tests'); import test_browser; test_browser._hostile_main(sys.argv[1])"
    _background["proc"] = subprocess.Popen([sys.executable, "-c", code, folder], cwd=ROOT, stdout=log,
                                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    _background["folder"], _background["log"] = folder, log
    os.environ["HOSTILE_SITE_DIR"] = folder


def pytest_unconfigure(config):
    if "validate" in _background:
        _background.pop("validate").wait()
    server = _background.pop("server", None)
    if server is not None:
        server.__exit__(None, None, None)
    proc = _background.pop("proc", None)
    if proc is None:
        return
    import os

    if proc.poll() is None:
        proc.kill()
    proc.wait()
    _background.pop("log").close()
    os.environ.pop("HOSTILE_SITE_DIR", None)
    shutil.rmtree(_background.pop("folder"), ignore_errors=True)




#: The long pieces go to the workers first, so that no worker starts one of them at the end while the other sits
#: idle (xdist keeps this order with --no-loadscope-reorder, see the Makefile; a scope is a module, a notebook or a
#: test class, so each notebook's range ends in tests/test_params.py is a class of its own); the browser tests come
#: once the background site build they wait for is well under way.
SLOW_FIRST = ("tests/test_report_inputs.py", "tests/test_report.py", "tests/test_params.py::TestEnds02",
              "notebooks/02_", "tests/test_params.py::TestEnds", "notebooks/01_", "notebooks/03_", "notebooks/04_",
              "tests/test_params.py", "tests/test_browser.py", "tests/test_explorers.py", "notebooks/06_", "notebooks/05_")


def pytest_collection_modifyitems(session, config, items):
    def rank(item):
        return next((i for i, prefix in enumerate(SLOW_FIRST) if item.nodeid.startswith(prefix)), len(SLOW_FIRST))
    items.sort(key=rank)  # stable: a notebook's cells keep their order
