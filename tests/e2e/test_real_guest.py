"""A real guest end to end: a `skyledger serve` whose embedded compute worker drives
qemu:///system, used through openstacksdk the way a user would.

A member of a fresh project uploads the busybox test guest (ops/build-guest-image) as EC2-style
images -- the kernel as `aki`, the initramfs as `ari`, and an `ami` whose properties name them
and the kernel command line -- the admin makes a 128 MiB / 1 vCPU flavor, and the member boots
it, reads its console (whole and by `length`), hard-reboots it, reads its instance actions and
deletes it. libvirt itself is asked at the end that neither the domain nor its disk is left.

Whatever happens, no domain of this module outlives it: the `leftovers` finalizer destroys and
undefines every domain whose uuid this module booted or whose XML points into its data directory.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import openstack
import pytest
from openstack import exceptions

from domain.compute.backends import KernelBoot
from tests.support.real_guest import (
    POLL_S,
    READY,
    TIMEOUT_S,
    URI,
    Leftovers,
    console,
    domain_facts,
    domain_or_none,
    new_member,
)
from tests.support.server_process import Server, start_server, stop_server
from tests.support.waiting import wait_for

pytestmark = pytest.mark.qemu

UP = "SKYLEDGER-GUEST-UP"  # printed by the guest's init (ops/guest/init) on every boot
GUEST_HOSTNAME = "sky-e2e"


# -- helpers -----------------------------------------------------------------------------------
@dataclass
class RequestIds:
    """A `requests` response hook on the sdk's session: every call's request id, so that the
    instance actions can be matched with the requests that caused them."""

    seen: list[tuple[str, str, str, str]] = field(default_factory=list)

    def __call__(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        request = response.request
        body = request.body if isinstance(request.body, (str, bytes)) else b""
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace") if len(body) < 65536 else ""
        self.seen.append((request.method, urlsplit(request.url).path, body,
                          response.headers.get("X-Openstack-Request-Id", "")))
        return response

    def of(self, method: str, path_end: str, body_has: str = "") -> str:
        found = [rid for m, path, body, rid in self.seen
                 if m == method and path.endswith(path_end) and body_has in body]
        assert len(found) == 1, f"{method} …{path_end} {body_has!r}: {found}"
        assert found[0].startswith("req-"), found[0]
        return found[0]


def raw_console(conn: openstack.connection.Connection, server_id: str, length: Any) -> str:
    """The `os-getConsoleOutput` action as the bare REST call."""
    response = conn.compute.post(f"/servers/{server_id}/action",
                                 json={"os-getConsoleOutput": {"length": length}})
    assert response.status_code == 200, response.text
    return str(response.json()["output"])


# -- fixtures ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def host_name() -> str:
    """A host of this run's own: no clash with the hosts of other tests or other runs."""
    return f"e2e-qemu-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def qemu_server(guest_image: KernelBoot, leftovers: Leftovers, host_name: str,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("qemu-server"), {
        "SKYLEDGER_LIBVIRT_URI": URI, "SKYLEDGER_HOST": host_name,
        "SKYLEDGER_EMBEDDED_COMPUTE": "1",
        # No volumes here: the embedded volume worker would define a lasting storage pool on
        # the machine's libvirtd, pointing into this module's temporary directory.
        "SKYLEDGER_EMBEDDED_VOLUME": "0"})
    leftovers.data_dir = running.data_dir.resolve()
    try:
        started = f"compute worker for host {host_name} on {URI}"
        assert started in running.log.read_text(), running.log.read_text()
        yield running
    finally:
        stop_server(running)


@pytest.fixture(scope="module")
def admin(qemu_server: Server) -> Iterator[openstack.connection.Connection]:
    connection = qemu_server.connect()
    yield connection
    connection.close()


@dataclass
class Member:
    conn: openstack.connection.Connection
    user_id: str
    project_id: str
    request_ids: RequestIds


@pytest.fixture(scope="module")
def member(qemu_server: Server, admin: openstack.connection.Connection) -> Iterator[Member]:
    """A member of a project of its own, as a user of the cloud would be."""
    connection, user, project = new_member(qemu_server, admin, "guests")
    assert connection.current_user_id == user.id
    assert connection.current_project_id == project.id
    ids = RequestIds()
    connection.session.session.hooks["response"].append(ids)
    yield Member(connection, str(user.id), str(project.id), ids)
    connection.close()


# -- the test ----------------------------------------------------------------------------------
def test_a_real_guest_boots_prints_reboots_and_goes(
        qemu_server: Server, admin: openstack.connection.Connection, member: Member,
        leftovers: Leftovers, host_name: str, guest_image: KernelBoot) -> None:
    user = member.conn
    assert guest_image.initrd is not None

    # The embedded worker registers this host; nothing can be scheduled before it has.
    hypervisor = wait_for(
        lambda: next((h for h in admin.compute.hypervisors(details=True)
                      if h.name == host_name), None), f"hypervisor {host_name} registered", 30)
    assert hypervisor.state == "up" and hypervisor.status == "enabled"

    # -- images: aki + ari + an ami naming them --------------------------------------------------
    kernel = user.image.create_image(
        name="e2e-vmlinuz", data=guest_image.kernel.read_bytes(), disk_format="aki",
        container_format="aki", allow_duplicates=True)
    ramdisk = user.image.create_image(
        name="e2e-initrd", data=guest_image.initrd.read_bytes(), disk_format="ari",
        container_format="ari", allow_duplicates=True)
    cmdline = f"console=ttyS0 quiet skyledger.hostname={GUEST_HOSTNAME}"
    root = user.image.create_image(
        name="e2e-ami", data=bytes(1 << 20), disk_format="ami", container_format="ami",
        allow_duplicates=True, kernel_id=kernel.id, ramdisk_id=ramdisk.id,
        os_command_line=cmdline)
    shown = user.image.get_image(root.id)
    assert shown.status == "active"
    assert (shown.kernel_id, shown.ramdisk_id, shown.os_command_line) == (
        kernel.id, ramdisk.id, cmdline)
    assert user.image.get_image(kernel.id).size == guest_image.kernel.stat().st_size

    # -- flavor (admin) ----------------------------------------------------------------------------
    flavor = admin.compute.create_flavor(name=f"e2e.qemu-{uuid.uuid4().hex[:6]}", ram=128,
                                         vcpus=1, disk=1)
    assert (flavor.ram, flavor.vcpus) == (128, 1)

    # -- boot --------------------------------------------------------------------------------------
    server = user.compute.create_server(name="e2e-real-guest", image_id=root.id,
                                        flavor_id=flavor.id, networks="none")
    leftovers.instance_ids.add(server.id)
    create_rid = member.request_ids.of("POST", "/servers", '"server"')
    first = user.compute.get_server(server.id)
    assert first.status == "BUILD", (first.status, first.task_state)
    assert first.vm_state == "building"

    server = user.compute.wait_for_server(server, status="ACTIVE", wait=TIMEOUT_S,
                                          interval=POLL_S)
    assert (server.vm_state, server.task_state, server.power_state) == ("active", None, 1)
    assert server.launched_at
    assert server.compute_host is None, "the host is shown to admins only"
    assert server.host_id and server.availability_zone == "nova"
    as_admin = admin.compute.get_server(server.id)
    assert as_admin.compute_host == host_name
    assert as_admin.hypervisor_hostname == host_name
    assert as_admin.instance_name == server.id, "the domain is named after the uuid"

    active, xml = domain_facts(server.id)
    assert active
    instance_dir = qemu_server.data_dir.resolve() / "instances" / host_name / server.id
    disks = re.findall(r"<disk type='file' device='disk'>.*?<source file='([^']+)'", xml, re.S)
    assert disks and all(Path(d).parent == instance_dir for d in disks), (disks, instance_dir)
    assert all(Path(d).exists() for d in disks)

    # -- console -----------------------------------------------------------------------------------
    output = wait_for(lambda: (lambda out: out if READY in out else None)(console(user, server)),
                      "the guest's init on the console", TIMEOUT_S)
    assert output.count(UP) == 1
    assert f"{UP} hostname={GUEST_HOSTNAME} " in output, "os_command_line reaches the kernel"

    def stable_tail(read: Callable[[], str]) -> tuple[str, str]:
        """The whole console and its tail read between two identical whole reads."""
        for _ in range(20):
            before, tail, after = console(user, server), read(), console(user, server)
            if before == after:
                return before, tail
            time.sleep(POLL_S)
        pytest.fail("the console kept changing")

    # Nova's cut: the last pieces of the output split at newlines
    whole, last3 = stable_tail(lambda: console(user, server, length=3))
    assert len(whole.splitlines()) > 3
    assert last3.split("\n") == whole.split("\n")[-3:]
    whole, one = stable_tail(lambda: raw_console(user, server.id, 1))
    assert one.split("\n") == whole.split("\n")[-1:]
    assert raw_console(user, server.id, "2").split("\n") == whole.split("\n")[-2:]
    assert raw_console(user, server.id, -1) == whole, "-1 means everything"

    # -- hard reboot -------------------------------------------------------------------------------
    user.compute.reboot_server(server, "HARD")
    reboot_rid = member.request_ids.of("POST", f"/servers/{server.id}/action", '"reboot"')
    rebooting = user.compute.get_server(server.id)
    assert rebooting.status == "HARD_REBOOT", (rebooting.status, rebooting.task_state)
    server = user.compute.wait_for_server(server, status="ACTIVE", wait=TIMEOUT_S,
                                          interval=POLL_S)
    assert (server.task_state, server.power_state) == (None, 1)
    after = wait_for(
        lambda: (lambda out: out if out.count(UP) == 2 and out.count(READY) == 2 else None)(
            console(user, server)), "the second boot's line on the console",
        TIMEOUT_S)
    assert after.startswith(output.split(UP)[0]), "the first boot's output is kept"

    # -- instance actions --------------------------------------------------------------------------
    actions = list(user.compute.server_actions(server))
    assert [(a.action, a.request_id) for a in actions] == [
        ("reboot", reboot_rid), ("create", create_rid)], "newest first"
    for action in actions:
        assert (action.user_id, action.project_id) == (member.user_id, member.project_id)
        assert action.start_time
        detail = user.compute.get_server_action(action.request_id, server,
                                                ignore_missing=False)
        assert detail.events, f"{action.action} has no events"
        for event in detail.events:
            assert event.result == "Success", (action.action, event.event, event.result)
            assert event.start_time and event.finish_time, event

    # -- delete ------------------------------------------------------------------------------------
    user.compute.delete_server(server)
    delete_rid = member.request_ids.of("DELETE", f"/servers/{server.id}")
    user.compute.wait_for_delete(server, wait=TIMEOUT_S, interval=POLL_S)
    with pytest.raises(exceptions.NotFoundException):
        user.compute.get_server(server.id)
    assert server.id not in {s.id for s in user.compute.servers()}

    # libvirt has no domain of that uuid, and no file of it is left in the data directory.
    wait_for(lambda: domain_or_none(server.id) is None, "the domain to go", 30)
    assert not instance_dir.exists()
    left = [p for p in qemu_server.data_dir.rglob("*")
            if server.id in str(p) or uuid.UUID(server.id).hex in str(p)]
    assert not left, left

    # The deleted server's actions stay readable (2.21+): the delete is there, done.
    deleted_actions = wait_for(
        lambda: (lambda acts: acts if acts and acts[0].action == "delete" else None)(
            list(user.compute.server_actions(server.id))), "the delete action", TIMEOUT_S)
    assert deleted_actions[0].request_id == delete_rid
    detail = user.compute.get_server_action(delete_rid, server.id, ignore_missing=False)
    assert detail.events and all(e.result == "Success" for e in detail.events), detail.events
