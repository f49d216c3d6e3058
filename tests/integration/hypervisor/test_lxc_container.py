"""LibvirtHypervisor on libvirt's LXC driver (the private libvirtd of ops/lxc-libvirtd, run in
a test network namespace): a container's port is a veth on the port's bridge that carries
traffic, its init comes from the spec, its root tree is extracted beside its console log and
removed with it; a raw image with a filesystem is copied from a loop mount that does not outlive
the spawn; a rebuild (destroy, spawn) makes the tree and the console anew; an image that is
neither a tar archive nor a filesystem, a partitioned disk, an image that lacks the init, and a
spec with volumes are refused before anything is defined."""

from __future__ import annotations

import struct
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.hypervisor.libvirt_driver import LibvirtHypervisor
from domain.compute.backends import (
    GuestNic,
    GuestSpec,
    GuestState,
    GuestVolume,
    HypervisorError,
    ImageDisk,
)
from tests.support.lxc_host import (
    UP,
    container_image,
    filesystem_image,
    loop_devices_missing,
    lxc_cannot_run,
    lxc_libvirtd,
)
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


def test_a_rebuild_makes_the_tree_and_console_anew(hypervisor: LibvirtHypervisor,
                                                    tmp_path: Path) -> None:
    """The compute worker's rebuild plan is destroy then spawn (plans.py): the new container of
    the same name gets a fresh tree from the image and a console reader of its own."""
    image = container_image(tmp_path / "rootfs.tar.gz")
    instance_id = uuid.uuid4()
    spec = GuestSpec(instance_id, "c", 1, 64, root_disk=ImageDisk(image, "raw"),
                     init_command="/sbin/init before")
    hypervisor.spawn(spec)
    wait_for(lambda: "args=before" in hypervisor.console_output(instance_id), "the first init")
    rootfs = tmp_path / "instances" / str(instance_id) / "rootfs"
    (rootfs / "scribbled").write_text("by the first container")
    hypervisor.destroy(instance_id)
    hypervisor.spawn(GuestSpec(instance_id, "c", 1, 64, root_disk=ImageDisk(image, "raw"),
                               init_command="/sbin/init after"))
    console = wait_for(lambda: "args=after" in (out := hypervisor.console_output(instance_id))
                       and out, "the rebuilt container's init")
    assert "args=before" not in console, console
    assert hypervisor.state(instance_id) is GuestState.RUNNING
    assert (rootfs / "bin" / "busybox").is_file() and not (rootfs / "scribbled").exists()
    hypervisor.destroy(instance_id)


def test_a_stop_right_after_the_start(hypervisor: LibvirtHypervisor, tmp_path: Path) -> None:
    """As a stopped server's rebuild does (destroy, spawn, stop): libvirt learns the init's pid
    from the container's controller just after create() returned, and refuses to signal it
    until then ("Init process ID is not yet known"); the stop still ends with it off."""
    image = container_image(tmp_path / "rootfs.tar.gz")
    for _ in range(2):  # each waits the stop's 5 s: the init gets SIGTERM before its trap
        instance_id = uuid.uuid4()
        hypervisor.spawn(GuestSpec(instance_id, "c", 1, 64, root_disk=ImageDisk(image, "raw")))
        hypervisor.stop(instance_id, timeout_s=5.0)
        assert hypervisor.state(instance_id) is GuestState.SHUTOFF
        hypervisor.destroy(instance_id)


def test_a_raw_image_with_a_filesystem(hypervisor: LibvirtHypervisor, tmp_path: Path) -> None:
    missing = loop_devices_missing()
    if missing:
        pytest.skip(missing)
    image = filesystem_image(tmp_path / "rootfs.ext4", container_image(tmp_path / "r.tar.gz"))
    instance_id = uuid.uuid4()
    hypervisor.spawn(GuestSpec(instance_id, "c", 1, 64, root_disk=ImageDisk(image, "raw"),
                               init_command="/sbin/init from-ext4"))
    wait_for(lambda: "args=from-ext4" in hypervisor.console_output(instance_id),
             "the init of the filesystem image's tree")
    directory = tmp_path / "instances" / str(instance_id)
    assert (directory / "rootfs" / "bin" / "busybox").is_file()
    assert (directory / "rootfs" / "lost+found").is_dir()  # the ext4 tree, copied
    # The mount was for the copy only: nothing is mounted under the instance, no loop is held.
    assert str(directory) not in Path("/proc/self/mountinfo").read_text()
    assert _loops_of(image) == ""
    hypervisor.destroy(instance_id)
    assert not directory.exists()


def test_a_partitioned_disk_is_refused(hypervisor: LibvirtHypervisor, tmp_path: Path) -> None:
    mbr = bytearray(2**20)  # one Linux partition (type 0x83) from sector 1, and the signature
    mbr[446:462] = struct.pack("<B3sB3sII", 0, b"", 0x83, b"", 1, 2047)
    mbr[510:512] = b"\x55\xaa"
    disk = tmp_path / "disk.raw"
    disk.write_bytes(mbr)
    instance_id = uuid.uuid4()
    with pytest.raises(HypervisorError, match="partitioned disk .dos partition table."):
        hypervisor.spawn(GuestSpec(instance_id, "c", 1, 64, root_disk=ImageDisk(disk, "raw")))
    assert hypervisor.list_guests() == {}
    hypervisor.destroy(instance_id)


def test_an_image_that_is_no_tar_nor_filesystem_is_refused(hypervisor: LibvirtHypervisor,
                                                           tmp_path: Path) -> None:
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\0" * 65536 + b"not a tar")
    instance_id = uuid.uuid4()
    with pytest.raises(HypervisorError, match="neither a tar archive .* nor a disk image"):
        hypervisor.spawn(GuestSpec(instance_id, "c", 1, 64, root_disk=ImageDisk(disk, "raw")))
    assert hypervisor.list_guests() == {}
    hypervisor.destroy(instance_id)
    assert not (tmp_path / "instances" / str(instance_id)).exists()


def test_volumes_are_refused(hypervisor: LibvirtHypervisor, tmp_path: Path) -> None:
    """The API refuses an attach (409); a boot's volumes reach the host and are refused here,
    which reschedules the boot."""
    image = container_image(tmp_path / "rootfs.tar.gz")
    volume = GuestVolume(uuid.uuid4(), tmp_path / "volume.raw", "vdb")
    instance_id = uuid.uuid4()
    with pytest.raises(HypervisorError, match="attaches no volumes"):
        hypervisor.spawn(GuestSpec(instance_id, "c", 1, 64, root_disk=ImageDisk(image, "raw"),
                                   volumes=(volume,)))
    assert hypervisor.list_guests() == {}
    hypervisor.destroy(instance_id)


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


def _loops_of(image: Path) -> str:
    return subprocess.run(["losetup", "--associated", str(image)], capture_output=True,
                          text=True, check=True).stdout
