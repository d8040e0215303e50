"""`python -m tui` runs the app."""

import sys

from .cli import main

sys.exit(main())
