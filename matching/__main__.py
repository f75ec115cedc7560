"""`python -m matching solve problem.json` (no Django needed)."""

import sys

from matching.cli import main

sys.exit(main())
