"""`python -m bench`: run every benchmark, print one table (bench/suite.py)."""

import sys

from bench.suite import main

sys.exit(main())
