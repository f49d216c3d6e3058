"""Token validation from the cache (api/token_cache.py) against loading the token's aggregates
on every request, measured in one run on PostgreSQL.

    python -m bench.token_cache [--clients 10] [--boots 20] [--database-url URL]

SKYLEDGER_TOKEN_CACHE set to false, true, true, false, as bench/setting_ab.py runs and prints
them, then the ratios true / false. Prints, never asserts.
"""

from __future__ import annotations

import sys

from bench.setting_ab import main

if __name__ == "__main__":
    sys.exit(main("SKYLEDGER_TOKEN_CACHE", "false", "true", __doc__))
