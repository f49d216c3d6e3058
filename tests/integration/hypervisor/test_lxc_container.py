"""LibvirtHypervisor on libvirt's LXC driver (the private libvirtd of ops/lxc-libvirtd, run in
a test network namespace): a container's port is a veth on the port's bridge that carries
traffic, its init comes from the spec, its root tree is extracted beside its console log and
removed with it, and an image that is no tar archive, or lacks the init, is refused before
anything is defined."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.hypervisor.libvirt_driver import LibvirtHypervisor
from domain.compute.backends import GuestNic, GuestSpec, GuestState, HypervisorError, ImageDisk
from tests.support.lxc_host import UP, container_image, lxc_cannot_run, lxc_libvirtd
from tests.support.network_namespaces import Namespaces, ip, link_details, pings
from tests.support.waiting import wait_for

pytestmark = pytest.mark.lxc

MAC = "fa:16:3e:00:00:42"


@pytest.fixture
def netns(namespaces: Namespaces) -> str:
    ns = namespaces.new("lxc")
    ip(ns, "link", "add", "brq-lxc", "type", "bridge")
    ip(ns, "addr", "add", "10.99.0.1/24", "dev", "brq-lxc")
    ip(ns, "link", "set", "brq-lxc", "up")
    return ns


@pytest.fixture
def hypervisor(netns: str, tmp_path: Path) -> Iterator[LibvirtHypervisor]:
    reason = lxc_cannot_run()
    if reason:
        pytest.skip(reason)
    with lxc_libvirtd(tmp_path / "libvirtd", netns) as uri, \
            LibvirtHypervisor(uri, tmp_path / "instances") as hv:
        yield hv


def test_a_container_on_its_ports_bridge(hypervisor: LibvirtHypervisor, netns: str,
                                         tmp_path: Path) -> None:
    image = container_image(tmp_path / "rootfs.tar.gz")
    instance_id = uuid.uuid4()
    # The init brings its end up with an address, then is the image's own init.
    command = ("/bin/sh -c 'ip addr add 10.99.0.2/24 dev eth0 && ip link set eth0 up; "
               "exec /sbin/init from-spec'")
    hypervisor.spawn(GuestSpec(instance_id, "c", 1, 64, root_disk=ImageDisk(image, "raw"),
                               nics=(GuestNic(MAC, "brq-lxc", "tapc0ffee"),),
                               init_command=command))
    assert hypervisor.state(instance_id) is GuestState.RUNNING
    # The init's line reaches the console in pieces (a pty read can end mid-line): wait for
    # the part that names the NIC, not only the line's start.
    console = wait_for(lambda: UP in (out := hypervisor.console_output(instance_id))
                       and MAC in out and out, "the container's init line with its NIC")
    assert "args=from-spec" in console and MAC in console, console
    tap = link_details(netns, "tapc0ffee")
    assert tap["linkinfo"]["info_kind"] == "veth" and tap["master"] == "brq-lxc", tap
    assert pings(netns, "10.99.0.2")
    rootfs = tmp_path / "instances" / str(instance_id) / "rootfs"
    assert (rootfs / "bin" / "busybox").is_file()

    hypervisor.destroy(instance_id)
    assert hypervisor.state(instance_id) is GuestState.MISSING
    assert not rootfs.parent.exists()
    assert "tapc0ffee" not in _links(netns)  # the veth went with the container


def test_an_image_that_is_no_tar_is_refused(hypervisor: LibvirtHypervisor,
                                            tmp_path: Path) -> None:
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\0" * 65536 + b"not a tar")
    instance_id = uuid.uuid4()
    with pytest.raises(HypervisorError, match="not a tar archive"):
        hypervisor.spawn(GuestSpec(instance_id, "c", 1, 64, root_disk=ImageDisk(disk, "raw")))
    assert hypervisor.list_guests() == {}
    hypervisor.destroy(instance_id)
    assert not (tmp_path / "instances" / str(instance_id)).exists()


def test_an_init_the_image_lacks_is_refused(hypervisor: LibvirtHypervisor,
                                            tmp_path: Path) -> None:
    image = container_image(tmp_path / "rootfs.tar.gz")
    instance_id = uuid.uuid4()
    with pytest.raises(HypervisorError, match="the image has no /usr/bin/nothing"):
        hypervisor.spawn(GuestSpec(instance_id, "c", 1, 64, root_disk=ImageDisk(image, "raw"),
                                   init_command="/usr/bin/nothing --flag"))
    assert hypervisor.list_guests() == {}
    hypervisor.destroy(instance_id)
    assert not (tmp_path / "instances" / str(instance_id)).exists()


def _links(ns: str) -> str:
    return subprocess.run(["ip", "-n", ns, "-o", "link"], capture_output=True, text=True,
                          check=True).stdout
