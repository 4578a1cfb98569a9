"""``python -m jaxact``: the command-line interface (same as the ``jaxact`` command)."""

import sys

from jaxact.tools.cli import leave, main

sys.exit(leave(main()))
