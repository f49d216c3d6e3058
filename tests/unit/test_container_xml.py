"""The LXC domain XML from a spec: the flavor as cgroup limits, the image's init, the rootfs,
NICs as veths on the ports' bridges, <privnet/> without them; and the actions an LXC host
refuses (domain/compute/hypervisor_support.py)."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from adapters.hypervisor.container_xml import build_container_xml, is_container
from domain.compute.backends import GuestNic, GuestSpec, HypervisorError, ImageDisk
from domain.compute.hypervisor_support import check_supported
from domain.errors import InvalidState

ROOTFS = Path("/srv/instances/h/x/rootfs")


def spec(**changes: object) -> GuestSpec:
    fields: dict[str, object] = {"instance_id": uuid.UUID(int=7), "name": "a\nbox", "vcpus": 2,
                                 "memory_mib": 256,
                                 "root_disk": ImageDisk(Path("/images/abc"), "raw"), **changes}
    return GuestSpec(**fields)  # type: ignore[arg-type]


def test_flavor_limits_init_and_root() -> None:
    xml = build_container_xml(spec(init_command="/bin/sh -c 'echo hi; sleep 9'"), ROOTFS)
    dom = ET.fromstring(xml)
    assert is_container(xml) and dom.findtext("name") == str(uuid.UUID(int=7))
    assert dom.findtext("title") == "a box"
    assert (dom.find("memory").text, dom.find("memory").get("unit")) == ("256", "MiB")  # type: ignore[union-attr]
    assert [dom.findtext(f"cputune/{k}") for k in ("shares", "period", "quota")] == \
        ["2048", "100000", "200000"]
    assert dom.findtext("os/type") == "exe" and dom.findtext("os/init") == "/bin/sh"
    assert [a.text for a in dom.iterfind("os/initarg")] == ["-c", "echo hi; sleep 9"]
    assert dom.find("devices/filesystem/source").get("dir") == str(ROOTFS)  # type: ignore[union-attr]
    assert dom.find("devices/filesystem/target").get("dir") == "/"  # type: ignore[union-attr]
    assert dom.find("devices/console").get("type") == "pty"  # type: ignore[union-attr]
    assert dom.find("features/privnet") is not None  # no ports: a network namespace of its own


def test_default_init_and_nics_as_veths_on_bridges() -> None:
    nic = GuestNic("fa:16:3e:00:00:01", "brq-5", "tap1234")
    dom = ET.fromstring(build_container_xml(spec(nics=(nic,)), ROOTFS))
    assert dom.findtext("os/init") == "/sbin/init" and dom.find("os/initarg") is None
    interface = dom.find("devices/interface")
    assert interface is not None and interface.get("type") == "bridge"
    assert interface.find("source").get("bridge") == "brq-5"  # type: ignore[union-attr]
    assert interface.find("target").get("dev") == "tap1234"  # type: ignore[union-attr]
    assert interface.find("model") is None  # a veth, no emulated device
    assert dom.find("features/privnet") is None


def test_an_init_command_line_that_does_not_parse() -> None:
    with pytest.raises(HypervisorError, match="is not a command line"):
        build_container_xml(spec(init_command="/sbin/init 'unbalanced"), ROOTFS)


@pytest.mark.parametrize("action", ["resize", "migrate", "live_migrate", "rescue", "suspend",
                                    "resume", "snapshot", "backup", "shelve", "shelve_offload",
                                    "attach_volume"])
def test_lxc_hosts_refuse_what_containers_cannot_do(action: str) -> None:
    with pytest.raises(InvalidState, match=f"Cannot '{action}' instance .* type LXC"):
        check_supported("LXC", action, "i", "h")
    check_supported("QEMU", action, "i", "h")
    check_supported(None, action, "i", None)  # not on a host yet: the state decides


@pytest.mark.parametrize("action", ["stop", "start", "reboot", "reboot_hard", "pause",
                                    "unpause", "rebuild", "detach_volume"])
def test_lxc_hosts_take_the_rest(action: str) -> None:
    check_supported("LXC", action, "i", "h")
