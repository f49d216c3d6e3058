"""Fixtures for the compute worker: a composed cloud on SQLite and PostgreSQL, and a fleet."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ops.bootstrap import Cloud, build
from tests.integration.compute.fleet import Fleet

# The real guest (kernel + busybox initramfs) that the hypervisor adapter's tests build.
from tests.integration.hypervisor.conftest import guest_image  # noqa: F401
from tests.support.settings import make_settings


@pytest.fixture
def compute_cloud(database_url: str, tmp_path: Path) -> Iterator[Cloud]:
    """A composed cloud without the first-start bootstrap (tests/integration's `cloud`): the
    compute tests make their own flavors and images."""
    cloud = build(make_settings(tmp_path / "data", database_url, service_down_time=60.0),
                  follow=False)
    yield cloud
    cloud.close()


@pytest.fixture
def fleet(compute_cloud: Cloud, tmp_path: Path) -> Iterator[Fleet]:
    made = Fleet(compute_cloud, tmp_path)
    made.seed()
    yield made
    made.close()


@pytest.fixture(scope="session")
def libvirtd() -> None:
    """libvirtd running (ops/setup-libvirtd is a no-op when it already is): for URIs whose
    guests outlive the process that made them, test+unix:///default and qemu:///system."""
    from tests.integration.hypervisor.conftest import _missing_capability, _run_script

    reason = _missing_capability()
    if reason is not None:
        pytest.skip(reason)
    _run_script("setup-libvirtd")
