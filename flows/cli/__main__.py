"""`python -m flows.cli ...`: the same as the `boilerclean` command."""

import sys

from . import main

sys.exit(main())
