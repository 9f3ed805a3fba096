"""Warm kernels: a fork server that imports the notebooks' libraries once; each kernel is a fork of it.

A fresh kernel spends most of its start importing pandas, Altair and ipykernel (about 1.2 s of the 1.5 s a
papermill run takes before its first cell). A build or a test session runs dozens of kernels, so on Linux it
starts one server (``python -m builder.kernels serve SOCKET``) that imports those libraries and nothing of this
project (``helpers`` is imported by each kernel, after its environment and folder are set, as in a cold kernel).
A kernel is then launched as ``python -S builder/kernels.py -f CONNECTION_FILE``: a small client, with only the
standard library, that asks the server for a fork, hands it its standard streams, forwards the signals the
kernel manager sends (interrupt, terminate) and exits with the kernel's exit code. If the client is killed the
fork sees its socket close and exits. With no server (``FORK_SERVER`` unset, or not answering) the client
becomes an ordinary ``ipykernel_launcher``: a kernel always starts.
"""
import json
import os
import signal
import socket
import sys

#: the environment variable naming the server's socket
FORK_SERVER = "NOTEBOOK_FORK_SERVER"
#: what the server imports before it forks (third-party only: nothing that reads this project's files): the libraries,
#: what a kernel's start imports (IPython's debugger, inspector, history database, …) and what the notebooks' charts
#: and tables import on first use (Altair's dataframe layer, narwhals; vl-convert, which holds the Vega bundle)
PRELOAD = ("numpy", "pandas", "altair", "IPython", "ipykernel.ipkernel", "ipykernel.kernelapp", "ipykernel.debugger",
           "pandas.io.formats.style", "IPython.core.completerlib", "IPython.core.debugger", "IPython.core.logger",
           "IPython.core.oinspect", "IPython.extensions.storemagic", "sqlite3", "tornado.platform.asyncio",
           "zmq.utils.garbage", "narwhals._pandas_like.dataframe", "narwhals._pandas_like.namespace",
           "narwhals._interchange.dataframe", "narwhals.stable.v1._namespace", "pandas.core.methods.to_dict",
           "pandas.core.reshape.reshape", "pandas.io.formats.string", "vl_convert")


# ----------------------------------------------------------------------------------------------------- client
def _cold(argv: list[str]) -> None:
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv])


def client(argv: list[str]) -> int:
    path = os.environ.get(FORK_SERVER, "")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
        request = json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
        socket.send_fds(sock, [len(request).to_bytes(8, "big") + request], [0, 1, 2])
        reply = sock.makefile("rb").readline()  # b"started\n" once the fork exists
    except OSError:
        reply = b""
    if reply != b"started\n":
        sock.close()
        _cold(argv)
    for signum, code in ((signal.SIGINT, b"I"), (signal.SIGTERM, b"T")):
        signal.signal(signum, lambda *_a, _c=code: sock.sendall(_c))
    parent = os.getppid()
    sock.settimeout(1.0)
    status = b""
    while True:
        try:
            chunk = sock.recv(16)
        except TimeoutError:  # as a cold kernel polls its parent: the manager gone, the kernel goes with it
            if os.getppid() != parent:
                return 1
            continue
        except InterruptedError:
            continue
        if not chunk:
            break
        status += chunk
    return int(status) if status.strip().lstrip(b"-").isdigit() else 1


# ----------------------------------------------------------------------------------------------------- server
def one_blas_thread() -> None:
    """Unless the environment says otherwise, numpy's BLAS (OpenBLAS) runs in the calling thread, set before numpy
    loads: a build or test run already keeps every core busy with one notebook each, and the pool of BLAS threads
    numpy starts per process (one a core) only spun (0.15 s of CPU in a build, sampled with perf). Results are the
    same: every page was byte-identical."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _recv_request(conn: socket.socket) -> tuple[dict, list[int]]:
    head, fds, _flags, _addr = socket.recv_fds(conn, 8, 3)
    size = int.from_bytes(head, "big")
    body = b""
    while len(body) < size:
        chunk = conn.recv(size - len(body))
        if not chunk:
            raise ConnectionError("client went away")
        body += chunk
    return json.loads(body), fds


def _watch(conn: socket.socket) -> None:
    """In the kernel: forward the client's signals; exit when the client is gone."""
    while True:
        try:
            code = conn.recv(1)
        except OSError:
            code = b""
        if code == b"I":
            os.kill(os.getpid(), signal.SIGINT)
        elif code == b"T":
            os.kill(os.getpid(), signal.SIGTERM)
        else:
            os._exit(1)


def _kernel(conn: socket.socket, request: dict, fds: list[int], server_dir: str) -> None:
    """The forked child: become the kernel the client asked for; never return into the server loop."""
    import atexit
    import threading

    code = 1
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        if sys.path and sys.path[0] in ("", server_dir):  # as ipykernel_launcher: the kernel adds its own folder
            del sys.path[0]
        sys.argv = [request["launcher"], *request["argv"]]  # what a cold kernel's sys.argv holds
        conn.sendall(b"started\n")
        threading.Thread(target=_watch, args=(conn,), daemon=True).start()
        from ipykernel.kernelapp import IPKernelApp
        from traitlets.config import Config

        # The input history goes to a file of the server's, removed with it, not to the user's IPython history file
        # (every cell of every build and test kernel would be committed there, and it only grows).
        config = Config()
        config.HistoryManager.hist_file = request["history"]
        # ipykernel sleeps 0.5 ms after each cell before it replies, so that the cell's output reaches a client that
        # stops reading at the reply; it costs a cell 1.5 ms of wall time and 1 ms of CPU (a build runs 243 cells).
        # The clients of these kernels (nbclient under papermill, nbval) read a cell's output until the kernel says
        # it is idle, which it says after the output, on the same channel: nothing is lost without the sleep.
        config.Kernel._execute_sleep = 0.0
        # parent_handle 1: no banner for a kernel run by hand, and no poll of the parent (the server, not the
        # manager): _watch ends the kernel when its client goes.
        IPKernelApp.launch_instance(argv=[*request["argv"], "--IPKernelApp.parent_handle=1"], config=config)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - shown on the kernel's stderr, as a cold kernel would
        import traceback

        traceback.print_exc()
    try:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        conn.sendall(str(code).encode())
    finally:
        os._exit(code)


def _lighter_cells() -> None:
    """IPython compiles every cell twice: once only to learn whether it awaits at top level (then it runs it as a
    coroutine). Code without the words ``await`` or ``async`` cannot, so it is not compiled for that (the answer
    is the same: False): about 3% of a build's kernel time, sampled with py-spy. And each cell is transformed once,
    not twice (2% more), and without tokenizing it when no token transform can apply, nor, after it, to look for a
    ';' (below)."""
    from IPython.core import interactiveshell

    should = interactiveshell._should_be_async
    interactiveshell._should_be_async = lambda cell: ("await" in cell or "async" in cell) and should(cell)
    # ipykernel transforms each cell (IPython's %-commands, ! lines, …), then IPython transforms the same cell again:
    # the second time, the same cell with the same transformers gives the first result back
    import re

    from IPython.core import inputtransformer2 as it2

    transform, defaults = it2.TransformerManager.transform_cell, it2.TransformerManager().token_transformers
    # IPython's own token transforms (``a = %magic``, ``a = !cmd``, a line that starts with % ! ? , ; or /, a trailing
    # ?) each start at one of these characters, or at one of , ; / opening a line: a cell with none cannot change, and
    # is not tokenized for them (tokenizing is most of a transform: 70 ms over a build's cells, 30 of them saved)
    escapes = re.compile(r"[%!?]|^[ \t]*[,;/]", re.M)

    def transform_cell(self, cell: str) -> str:
        key = (cell, *map(tuple, (self.cleanup_transforms, self.line_transforms, self.token_transformers)))
        last = self.__dict__.get("_last_transform")
        if last is None or last[0] != key:
            if self.token_transformers == defaults and not escapes.search(cell):
                lines = (cell if cell.endswith("\n") else cell + "\n").splitlines(keepends=True)
                for step in self.cleanup_transforms + self.line_transforms:  # (transform_cell, but the token steps)
                    lines = step(lines)
                last = self._last_transform = (key, "".join(lines))
            else:
                last = self._last_transform = (key, transform(self, cell))
        return last[1]

    it2.TransformerManager.transform_cell = transform_cell
    # After a cell whose last line is an expression, IPython tokenizes the whole cell again to learn whether that line
    # ends in ';' (which hides its value); a cell without a ';' anywhere cannot (the answer is the same: no): 60 ms
    from IPython.core.displayhook import DisplayHook

    semicolon = DisplayHook.semicolon_at_end_of_expression
    DisplayHook.semicolon_at_end_of_expression = staticmethod(lambda expression: ";" in expression and semicolon(expression))


def _lighter_messages() -> None:
    """Per message, the kernel's event loop reads each ZeroMQ socket's EVENTS option by attribute, which pyzmq resolves
    through a generic __getattr__ (a constant lookup by name, then the option); and per cell ipykernel inspects the
    signature of the shell's run_cell. A property, and a memo of that answer: 0.25 ms less a cell (8%, measured on
    500 trivial cells)."""
    import zmq
    from ipykernel import ipkernel
    from zmq.sugar.socket import Socket

    Socket.EVENTS = Socket.events = property(lambda self: self.get(zmq.EVENTS))
    accepts, accepted = ipkernel._accepts_parameters, {}

    def accepts_parameters(meth, param_names):
        key = (getattr(meth, "__func__", meth), tuple(param_names))
        if key not in accepted:
            accepted[key] = accepts(meth, param_names)
        return dict(accepted[key])

    ipkernel._accepts_parameters = accepts_parameters


def _warm_libraries() -> None:
    """Draw one small chart before forking: what Altair builds at its first chart (the shorthand patterns, the
    Vega-Lite schema's validator, narwhals' view of pandas) is then built once, not in every kernel (15 ms each)."""
    import altair as alt
    import pandas as pd

    frame = pd.DataFrame({"x": [1.0, 2.0], "label": ["a", "b"], "date": pd.to_datetime(["2024-01-01", "2024-02-01"])})
    base = alt.Chart(frame).encode(x=alt.X("x:Q", title="x"), y="label:N", color="label",
                                   tooltip=["x", alt.Tooltip("date:T")])
    (base.mark_bar() + base.mark_text()).properties(width=100).to_dict()


def serve(path: str) -> None:
    """Listen on ``path`` first (clients queue while the libraries load), import :data:`PRELOAD`, then fork one
    kernel per request. Ends with its parent (Linux) or when killed; removes its socket."""
    import importlib.util
    import warnings

    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: go when the build or test run goes
    except (OSError, AttributeError):
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    signal.signal(signal.SIGTERM, lambda *_a: sys.exit(0))
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forks are reaped by the kernel, never become zombies
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # (the server's own environment: its import of the debugger
    # would print a warning about frozen modules once; each kernel gets its client's environment)
    one_blas_thread()
    import gc

    gc.disable()  # (while the libraries load: their imports set off collections that walk them, 0.06 s of CPU)
    try:
        for name in PRELOAD:
            importlib.import_module(name)
        _lighter_cells()
        _lighter_messages()
        _warm_libraries()
        # the libraries stay loaded: a kernel's collections do not walk them (which also writes to every page of them,
        # so that the fork copies each): in a build, 0.1 s less of collections in each kernel that makes a full one.
        # (No collection first, as Python's documentation of gc.freeze advises: 50 ms for a few thousand objects.)
        gc.freeze()
        gc.enable()  # (each kernel collects as a cold one does)
        server_dir = sys.path[0]
        launcher = importlib.util.find_spec("ipykernel_launcher").origin
        history = os.path.join(os.path.dirname(path), "history.sqlite")
        # Python 3.12+ warns on every fork of a process with threads; the only ones here are the BLAS pool's, which
        # handles forks itself (as under multiprocessing's fork start method)
        warnings.filterwarnings("ignore", r"This process .* is multi-threaded", DeprecationWarning)
        while True:
            conn, _addr = listener.accept()
            try:
                request, fds = _recv_request(conn)
            except (OSError, ValueError):
                conn.close()
                continue
            request["launcher"], request["history"] = launcher, history
            if os.fork() == 0:
                listener.close()
                _kernel(conn, request, fds, server_dir)
            for fd in fds:
                os.close(fd)
            conn.close()
    finally:
        listener.close()
        try:
            os.unlink(path)
        except OSError:
            pass


def _listening(path: str, proc=None, within: float = 10) -> None:
    """Wait until the server at ``path`` listens (its socket exists; it binds before it loads anything), it has
    ended (``proc``), or ``within`` seconds: a kernel started before it listens is an ordinary, slower one."""
    import time

    deadline = time.monotonic() + within
    while not os.path.exists(path) and (proc is None or proc.poll() is None) and time.monotonic() < deadline:
        time.sleep(0.005)


class ForkServer:
    """``with ForkServer():`` a server for the length of the block. Every ``python3`` kernel started meanwhile,
    here or in a process started meanwhile (papermill, nbval), is one of its forks: the block's environment names
    the server, and puts first on ``JUPYTER_PATH`` a ``python3`` kernel spec that runs the client. Does nothing
    off Linux or when a server is already named (a test session's, shared by the builds inside it), but wait for
    that one to listen. ``wait=False``: the block starts without waiting for its server to listen (a block inside it
    waits)."""

    def __init__(self, wait: bool = True):
        self.proc = None
        self.folder = None
        self.wait = wait

    def __enter__(self):
        import subprocess
        import tempfile

        if sys.platform != "linux":
            return self
        if os.environ.get(FORK_SERVER):
            _listening(os.environ[FORK_SERVER])
            return self
        self.folder = tempfile.mkdtemp(prefix="nbfork-")
        path = os.path.join(self.folder, "s")
        self.proc = subprocess.Popen([sys.executable, "-m", "builder.kernels", "serve", path],
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        if self.wait:
            _listening(path, self.proc)
        spec = os.path.join(self.folder, "kernels", "python3")
        os.makedirs(spec)
        with open(os.path.join(spec, "kernel.json"), "w", encoding="utf-8") as f:
            # the client needs only the standard library: run as a script, without site-packages (-S), it starts in
            # 10 ms less (a build starts 7 kernels, a test session 90)
            json.dump({"argv": [sys.executable, "-S", os.path.abspath(__file__), "-f", "{connection_file}"],
                       "display_name": "Python 3 (ipykernel)", "language": "python", "interrupt_mode": "signal",
                       "metadata": {"debugger": True}}, f)
        self.saved = {k: os.environ.get(k) for k in (FORK_SERVER, "JUPYTER_PATH")}
        os.environ[FORK_SERVER] = path
        os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (self.folder, self.saved["JUPYTER_PATH"]) if p)
        return self

    def __exit__(self, *exc):
        import shutil

        if self.proc is None:
            return
        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        # killed, not terminated: the server holds nothing to save (its kernels are processes of their own, and its
        # socket goes with the folder), and a clean exit would spend 0.4 s tearing down pandas and Altair
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["serve"]:
        serve(argv[1])
        return 0
    return client(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
