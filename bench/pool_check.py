"""The pool's check of a connection before lending it: a ping every time against a look at the
socket (adapters/pg_pool_check.py), measured in one run on PostgreSQL.

    python -m bench.pool_check [--clients 10] [--boots 20] [--database-url URL]

SKYLEDGER_DATABASE_POOL_CHECK set to ping, socket, socket, ping, as bench/setting_ab.py runs
and prints them, then the ratios socket / ping. Prints, never asserts.
"""

from __future__ import annotations

import sys

from bench.setting_ab import main

if __name__ == "__main__":
    sys.exit(main("SKYLEDGER_DATABASE_POOL_CHECK", "ping", "socket", __doc__))
