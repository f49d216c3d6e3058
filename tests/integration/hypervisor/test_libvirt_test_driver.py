"""The libvirt adapter against libvirt's in-process test driver (no daemon, no QEMU).

Every test using `guests` runs twice: on test:///default (state shared by the whole process, with a
pre-defined domain named "test") and on a fresh test:///ABS/PATH/node.xml.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import libvirt
import pytest

from adapters.hypervisor.domain_xml import build_domain_xml, console_log_path, is_rescue
from adapters.hypervisor.guest_files import GuestFiles
from adapters.hypervisor.libvirt_driver import LibvirtHypervisor
from domain.compute.backends import (
    GuestNic,
    GuestNotFound,
    GuestSpec,
    GuestState,
    Hypervisor,
    HypervisorError,
    ImageDisk,
    KernelBoot,
)

if TYPE_CHECKING:
    from tests.support.hypervisor import Guests

S = GuestState


def test_the_adapter_implements_the_port(tmp_path: Path) -> None:
    adapter = LibvirtHypervisor("test:///default", tmp_path)
    port: Hypervisor = adapter  # checked by mypy against the Protocol
    assert port.state(uuid.uuid4()) is S.MISSING
    adapter.close()


def test_an_unusable_uri_is_a_hypervisor_error(tmp_path: Path) -> None:
    with pytest.raises(HypervisorError):
        LibvirtHypervisor(f"test://{tmp_path}/no-such-node.xml", tmp_path)


def test_host_resources_of_the_default_test_host(tmp_path: Path) -> None:
    with LibvirtHypervisor("test:///default", tmp_path) as hypervisor:
        host = hypervisor.host_resources()
    assert host.hypervisor_type == "TEST"
    assert host.version == 2  # the test driver's own number, as libvirt's getVersion() says
    assert host.vcpus > 0 and host.memory_mib > 0
    assert host.disk_gib > 0  # the size of the file system holding tmp_path
    assert host.hostname


def test_host_resources_come_from_the_node_file(
    tmp_path: Path, node_file: Callable[..., Path]
) -> None:
    node = node_file(vcpus=3, memory_mib=1536)
    with LibvirtHypervisor(f"test://{node}", tmp_path, disk_gib=40) as hypervisor:
        host = hypervisor.host_resources()
    assert (host.vcpus, host.memory_mib, host.disk_gib) == (3, 1536, 40)


def test_spawn_twice_makes_one_running_guest(guests: Guests) -> None:
    hv, spec = guests.hypervisor, guests.spec()
    before = set(hv.list_guests())
    hv.spawn(spec)
    hv.spawn(spec)
    assert set(hv.list_guests()) - before == {spec.instance_id}
    assert hv.state(spec.instance_id) is S.RUNNING


def test_a_guest_with_a_nic_defines_and_starts(guests: Guests) -> None:
    # The test driver does not look for the bridge on the host (it names the tap "testnetN"
    # itself), so a NIC on a bridge no network agent made is fine here.
    hv, nic = guests.hypervisor, GuestNic("fa:16:3e:12:34:56", "brq4242")
    spec = guests.spec(nics=(nic,))
    hv.spawn(spec)
    assert hv.state(spec.instance_id) is S.RUNNING
    # Through the adapter's own connection: a node-file driver's state is private to it.
    defined = ET.fromstring(hv._require(spec.instance_id).XMLDesc())
    interface = defined.find("devices/interface[@type='bridge']")
    assert interface is not None
    assert interface.find("mac").get("address") == nic.mac  # type: ignore[union-attr]
    assert interface.find("source").get("bridge") == nic.bridge  # type: ignore[union-attr]
    assert interface.find("model").get("type") == "virtio"  # type: ignore[union-attr]


def test_spawn_replayed_after_a_crash_starts_the_guest_it_defined(guests: Guests) -> None:
    hv, spec = guests.hypervisor, guests.spec()
    hv.spawn(spec)
    hv.stop(spec.instance_id)  # as if the worker died between define and start
    hv.spawn(spec)
    assert hv.state(spec.instance_id) is S.RUNNING


def test_lifecycle_transitions_and_repeats_are_no_ops(guests: Guests) -> None:
    hv, spec = guests.hypervisor, guests.spec()
    hv.spawn(spec)
    steps = [
        (hv.pause, S.PAUSED), (hv.pause, S.PAUSED), (hv.unpause, S.RUNNING),
        (hv.unpause, S.RUNNING), (hv.suspend, S.SUSPENDED), (hv.suspend, S.SUSPENDED),
        (hv.resume, S.RUNNING), (hv.resume, S.RUNNING), (hv.stop, S.SHUTOFF),
        (hv.stop, S.SHUTOFF), (hv.start, S.RUNNING), (hv.start, S.RUNNING),
    ]  # fmt: skip
    for action, expected in steps:
        action(spec.instance_id)
        assert hv.state(spec.instance_id) is expected, action.__name__


@pytest.mark.parametrize("before", [S.RUNNING, S.PAUSED, S.SUSPENDED, S.SHUTOFF])
def test_hard_reboot_brings_any_guest_up_running(guests: Guests, before: GuestState) -> None:
    hv, spec = guests.hypervisor, guests.spec()
    hv.spawn(spec)
    into = {S.PAUSED: hv.pause, S.SUSPENDED: hv.suspend, S.SHUTOFF: hv.stop}
    if before in into:
        into[before](spec.instance_id)
    hv.reboot(spec.instance_id, hard=True)
    assert hv.state(spec.instance_id) is S.RUNNING


def test_soft_reboot_needs_a_running_guest(guests: Guests) -> None:
    hv, spec = guests.hypervisor, guests.spec()
    hv.spawn(spec)
    hv.reboot(spec.instance_id)
    assert hv.state(spec.instance_id) is S.RUNNING
    hv.stop(spec.instance_id)
    with pytest.raises(HypervisorError, match="shutoff"):
        hv.reboot(spec.instance_id)


def test_graceful_stop_on_a_guest_that_obeys_acpi(guests: Guests) -> None:
    hv, spec = guests.hypervisor, guests.spec()
    hv.spawn(spec)
    hv.stop(spec.instance_id, timeout_s=5)
    assert hv.state(spec.instance_id) is S.SHUTOFF


@pytest.mark.parametrize("action", ["pause", "suspend", "unpause", "resume"])
def test_actions_that_make_no_sense_in_the_state_are_refused(guests: Guests, action: str) -> None:
    hv, spec = guests.hypervisor, guests.spec()
    hv.spawn(spec)
    hv.stop(spec.instance_id)
    with pytest.raises(HypervisorError, match="it is shutoff"):
        getattr(hv, action)(spec.instance_id)


def test_a_missing_guest_is_missing_not_an_error_for_state_and_destroy(guests: Guests) -> None:
    hv, instance_id = guests.hypervisor, uuid.uuid4()
    assert hv.state(instance_id) is S.MISSING
    hv.destroy(instance_id)
    for action in (hv.start, hv.stop, hv.reboot, hv.pause, hv.console_output):
        with pytest.raises(GuestNotFound):
            action(instance_id)


def test_destroy_is_idempotent_and_removes_the_guest(guests: Guests) -> None:
    hv, spec = guests.hypervisor, guests.spec()
    hv.spawn(spec)
    hv.pause(spec.instance_id)
    hv.destroy(spec.instance_id)
    hv.destroy(spec.instance_id)
    assert hv.state(spec.instance_id) is S.MISSING
    assert spec.instance_id not in hv.list_guests()


def test_destroy_removes_files_left_by_a_spawn_that_died_before_define(
    guests: Guests, tmp_path: Path
) -> None:
    hv, instance_id = guests.hypervisor, uuid.uuid4()
    leftovers = tmp_path / "instances" / str(instance_id)
    leftovers.mkdir(parents=True)
    (leftovers / "root.qcow2").write_bytes(b"half a disk")
    hv.destroy(instance_id)
    assert not leftovers.exists()


def test_list_guests_reports_states_and_ignores_foreign_domains(guests: Guests) -> None:
    hv = guests.hypervisor
    running, paused = guests.spec(), guests.spec()
    hv.spawn(running)
    hv.spawn(paused)
    hv.pause(paused.instance_id)
    listed = hv.list_guests()
    assert listed[running.instance_id] is S.RUNNING
    assert listed[paused.instance_id] is S.PAUSED
    assert all(isinstance(key, uuid.UUID) for key in listed)  # never test:///default's "test"


def test_only_guests_named_by_a_canonical_uuid_are_ours(tmp_path: Path) -> None:
    foreign = uuid.uuid4()
    other = libvirt.open("test:///default")  # same in-process state as the adapter's connection
    dom = other.defineXML(
        f"<domain type='test'><name>{foreign.hex}</name>"  # a uuid, but not as we spell it
        "<memory>131072</memory><os><type>hvm</type></os></domain>"
    )
    try:
        with LibvirtHypervisor("test:///default", tmp_path) as hypervisor:
            assert foreign not in hypervisor.list_guests()
            assert hypervisor.state(foreign) is S.MISSING
    finally:
        dom.undefine()
        other.close()


def test_console_output_reads_the_log_file_when_there_is_one(
    guests: Guests, tmp_path: Path
) -> None:
    hv = guests.hypervisor
    spec = guests.spec(console_log=tmp_path / "console.log")
    hv.spawn(spec)
    assert "powered on" in hv.console_output(spec.instance_id)  # the adapter's own lines
    spec.console_log.write_bytes(b"one\r\ntwo\r\nthree\r\n")  # type: ignore[union-attr]
    assert hv.console_output(spec.instance_id) == "one\ntwo\nthree\n"


def test_domain_xml_names_the_guest_after_its_instance(tmp_path: Path) -> None:
    spec = GuestSpec(
        instance_id=uuid.uuid4(),
        name="web\n1",
        vcpus=2,
        memory_mib=256,
        root_disk=ImageDisk(tmp_path / "base.qcow2"),
        kernel=KernelBoot(Path("k"), None, "console=ttyS0"),
        ephemeral_gib=1,
    )
    files = GuestFiles(tmp_path / str(spec.instance_id))
    xml = build_domain_xml(spec, "qemu", files)
    dom = ET.fromstring(xml)
    assert dom.get("type") == "qemu"
    assert dom.findtext("name") == dom.findtext("uuid") == str(spec.instance_id)
    assert dom.findtext("title") == "web 1"
    assert (dom.findtext("memory"), dom.find("memory").get("unit")) == ("256", "MiB")  # type: ignore[union-attr]
    assert dom.findtext("vcpu") == "2"
    assert dom.find("features/acpi") is not None
    assert Path(dom.findtext("os/kernel") or "").is_absolute()
    disks = [(d.find("source").get("file"), d.find("driver").get("type"))  # type: ignore[union-attr]
             for d in dom.findall("devices/disk")]
    assert disks == [(str(files.root), "qcow2"), (str(files.ephemeral), "raw")]
    assert console_log_path(xml) == files.console_log
    with pytest.raises(ValueError):
        build_domain_xml(spec, "xen", files)


def test_a_spec_needs_something_to_boot() -> None:
    with pytest.raises(ValueError):
        GuestSpec(instance_id=uuid.uuid4(), name="x", vcpus=1, memory_mib=128)


def test_libvirt_errors_come_out_as_hypervisor_errors(tmp_path: Path) -> None:
    instance_id = uuid.uuid4()
    other = libvirt.open("test:///default")  # same in-process state as the adapter's connection
    squatter = other.defineXML(
        f"<domain type='test'><name>squatter</name><uuid>{instance_id}</uuid>"
        "<memory>131072</memory><os><type>hvm</type></os></domain>"
    )
    try:
        with LibvirtHypervisor("test:///default", tmp_path) as hypervisor:
            spec = GuestSpec(instance_id, "x", 1, 128, kernel=KernelBoot(Path("k")))
            with pytest.raises(HypervisorError, match="already") as raised:
                hypervisor.spawn(spec)  # libvirt: that uuid belongs to another domain
    finally:
        squatter.undefine()
        other.close()
    assert isinstance(raised.value.__cause__, libvirt.libvirtError)


def test_rescue_swaps_in_a_rescue_guest_with_the_own_disk_and_unrescue_swaps_back(
        guests: Guests) -> None:
    hv, spec = guests.hypervisor, guests.spec()
    hv.spawn(spec)
    own_root = f"{spec.instance_id}/root.qcow2"  # where the guest's own disk lives
    for _ in range(2):  # a replayed rescue finds the rescue guest and leaves it running
        hv.rescue(spec)
        assert hv.state(spec.instance_id) is S.RUNNING
        dom = hv._require(spec.instance_id)
        assert is_rescue(dom.XMLDesc(0))
        sources = [str(s.get("file")) for s in ET.fromstring(dom.XMLDesc(0)).iter("source")]
        assert any(source.endswith(own_root) for source in sources)
    hv.stop(spec.instance_id)
    for _ in range(2):  # so is a replayed unrescue
        hv.unrescue(spec)
        assert hv.state(spec.instance_id) is S.RUNNING
        assert not is_rescue(hv._require(spec.instance_id).XMLDesc(0))
