"""`python -m bot` is the same as the `roundtable` command."""

import sys

from bot.runtime.cli import main

sys.exit(main())
