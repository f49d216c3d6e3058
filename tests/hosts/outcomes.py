"""A pytest plugin for a run inside a test host (`-p tests.hosts.outcomes`): each test's outcome
and report text, written as JSON to the file $SKYLEDGER_TEST_OUTCOMES at the end of the run, for
the outer test that stands for it (tests/hosts/pytest_run.py) to report as its own."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

_outcomes: dict[str, dict[str, str]] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # A test's outcome is its worst phase's: setup, call and teardown each report.
    seen = _outcomes.setdefault(report.nodeid, {"outcome": "passed", "report": ""})
    if report.failed or (report.skipped and seen["outcome"] == "passed"):
        seen["outcome"] = "failed" if report.failed else "skipped"
        seen["report"] += f"[{report.when}] {report.longreprtext}\n"


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = Path(os.environ["SKYLEDGER_TEST_OUTCOMES"])
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(_outcomes, indent=1))
    partial.rename(path)
