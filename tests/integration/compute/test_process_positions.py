"""The worker's tracking position, stored beside the events."""

from __future__ import annotations

from adapters.positions import ProcessPositions
from ops.bootstrap import Cloud


def test_positions_start_at_zero_and_only_move_forward(compute_cloud: Cloud) -> None:
    positions = ProcessPositions(compute_cloud.store)
    assert positions.get("compute-worker:h1") == 0
    positions.save("compute-worker:h1", 7)
    positions.save("compute-worker:h1", 5)  # a slower writer of the same name: ignored
    positions.save("compute-worker:h2", 3)
    again = ProcessPositions(compute_cloud.store)  # the table is made once, then found
    assert (again.get("compute-worker:h1"), again.get("compute-worker:h2")) == (7, 3)
