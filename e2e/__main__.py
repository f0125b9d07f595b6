"""`python -m e2e --location <region> [--keep] [--set KEY=VALUE ...]`: see e2e/run.py."""

import sys

from e2e.run import main

sys.exit(main())
