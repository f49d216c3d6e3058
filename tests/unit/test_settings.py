"""Settings come from SKYLEDGER_* variables, with the documented defaults."""

from __future__ import annotations

from pathlib import Path

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
