"""What the end-to-end tests of real guests share (tests/e2e/test_real_guest*.py, and
test_multi_host.py's members): libvirt asked directly about a guest's domain, the domains a
module made removed whatever happens (`Leftovers`, handed out by tests/e2e/conftest.py's
`leftovers`), the console read through the API, and a member of a project of its own."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import libvirt
import openstack
import yaml

from domain.compute.backends import KernelBoot
from tests.support.hypervisor import QEMU_URI as URI
from tests.support.server_process import Server

READY = "SKYLEDGER-GUEST-READY"  # the guest init's last line: the console is quiet after it
TIMEOUT_S = 90.0  # one boot takes ~6 s here under TCG; generous for a loaded machine
POLL_S = 0.25
NO_DOMAIN = 42  # libvirt.VIR_ERR_NO_DOMAIN


@dataclass
class Leftovers:
    """Domains this module may have made, destroyed and undefined at teardown."""

    data_dir: Path | None = None
    instance_ids: set[str] = field(default_factory=set)

    def ours(self, dom: libvirt.virDomain) -> bool:
        if dom.UUIDString() in self.instance_ids:
            return True
        try:
            return self.data_dir is not None and str(self.data_dir) in dom.XMLDesc(0)
        except libvirt.libvirtError:
            return False

    def clean(self) -> list[str]:
        cleaned: list[str] = []
        conn = libvirt.open(URI)
        try:
            for dom in conn.listAllDomains():
                if not self.ours(dom):
                    continue
                cleaned.append(dom.UUIDString())
                with contextlib.suppress(libvirt.libvirtError):
                    if dom.isActive():
                        dom.destroy()
                with contextlib.suppress(libvirt.libvirtError):
                    dom.undefine()
        finally:
            conn.close()
        return cleaned


def domain_or_none(instance_id: str) -> libvirt.virDomain | None:
    conn = libvirt.open(URI)
    try:
        return conn.lookupByUUIDString(instance_id)
    except libvirt.libvirtError as error:
        assert error.get_error_code() == NO_DOMAIN, error
        return None
    finally:
        conn.close()


def domain_facts(instance_id: str) -> tuple[bool, str]:
    conn = libvirt.open(URI)
    try:
        dom = conn.lookupByUUIDString(instance_id)
        return bool(dom.isActive()), dom.XMLDesc(0)
    finally:
        conn.close()


def console(conn: openstack.connection.Connection, server: Any,
            length: int | None = None) -> str:
    return str(conn.compute.get_server_console_output(server, length=length)["output"])


def connect_as(server: Server, username: str, password: str,
               project_name: str) -> openstack.connection.Connection:
    """Another user of the cloud in clouds.yaml. (Not `Server.connect(**auth_overrides)`: the
    auth plugin is already loaded when it updates the auth options, so they are ignored and
    the connection is the admin's.)"""
    cloud = yaml.safe_load(server.clouds_yaml.read_text())["clouds"]["skyledger"]
    return openstack.connect(
        load_yaml_config=False, load_envvars=False, auth_type="password",
        auth={"auth_url": cloud["auth"]["auth_url"], "username": username,
              "password": password, "project_name": project_name,
              "user_domain_name": "Default", "project_domain_name": "Default"},
        region_name=cloud["region_name"], identity_api_version="3",
        interface=cloud["interface"])


def new_member(server: Server, admin: openstack.connection.Connection,
               prefix: str) -> tuple[openstack.connection.Connection, Any, Any]:
    """A user with the member role in a project of its own, connected as that user; with the
    user and project records."""
    suffix = uuid.uuid4().hex[:6]
    project = admin.identity.create_project(name=f"{prefix}-{suffix}", domain_id="default")
    password = f"pw-{uuid.uuid4().hex}"
    user = admin.identity.create_user(name=f"{prefix}-user-{suffix}", password=password,
                                      domain_id="default", default_project_id=project.id)
    role = admin.identity.find_role("member", ignore_missing=False)
    admin.identity.assign_project_role_to_user(project, user, role)
    return connect_as(server, user.name, password, project.name), user, project


def guest_image_id(conn: openstack.connection.Connection, guest_image: KernelBoot,
                   prefix: str, cmdline: str = "console=ttyS0 quiet") -> str:
    """The busybox test guest uploaded as EC2-style images (the kernel as `aki`, the initramfs
    as `ari`, and an `ami` of 1 MiB naming them and the kernel command line): the ami's id."""
    assert guest_image.initrd is not None
    kernel = conn.image.create_image(
        name=f"{prefix}-vmlinuz", data=guest_image.kernel.read_bytes(), disk_format="aki",
        container_format="aki", allow_duplicates=True)
    ramdisk = conn.image.create_image(
        name=f"{prefix}-initrd", data=guest_image.initrd.read_bytes(), disk_format="ari",
        container_format="ari", allow_duplicates=True)
    root = conn.image.create_image(
        name=f"{prefix}-ami", data=bytes(1 << 20), disk_format="ami", container_format="ami",
        allow_duplicates=True, kernel_id=kernel.id, ramdisk_id=ramdisk.id,
        os_command_line=cmdline)
    return str(root.id)
