"""A volume on real guests end to end: a `skyledger serve` with its embedded compute worker on
qemu:///system and its embedded volume worker on a storage pool of this module's own, used
through openstacksdk.

A member creates a volume (the volume worker makes its file: `available`), attaches it to a
running busybox guest, whose init sees vdb appear and writes its hostname on it; detaches it
(vdb goes, the volume is available again) and attaches it to a second guest with another
hostname, which finds the first guest's mark. Deleting the second server detaches the volume;
then everything is deleted and libvirt is asked that no domain is left.

The guest's init (ops/guest/init) prints `SKYLEDGER-GUEST-BLOCK-DEVICES:` with its disks on
every change, and on each new disk either finds a mark (`FOUND-MARK`) or writes one
(`WROTE-MARK`). Servers have no NIC (networks="none"): NICs need a bridge in a namespace.
"""

from __future__ import annotations

import os
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import openstack
import pytest

from domain.compute.backends import KernelBoot
from tests.support.hypervisor import QEMU_URI, remove_pool
from tests.support.real_guest import (
    POLL_S,
    READY,
    TIMEOUT_S,
    Leftovers,
    console,
    domain_facts,
    domain_or_none,
    new_member,
)
from tests.support.server_process import Server, start_server, stop_server
from tests.support.waiting import wait_for

pytestmark = pytest.mark.qemu

Connection = openstack.connection.Connection
DEVICES = "SKYLEDGER-GUEST-BLOCK-DEVICES:"


@pytest.fixture(scope="module")
def names() -> dict[str, str]:
    """A host and a pool of this run's own: no clash with other tests or other runs."""
    suffix = f"{os.getpid()}-{uuid.uuid4().hex[:6]}"
    return {"host": f"e2e-vol-{suffix}", "pool": f"skyledger-e2e-{suffix}"}


@pytest.fixture(scope="module")
def leftovers(names: dict[str, str]) -> Iterator[Leftovers]:
    # Set up before the server, so torn down after it (and its workers) stopped.
    made = Leftovers()
    yield made
    made.clean()
    remove_pool(QEMU_URI, names["pool"])


@pytest.fixture(scope="module")
def volume_server(guest_image: KernelBoot, leftovers: Leftovers,
                  names: dict[str, str],
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("volume-server"), {
        "SKYLEDGER_LIBVIRT_URI": QEMU_URI, "SKYLEDGER_HOST": names["host"],
        "SKYLEDGER_EMBEDDED_COMPUTE": "1", "SKYLEDGER_EMBEDDED_VOLUME": "1",
        "SKYLEDGER_VOLUME_POOL": names["pool"]})
    leftovers.data_dir = running.data_dir.resolve()
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture(scope="module")
def admin(volume_server: Server) -> Iterator[Connection]:
    connection = volume_server.connect()
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def user(volume_server: Server, admin: Connection) -> Iterator[Connection]:
    """A member of a project of its own."""
    connection, _, _ = new_member(volume_server, admin, "vols")
    yield connection
    connection.close()


# -- helpers -----------------------------------------------------------------------------------
def guest_images(user: Connection, guest: KernelBoot, hostnames: tuple[str, ...]) -> list[str]:
    """An EC2-style image per hostname (the guest's hostname comes from the kernel command
    line, which comes from the image)."""
    assert guest.initrd is not None
    kernel = user.image.create_image(name="vol-vmlinuz", data=guest.kernel.read_bytes(),
                                     disk_format="aki", container_format="aki",
                                     allow_duplicates=True)
    ramdisk = user.image.create_image(name="vol-initrd", data=guest.initrd.read_bytes(),
                                      disk_format="ari", container_format="ari",
                                      allow_duplicates=True)
    return [user.image.create_image(
        name=f"vol-ami-{name}", data=bytes(1 << 20), disk_format="ami", container_format="ami",
        allow_duplicates=True, kernel_id=kernel.id, ramdisk_id=ramdisk.id,
        os_command_line=f"console=ttyS0 quiet skyledger.hostname={name}").id
        for name in hostnames]


def running_guest(user: Connection, leftovers: Leftovers, name: str, image_id: str,
                  flavor_id: str) -> Any:
    server = user.compute.create_server(name=name, image_id=image_id, flavor_id=flavor_id,
                                        networks="none")
    leftovers.instance_ids.add(server.id)
    server = user.compute.wait_for_server(server, status="ACTIVE", wait=TIMEOUT_S,
                                          interval=POLL_S)
    wait_for(lambda: READY in console(user, server), f"{name}'s init on the console", TIMEOUT_S)
    return server


def console_shows(user: Connection, server: Any, line: str, after: int = 0) -> str:
    """Wait until the console shows `line` past its first `after` characters."""
    return wait_for(lambda: (lambda out: out if line in out[after:] else None)(
        console(user, server)), f"{line!r} on {server.name}'s console", TIMEOUT_S)


def volume_targets(server_id: str) -> dict[str, str]:
    """Serial -> target dev of the running domain's disks that have a serial."""
    _active, xml = domain_facts(server_id)
    return {str(d.findtext("serial")): str(d.find("target").get("dev"))  # type: ignore[union-attr]
            for d in ET.fromstring(xml).iterfind("./devices/disk")
            if d.find("serial") is not None}


def status_of(user: Connection, volume: Any, status: str) -> Any:
    return user.block_storage.wait_for_status(volume, status, failures=["error"],
                                              wait=TIMEOUT_S, interval=POLL_S)


# -- the test ----------------------------------------------------------------------------------
def test_a_volume_moves_between_real_guests_with_its_data(
        volume_server: Server, admin: Connection, user: Connection, leftovers: Leftovers,
        names: dict[str, str], guest_image: KernelBoot) -> None:
    host = names["host"]
    wait_for(lambda: any(h.name == host for h in admin.compute.hypervisors()),
             f"hypervisor {host} registered", 30)
    log = volume_server.log.read_text()
    assert f"compute worker for host {host} on {QEMU_URI}" in log, log
    flavor = admin.compute.create_flavor(name=f"vol.qemu-{uuid.uuid4().hex[:6]}", ram=128,
                                         vcpus=1, disk=1)
    first_image, second_image = guest_images(user, guest_image, ("sky-vol-a", "sky-vol-b"))

    first = running_guest(user, leftovers, "vol-guest-a", first_image, flavor.id)
    volume = user.block_storage.create_volume(name="e2e-data", size=1)
    volume = status_of(user, volume, "available")  # the volume worker made its file

    # -- attach: the guest sees vdb, blank, and marks it ----------------------------------------
    seen = len(console(user, first))
    attachment = user.compute.create_volume_attachment(first, volume=volume)
    assert (attachment.volume_id, attachment.device) == (volume.id, "/dev/vdb")
    in_use = status_of(user, volume, "in-use")
    [attached] = in_use.attachments
    assert (attached["server_id"], attached["device"], attached["host_name"]) == (
        first.id, "/dev/vdb", host)
    assert volume_targets(first.id) == {volume.id: "vdb"}
    out = console_shows(user, first, "SKYLEDGER-GUEST-WROTE-MARK vdb", seen)
    assert f"{DEVICES} vda vdb" in out[seen:]
    shown = user.compute.get_server(first.id)
    assert [v["id"] for v in shown.attached_volumes] == [volume.id]

    # -- detach: vdb goes, the volume is available again --------------------------------------
    seen = len(out)
    user.compute.delete_volume_attachment(first, volume)
    detached = status_of(user, volume, "available")
    assert detached.attachments == []
    console_shows(user, first, f"{DEVICES} vda\n", seen)
    assert volume_targets(first.id) == {}
    assert user.compute.get_server(first.id).attached_volumes == []

    # -- the second guest finds what the first wrote -------------------------------------------
    second = running_guest(user, leftovers, "vol-guest-b", second_image, flavor.id)
    seen = len(console(user, second))
    user.compute.create_volume_attachment(second, volume=volume)
    status_of(user, volume, "in-use")
    console_shows(user, second, "SKYLEDGER-GUEST-FOUND-MARK vdb SKYLEDGER-MARK:sky-vol-a", seen)

    actions = [(a.action, a.message) for a in user.compute.server_actions(first)]
    assert actions == [("detach_volume", None), ("attach_volume", None), ("create", None)]

    # -- deleting the server detaches the volume; then everything goes --------------------------
    user.compute.delete_server(second)
    user.compute.wait_for_delete(second, wait=TIMEOUT_S, interval=POLL_S)
    assert status_of(user, volume, "available").attachments == []
    user.compute.delete_server(first)
    user.compute.wait_for_delete(first, wait=TIMEOUT_S, interval=POLL_S)
    user.block_storage.delete_volume(volume)
    user.block_storage.wait_for_delete(volume, wait=TIMEOUT_S, interval=POLL_S)
    for server in (first, second):
        wait_for(lambda s=server: domain_or_none(s.id) is None, "the domains to go", 30)
