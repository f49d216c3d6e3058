"""Settings come from SKYLEDGER_* variables, with the documented defaults."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from adapters.settings import Settings
from domain.compute.scheduling.host_state import HostState


def test_defaults() -> None:
    s = Settings.from_env({"SKYLEDGER_HOST": "h"})
    assert (s.data_dir, s.bind, s.libvirt_uri) == (Path("var"), "127.0.0.1:8774", "test:///default")
    assert s.database_url == f"sqlite:///{(Path('var') / 'skyledger.sqlite').absolute()}"
    assert (s.bind_host, s.port, s.host, s.public_url) == ("127.0.0.1", 8774, "h",
                                                           "http://127.0.0.1:8774")


def test_packing_multiplier_prefers_fuller_hosts() -> None:
    spread = Settings.from_env({}).weighers()
    pack = Settings.from_env({"SKYLEDGER_RAM_WEIGHT_MULTIPLIER": "-1"}).weighers()
    full = HostState("full", "nova", "QEMU", 8, 8192, 100, used_ram=6000)
    empty = HostState("empty", "nova", "QEMU", 8, 8192, 100)

    def best(weighers):  # type: ignore[no-untyped-def]
        return max((full, empty), key=lambda h: sum(w.multiplier * w.weigher.weigh(h)
                                                    for w in weighers)).host

    assert (best(spread), best(pack)) == ("empty", "full")


def test_derived_defaults_follow_overrides_and_empty_variables_count_as_unset() -> None:
    s = Settings.from_env({"SKYLEDGER_DATA_DIR": "/srv/sky", "SKYLEDGER_LIBVIRT_URI": "",
                           "SKYLEDGER_PUBLIC_URL": "", "SKYLEDGER_TOKEN_KEY": "k"},
                          bind="0.0.0.0:9000")
    assert s.database_url == "sqlite:////srv/sky/skyledger.sqlite"
    assert (s.libvirt_uri, s.public_url, s.token_key) == ("test:///default",
                                                          "http://0.0.0.0:9000", "k")


def test_variables_named_apart_from_their_fields_and_clamped_values() -> None:
    s = Settings.from_env({"SKYLEDGER_CPU_ALLOCATION_RATIO": "4", "SKYLEDGER_EMBEDDED_COMPUTE": "0",
                           "SKYLEDGER_SCHEDULER_HOST_SUBSET_SIZE": "0",
                           "SKYLEDGER_SNAPSHOT_INTERVAL": "-5",
                           "SKYLEDGER_EXTERNAL_INTERFACE": "eth1"})
    assert (s.cpu_ratio, s.ram_ratio, s.embedded_compute) == (4.0, 1.5, False)
    assert (s.scheduler_host_subset_size, s.snapshot_interval) == (1, 0)
    assert s.external_interface == "eth1"


def test_the_pool_check_is_socket_unless_ping_is_asked_for_and_nothing_else() -> None:
    assert Settings.from_env({}).database_pool_check == "socket"
    assert Settings.from_env({"SKYLEDGER_DATABASE_POOL_CHECK": "ping"}).database_pool_check \
        == "ping"
    with pytest.raises(pydantic.ValidationError):
        Settings.from_env({"SKYLEDGER_DATABASE_POOL_CHECK": "never"})
