"""Fixtures of the hypervisor adapter's tests alone. The test-driver and QEMU guests they share
with the volume tests are tests/integration/conftest.py's, the guest image tests/conftest.py's;
the helpers are tests/support/hypervisor.py's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.hypervisor import write_node_file


@pytest.fixture
def node_file(tmp_path: Path) -> Callable[..., Path]:
    return lambda vcpus, memory_mib: write_node_file(tmp_path, vcpus, memory_mib)
