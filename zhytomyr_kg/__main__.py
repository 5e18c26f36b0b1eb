"""``python -m zhytomyr_kg``: the same command line as ``zhytomyr-kg``."""

import sys

from zhytomyr_kg.cli import main

sys.exit(main())
