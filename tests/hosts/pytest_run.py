"""Tests of this suite run inside a test host, for the tests that stand for them outside.

Where the machine's kernel lacks something a test needs (802.1Q), the test runs on the test
host's kernel instead: one VM runs pytest on every such test id at once (the guest's Python is
~15x slower, and collecting the suite there costs a minute or two), and each outer test then
reports the outcome of its own id, with the guest's report when it failed or skipped.
"""

from __future__ import annotations

import json
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.hosts.image import REPO, HostImage
from tests.hosts.machine import HostVM

RUN_TIMEOUT_S = 1800.0  # measured 250 s for 21 network tests with the load average at 18


@dataclass(frozen=True)
class GuestOutcome:
    node_id: str
    outcome: str  # passed, failed or skipped, as pytest said in the guest
    report: str
    kernel: str

    def report_here(self) -> None:
        """End the outer test as the guest's run ended."""
        where = f"in the test host (kernel {self.kernel})"
        if self.outcome == "failed":
            pytest.fail(f"{self.node_id} failed {where}:\n{self.report}", pytrace=False)
        if self.outcome == "skipped":
            pytest.skip(f"skipped {where}: {self.report.strip()}")


def node_id(item: pytest.Item) -> str:
    """The id pytest gives the test in the guest (no xdist group suffix)."""
    return f"{item.path.relative_to(REPO).as_posix()}::{item.name}"


def run_in_test_host(image: HostImage, node_ids: list[str], share: Path
                     ) -> dict[str, GuestOutcome]:
    """Run the tests in one VM; their outcomes by node id. Fails, with the guest's console, when
    the run gave no outcome for one of them."""
    outcomes_file = Path("/run/testhost/outcomes.json")
    command = " ".join([
        f"cd {shlex.quote(str(REPO))} &&",
        # No plugins but ours: the ones installed (schemathesis, hypothesis, xdist) cost the
        # slow guest seconds to import, and the tests run there need none of them.
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1",
        f"SKYLEDGER_TEST_OUTCOMES={outcomes_file} PYTHONPATH={shlex.quote(str(REPO))}",
        shlex.quote(sys.executable), "-m", "pytest", "-p", "no:cacheprovider",
        "-p", "tests.hosts.outcomes", "-q", "-rfEs", *map(shlex.quote, node_ids)])
    with HostVM(image, "pytest", share) as vm:
        vm.start(command)
        vm.wait(RUN_TIMEOUT_S)
        console = vm.console()
    found = share / outcomes_file.name
    assert found.exists(), f"pytest in the test host wrote no outcomes:\n{console}"
    outcomes = json.loads(found.read_text())
    missing = [node for node in node_ids if node not in outcomes]
    assert not missing, f"pytest in the test host did not run {missing}:\n{console}"
    return {node: GuestOutcome(node, outcomes[node]["outcome"], outcomes[node]["report"],
                               image.version) for node in node_ids}
