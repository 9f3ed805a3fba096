import sys

from builder import kernels

kernels.one_blas_thread()  # (before the builder imports numpy)

from builder.report import main  # noqa: E402

sys.exit(main())
