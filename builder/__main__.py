import contextlib
import sys
from pathlib import Path

from builder import kernels

kernels.one_blas_thread()  # (before the builder imports numpy)

# A first build (no build/state.json yet) runs every notebook: the server their kernels fork from starts at once,
# before the builder's own imports and hashing (a tenth of a second in which it has a core to itself); the build
# waits for it to listen before its first kernel (kernels.ForkServer). Other commands start their own if they need one.
first = sys.argv[1:2] == ["build"] and not (Path(__file__).resolve().parent.parent / "build" / "state.json").exists()
with kernels.ForkServer(wait=False) if first else contextlib.nullcontext():
    from builder.report import main

    code = main()
sys.exit(code)
