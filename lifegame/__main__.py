"""``python -m lifegame``: the same as the ``lifegame`` command."""

import sys

from .cli import main

sys.exit(main())
