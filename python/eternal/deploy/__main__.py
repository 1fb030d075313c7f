"""``python -m eternal.deploy``: the ``deploy`` command through the one CLI."""

import sys

from eternal.cli import run_module

sys.exit(run_module("deploy"))
