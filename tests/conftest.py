"""Shared fixtures: one event store per test, on SQLite and on PostgreSQL (a schema of its own);
and the machine's singletons that integration and end-to-end tests both use: the real guest's
image (with libvirtd) and the network tools."""

from __future__ import annotations

import os
import platform
import subprocess
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.compute.backends import KernelBoot

# pytest rewrites the asserts of test modules and conftest.py files only; the helpers under
# tests/support assert too, and their failures should read as well.
pytest.register_assert_rewrite("tests.support")
# After that registration, so that its asserts are rewritten:
from tests.hosts.image import HostImage, build_image, qemu_cannot_start  # noqa: E402
from tests.support.hypervisor import build_guest_image, missing_capability  # noqa: E402
from tests.support.migration_bed import MigrationBed, missing_tool  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# Tests that use the machine's singletons: libvirtd (qemu:///system and the test driver behind
# it, which one of them restarts), real guests, test-host VMs (tests/hosts/, a CPU each under
# TCG), containers (a libvirtd of their own, and the machine's cgroups), network namespaces and
# their tools, a process killed at random. Under pytest-xdist
# (ops/test runs `-n N --dist loadgroup`) they all go to one worker, one after another, as
# without xdist; every other module runs whole on some worker, so its module-scoped fixtures
# (a `skyledger serve` process) start once.
# The crash and fault tests that need libvirtd or namespaces ask for those fixtures; the others
# (a projection runner killed, PostgreSQL restarted or locked) share nothing with the host.
HOST_BOUND_PATHS = ("tests/integration/hypervisor/", "tests/integration/storage/",
                    "tests/integration/network/", "tests/e2e/test_real_guest")
HOST_BOUND_FIXTURES = frozenset({"libvirtd", "network_tools", "namespaces", "guest_image",
                                 "test_host_image", "migration_bed"})
HOST, TEST_HOSTS = "host", "test-hosts"
# The groups xdist hands out first, longest first (the rest follow by size): the host group
# runs one test at a time for most of the run, and the Tempest ratchet is one ~11-minute test;
# handed out last, either would leave the other workers idle at the end (durations in CI's log).
FIRST_GROUPS = (HOST, "tests/conformance/test_tempest_ratchet.py", TEST_HOSTS)

# ops/test makes sure this server runs; a developer may point the suite elsewhere.
PG_ADMIN_URL = os.environ.get("SKYLEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = f"skyledger_test_{os.getpid()}"


def _pg_url(database: str, schema: str | None = None) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{database}" + (f"?schema={schema}" if schema else "")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A database for this test run, dropped at the end."""
    import psycopg  # here: its import costs a test host (tests/hosts/) seconds it rarely needs

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')
    yield PG_DATABASE
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')


@pytest.fixture
def pg_schema_url(pg_database: str) -> Iterator[str]:
    """A PostgreSQL URL whose events and read models live in a fresh schema, dropped after."""
    yield from _fresh_schema(pg_database)


@pytest.fixture(scope="module")
def pg_module_schema_url(pg_database: str) -> Iterator[str]:
    """As pg_schema_url, shared by a module's tests (a deployment its fixtures start once)."""
    yield from _fresh_schema(pg_database)


def _fresh_schema(pg_database: str) -> Iterator[str]:
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_pg_url(pg_database), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield _pg_url(pg_database, schema)
    with psycopg.connect(_pg_url(pg_database), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every event-store test body runs against both stores."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'events.sqlite'}"
    return str(request.getfixturevalue("pg_schema_url"))


@pytest.fixture(scope="session")
def guest_image() -> KernelBoot:
    """libvirtd running and the busybox guest built (both scripts are no-ops when done)."""
    reason = missing_capability()
    if reason is not None:
        pytest.skip(reason)
    return build_guest_image()


@pytest.fixture(scope="module")
def migration_bed(guest_image: KernelBoot, tmp_path_factory: pytest.TempPathFactory,
                  ) -> Iterator[MigrationBed]:
    """Two libvirtd hosts in two network namespaces joined by a veth pair
    (tests/support/migration_bed.py), torn down after the module."""
    reason = missing_tool()
    if reason is not None:
        pytest.skip(reason)
    bed = MigrationBed.start(tmp_path_factory.mktemp("bed"))
    yield bed
    bed.close()


@pytest.fixture(scope="session")
def test_host_image() -> HostImage:
    """The test hosts' kernel and initramfs (tests/hosts/), built once per run; skips, saying
    why, only where QEMU cannot start."""
    reason = qemu_cannot_start()
    if reason is not None:
        pytest.skip(reason)
    return build_image()


@pytest.fixture(scope="session")
def network_tools() -> None:
    """Root, Linux, and dnsmasq/nft/ip/ping installed (ops/setup-network-tools is a no-op then)."""
    if platform.system() != "Linux" or os.geteuid() != 0:
        pytest.skip("needs root on Linux, to create network namespaces")
    result = subprocess.run([str(ROOT / "ops" / "setup-network-tools")], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, f"ops/setup-network-tools failed:\n{result.stderr}"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under `--dist loadgroup`, give each test its group the way pytest-xdist 3.8 does for an
    `xdist_group` mark: a `@GROUP` suffix on the node id, which its scheduler splits on. xdist's
    own hook sets `item._nodeid`, which pytest 9.2 no longer reads (node ids moved to `_id`), so
    its marks group nothing here; this sets the suffix where pytest 9.2 keeps it."""
    if not getattr(config.option, "loadgroup", False):  # only an xdist worker has it set
        return
    from _pytest.nodeid import coerce_node_id

    groups = {item: xdist_group(item) for item in items}
    for item in items:
        if "@" not in item.nodeid:
            item._id = coerce_node_id(f"{item.nodeid}@{groups[item]}")  # type: ignore[attr-defined]
    # ops/test passes --no-loadscope-reorder: xdist hands the groups out in this order.
    sizes = Counter(groups.values())
    items.sort(key=lambda item: (FIRST_GROUPS.index(groups[item])
                                 if groups[item] in FIRST_GROUPS else len(FIRST_GROUPS),
                                 -sizes[groups[item]], groups[item]))


def xdist_group(item: pytest.Item) -> str:
    module = item.path.relative_to(ROOT).as_posix()
    fixtures = frozenset(getattr(item, "fixturenames", ()))
    if (item.get_closest_marker("test_host") is not None
            and HOST_BOUND_FIXTURES.isdisjoint(fixtures - {"test_host_image", "network_tools"})):
        # Test hosts are QEMU processes of their own (tests/hosts/) on wires of their own: they
        # share nothing with libvirtd's guests, so they run beside the "host" group.
        return TEST_HOSTS
    host_bound = (module.startswith(HOST_BOUND_PATHS)
                  or item.get_closest_marker("qemu") is not None
                  or item.get_closest_marker("lxc") is not None
                  or not HOST_BOUND_FIXTURES.isdisjoint(fixtures))
    return HOST if host_bound else module
