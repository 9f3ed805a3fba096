"""Warm kernels (builder/kernels.py): a kernel forked from the session's server behaves as a cold one would: it
runs in the folder and environment its manager gave, is interrupted and shut down by it, and goes when its
client is killed; with no server the client becomes an ordinary kernel."""
import os
import signal
import sys
import time

import pytest

from builder import kernels
from conftest import process_gone

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the fork server runs on Linux only")


def _run(kc, code: str, timeout: float = 20) -> tuple[str, str]:
    """Execute ``code``; return (stdout text, error name or '')."""
    msg_id = kc.execute(code)
    out, error = "", ""
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out += content["text"]
        elif kind == "error":
            error = content["ename"]
        elif kind == "status" and content["execution_state"] == "idle":
            return out, error


@pytest.fixture
def kernel(tmp_path):
    from jupyter_client.manager import KernelManager

    with kernels.ForkServer():  # the session's server when there is one
        km = KernelManager(kernel_name="python3")
        km.start_kernel(cwd=str(tmp_path), env={**os.environ, "WARM_KERNEL_PROBE": "given"})
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=30)
        yield km, kc
        kc.stop_channels()
        if km.has_kernel:
            km.shutdown_kernel(now=True)


def test_a_forked_kernel_runs_where_and_with_what_its_manager_said_and_is_interrupted(kernel, tmp_path):
    km, kc = kernel
    assert km.kernel_spec.argv[:3] == [sys.executable, "-S", kernels.__file__]
    out, _ = _run(kc, "import gc, os, sys\nprint(os.getpid(), os.getcwd(), os.environ['WARM_KERNEL_PROBE'], "
                      "'helpers' in sys.modules, 'pandas' in sys.modules, get_ipython().history_manager.hist_file, "
                      "gc.isenabled())")
    pid, cwd, probe, helpers_loaded, pandas_loaded, history, collects = out.split()
    assert collects == "True"  # (the server loads the libraries with collections off, then turns them back on)
    # cells go to a history file of the server's, removed with it, not to the user's IPython history
    assert os.path.dirname(history) == os.path.dirname(os.environ[kernels.FORK_SERVER])
    assert int(pid) != km.provisioner.process.pid  # a fork of the server, not the client the manager started
    assert (cwd, probe) == (str(tmp_path), "given")
    assert (helpers_loaded, pandas_loaded) == ("False", "True")  # libraries preloaded, the project's code not

    started = time.monotonic()
    msg_id = kc.execute("import time\nprint('in the cell', flush=True)\ntime.sleep(30)")
    # interrupt once this cell runs (its own output, not a late one of the cell before): before it, the kernel
    # ignores SIGINT (idle), and the interrupt would be lost
    while True:
        msg = kc.get_iopub_msg(timeout=10)
        if msg["msg_type"] == "stream" and msg["parent_header"].get("msg_id") == msg_id:
            break
    km.interrupt_kernel()
    error = ""
    while True:
        msg = kc.get_iopub_msg(timeout=10)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "error":
            error = msg["content"]["ename"]
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    assert error == "KeyboardInterrupt" and time.monotonic() - started < 10

    client = km.provisioner.process
    km.shutdown_kernel()  # the kernel's own exit code reaches the manager through the client
    assert client.wait(timeout=5) == 0
    assert process_gone(int(pid), within=5)


def test_a_forked_kernel_transforms_and_awaits_cells_as_a_cold_one(kernel, tmp_path):
    """The server's shortcuts (no compile to look for a top-level await in a cell without the word; one transform of
    a cell, not two) change nothing a cell does."""
    _km, kc = kernel
    assert _run(kc, "import asyncio\nawait asyncio.sleep(0)\nprint('awaited')") == ("awaited\n", "")
    assert _run(kc, "here = %pwd\nprint(here)")[0].strip() == str(tmp_path)  # %-commands and ! lines still work
    assert _run(kc, "!echo from a shell")[0].strip() == "from a shell"
    cell = "print('ONE')"
    assert _run(kc, cell) == _run(kc, cell) == ("ONE\n", "")
    _run(kc, "get_ipython().input_transformers_cleanup.append(lambda lines: [x.replace('ONE', '1') for x in lines])")
    assert _run(kc, cell) == ("1\n", "")  # a transformer added later applies to a cell seen before
    assert _run(kc, "def f():\n    return 'no await here'\nprint(f())") == ("no await here\n", "")
    shown = []  # a last expression's value is shown unless a ';' ends it
    for cell in ("6 * 7", "6 * 7;", "x = 1; x", "x = 1; 6 * 7  # the answer;", "'a;b'"):
        msg_id = kc.execute(cell)
        while (msg := kc.get_iopub_msg(timeout=20))["parent_header"].get("msg_id") != msg_id or not (
                msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle"):
            if msg["msg_type"] == "execute_result" and msg["parent_header"].get("msg_id") == msg_id:
                shown.append(msg["content"]["data"]["text/plain"])
    assert shown == ["42", "1", "42", "'a;b'"]


def test_the_servers_transform_of_a_cell_is_ipythons():
    """The server's shortcut (no tokenizing for a cell in which no token transform can start) transforms every code
    cell of every notebook, and cells that IPython does change, exactly as IPython does (compared in a process of
    its own: the shortcut changes IPython for the process)."""
    import json
    import subprocess
    from pathlib import Path

    root = Path(kernels.__file__).resolve().parent.parent
    cells = ["".join(c["source"]) for p in sorted((root / "notebooks").glob("*.ipynb"))
             for c in json.loads(p.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    cells += ["a = %pwd", "x = !ls", "%time 1", "?x", "x?", "  ,f a b", "/f 1", ";f a", "f(1,\n  2) / 3",
              ">>> 1 + 1", "In [1]: x = 1", "  x = 1\n  y = 2", "\n\n  x", "if x:\n    %time 1", "%%bash\necho"]
    code = ("import json, sys\nfrom IPython.core.inputtransformer2 import TransformerManager as T\n"
            "cells = json.load(sys.stdin); before = [T.transform_cell(T(), c) for c in cells]\n"
            "from builder import kernels; kernels._lighter_cells()\n"
            "print(json.dumps([i for i, c in enumerate(cells) if T().transform_cell(c) != before[i]]))")
    out = subprocess.run([sys.executable, "-c", code], input=json.dumps(cells), capture_output=True, text=True,
                         cwd=root, check=True)
    assert len(cells) > 200 and json.loads(out.stdout) == []


def test_a_forked_kernel_replies_without_a_sleep_and_no_output_is_lost(kernel):
    """The forked kernels do not sleep before each reply (ipykernel's 0.5 ms): a cell's output still all arrives, as
    its clients read it, up to the kernel's idle status."""
    _km, kc = kernel
    assert _run(kc, "print(get_ipython().kernel._execute_sleep)") == ("0.0\n", "")
    for _ in range(3):
        out, _error = _run(kc, "import sys\nfor i in range(300):\n    print(i)\n    sys.stdout.flush() if i % 7 == 0 else None")
        assert out.split() == [str(i) for i in range(300)]


def test_a_killed_client_takes_its_kernel_with_it(kernel):
    km, kc = kernel
    pid = int(_run(kc, "import os; print(os.getpid())")[0])
    os.kill(km.provisioner.process.pid, signal.SIGKILL)
    assert process_gone(pid, within=5)


def test_with_no_server_the_client_becomes_an_ordinary_kernel(monkeypatch, tmp_path):
    started = []
    monkeypatch.setenv(kernels.FORK_SERVER, str(tmp_path / "no-such-socket"))
    monkeypatch.setattr(kernels, "_cold", lambda argv: started.append(argv) or sys.exit(0))
    with pytest.raises(SystemExit):
        kernels.client(["-f", "conn.json"])
    assert started == [["-f", "conn.json"]]
