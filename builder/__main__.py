import sys

from builder.report import main

sys.exit(main())
