"""Process managers that look at the log's head only when a LISTEN wakes them (and every 5 s)
against a look on every poll (domain/process/loop.py), measured in one run on PostgreSQL.

    python -m bench.process_head_poll [--clients 10] [--boots 20] [--database-url URL]

SKYLEDGER_PROCESS_HEAD_POLL set to true, false, false, true, as bench/setting_ab.py runs and
prints them, then the ratios false / true; the idle server's figures are the ones this lever
is about. Prints, never asserts.
"""

from __future__ import annotations

import sys

from bench.setting_ab import main

if __name__ == "__main__":
    sys.exit(main("SKYLEDGER_PROCESS_HEAD_POLL", "true", "false", __doc__))
