"""The benchmark suite's table: pass/fail in both directions, and a broken benchmark's row.

Only the table logic is tested here; the benchmarks themselves never run in the test suite.
"""

from __future__ import annotations

import subprocess
import sys

from bench.figures import Failure, Figure, table
from bench.suite import Benchmark, run


def test_a_figure_passes_on_the_right_side_of_its_target() -> None:
    assert Figure("latency", 15.0, "ms", 20.0).passed
    assert not Figure("latency", 25.0, "ms", 20.0).passed
    assert Figure("speed-up", 12.0, "x", 10.0, lower_is_better=False).passed
    assert not Figure("speed-up", 8.0, "x", 10.0, lower_is_better=False).passed
    assert Figure("latency", 25.0, "ms", 20.0).ratio == 1.25


def test_the_table_has_one_row_per_figure_with_target_and_verdict() -> None:
    text = table([Figure("p50", 25.0, "ms", 20.0), Figure("ratio", 0.7, "x", 0.5, False),
                  Failure("network", "error: needs root")])
    lines = text.splitlines()
    assert lines[0].split() == ["FIGURE", "MEASURED", "TARGET", "RATIO", "RESULT"]
    assert "25 ms" in lines[2] and "<= 20 ms" in lines[2] and "1.25" in lines[2]
    assert lines[2].endswith("FAIL") and ">= 0.5 x" in lines[3] and lines[3].endswith("pass")
    assert lines[4].startswith("network") and lines[4].endswith("error: needs root")


def test_a_benchmark_that_breaks_gets_a_row_and_the_rest_still_run() -> None:
    broken = Benchmark("broken", "bench.figures", "has no figures()")
    rows, _ = run([broken], quick=True)
    assert len(rows) == 1 and isinstance(rows[0], Failure)
    assert rows[0].reason.startswith("error: AttributeError")


def test_both_entry_points_answer_help() -> None:
    for argv in (["-m", "bench", "--help"], ["-m", "ops.cli", "bench", "--help"]):
        result = subprocess.run([sys.executable, *argv], capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 0, result.stderr
        assert "--only NAME" in result.stdout and "api_boot" in result.stdout
