"""Server bodies in Nova's shapes, built from read-model rows (projections/servers.py).

What a body shows depends on the microversion (locked 2.9, host_status 2.16, description
2.19, tags 2.26, the embedded flavor 2.47, trusted image certificates 2.63) and on what the
caller may see (the extended server attributes and host_status are admin-only by Nova's
default policy). Both are decided once per request and carried in a `ServerLook`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from api.auth import Caller
from api.bodies.servers_v296 import image_with_properties, newer_fields
from api.deps import CloudServices
from api.microversions import Version
from api.policy import PolicyEngine
from api.responses.compute import newest
from api.responses.servers import (
    CHANGED_MODELS,
    UPDATED_MODELS,
    ServerChangedV21,
    ServerCreated,
    ServerSummary,
    ServerV21,
)
from api.responses.servers_v296 import NEWER_SERVER_MODELS, REBUILT_MODELS
from domain.compute.guest_metadata import hostname_of as hostname
from domain.compute.instance import ROOT_DEVICE
from domain.compute.scheduling.host_state import HostState
from domain.compute.states import PowerState, TaskState, VmState, api_status
from projections.security_groups import SecurityGroupViews
from projections.servers import ServerViews

# Nova shows `progress` for these statuses only.
PROGRESS_STATUSES = ("ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING")
FAULT_STATUSES = ("ERROR", "DELETED")


@dataclass(frozen=True)
class ServerLook:
    """How servers are shown in one request."""

    base: str  # the public URL
    version: Version
    extended: bool = False  # os_compute_api:os-extended-server-attributes
    host_status: bool = False  # os_compute_api:servers:show:host_status
    hosts: dict[str, HostState] = field(default_factory=dict)
    now: float = 0.0
    down_after: float = 60.0
    # From 2.71 one server's view (GET of it, PUT, rebuild; not the detail list) names the
    # server group it is in: None when the view is not of one server.
    server_groups: tuple[str, ...] | None = None
    # The names of a server's security groups (the groups of its ports); None: the default.
    group_names: Callable[[str], list[str]] | None = None


def dashed(hex_id: str) -> str:
    return str(UUID(hex_id))


def links(base: str, kind: str, ident: str) -> list[dict[str, str]]:
    return [{"rel": "self", "href": f"{base}/compute/v2.1/{kind}/{ident}"},
            {"rel": "bookmark", "href": f"{base}/compute/{kind}/{ident}"}]


def bookmark(base: str, kind: str, ident: str) -> list[dict[str, str]]:
    return [{"rel": "bookmark", "href": f"{base}/compute/{kind}/{ident}"}]


def status_of(server: dict[str, Any]) -> str:
    task = server["task_state"]
    return api_status(VmState(server["vm_state"]), TaskState(task) if task else None)


def host_id(project_id: str, host: str | None) -> str:
    """Nova's hostId: the same host looks different to every project."""
    return hashlib.sha224((project_id + host).encode()).hexdigest() if host else ""


def display_time(moment: str | None) -> str | None:
    """`created`/`updated` are printed to the second with a Z; the read model keeps more."""
    return moment[:19] + "Z" if moment else None


def summary(server: dict[str, Any], base: str) -> ServerSummary:
    ident = dashed(server["id"])
    return ServerSummary.model_validate(
        {"id": ident, "name": server["name"], "links": links(base, "servers", ident)})


def flavor_body(flavor: dict[str, Any], look: ServerLook) -> dict[str, Any]:
    if look.version < "2.47":
        return {"id": flavor["id"], "links": bookmark(look.base, "flavors", flavor["id"])}
    return {"original_name": flavor["name"], "vcpus": flavor["vcpus"], "ram": flavor["ram"],
            "disk": flavor["disk"], "ephemeral": flavor.get("ephemeral", 0),
            "swap": flavor.get("swap", 0), "extra_specs": dict(flavor.get("extra_specs", {}))}


def volume_backed(server: dict[str, Any]) -> bool:
    return any(v.get("device") == ROOT_DEVICE for v in server.get("volumes") or [])


def image_body(image: dict[str, Any], base: str) -> dict[str, Any]:
    ident = dashed(image["id"])
    return {"id": ident, "links": bookmark(base, "images", ident)}


def zone_of(server: dict[str, Any], look: ServerLook) -> str:
    """The zone of the host it runs on (as Nova shows it), else the zone it asked for."""
    state = look.hosts.get(server["host"] or "")
    return state.availability_zone if state else (server.get("requested_az") or "")


def host_status(server: dict[str, Any], look: ServerLook) -> str:
    state = look.hosts.get(server["host"] or "")
    if not server["host"]:
        return ""
    if state is None:
        return "UNKNOWN"
    if not state.enabled:
        return "MAINTENANCE"
    return "UP" if state.is_up(look.now, look.down_after) else "UNKNOWN"


def detail(server: dict[str, Any], look: ServerLook) -> ServerV21:
    """The server in the model of the request's microversion."""
    return newest(look.version, NEWER_SERVER_MODELS).model_validate(detail_body(server, look))


# What Nova's update and rebuild answers keep of the server's body (before 2.75, where they
# became the full body); a rebuild's also has key_name from 2.54 and user_data from 2.57.
CHANGED_KEYS = ("id", "name", "links", "status", "tenant_id", "user_id", "metadata", "hostId",
                "image", "flavor", "created", "updated", "accessIPv4", "accessIPv6",
                "OS-DCF:diskConfig", "progress", "fault", "locked", "description", "tags",
                "trusted_image_certificates", "server_groups", "locked_reason")


def changed(server: dict[str, Any], look: ServerLook,
            rebuilt: bool = False) -> ServerChangedV21 | ServerV21:
    """The server as Nova answers a PUT or (`rebuilt`) a rebuild."""
    full = detail_body(server, look)
    if look.version >= "2.75":  # the body GET shows, the rebuild's user_data in its own key
        if not rebuilt:
            return newest(look.version, NEWER_SERVER_MODELS).model_validate(full)
        full.pop("OS-EXT-SRV-ATTR:user_data", None)
        return newest(look.version, REBUILT_MODELS).model_validate(
            {**full, "user_data": server["user_data"]})
    body = {k: full[k] for k in CHANGED_KEYS if k in full}
    body["addresses"] = {net: [{"version": a["version"], "addr": a["addr"]} for a in found]
                         for net, found in full["addresses"].items()}
    if rebuilt and look.version >= "2.54":
        body["key_name"] = server["key_name"]
    if rebuilt and look.version >= "2.57":
        body["user_data"] = server["user_data"]
    return newest(look.version, CHANGED_MODELS if rebuilt else UPDATED_MODELS).model_validate(body)


def detail_body(server: dict[str, Any], look: ServerLook) -> dict[str, Any]:
    ident, status = dashed(server["id"]), status_of(server)
    body: dict[str, Any] = {
        "id": ident, "name": server["name"], "links": links(look.base, "servers", ident),
        "status": status,
        "tenant_id": server["project_id"], "user_id": server["user_id"],
        "metadata": dict(server["metadata"]),
        "hostId": host_id(server["project_id"], server["host"]),
        # Nova shows "" for the image of a server booted from a volume.
        "image": image_with_properties(
            "" if volume_backed(server) else image_body(server["image"], look.base), server,
            look.version),
        "flavor": flavor_body(server["flavor"], look),
        "created": display_time(server["created_at"]),
        "updated": display_time(server["updated_at"]),
        "addresses": addresses(server), "accessIPv4": server.get("access_ip_v4") or "",
        "accessIPv6": server.get("access_ip_v6") or "", "key_name": server["key_name"],
        # Nova's column is a string: "True" for a server with a drive, else "".
        "config_drive": "True" if server.get("config_drive") else "",
        "OS-DCF:diskConfig": server.get("disk_config") or "MANUAL",
        "OS-EXT-AZ:availability_zone": zone_of(server, look),
        "OS-EXT-STS:vm_state": server["vm_state"], "OS-EXT-STS:task_state": server["task_state"],
        "OS-EXT-STS:power_state": int(PowerState(server["power_state"])),
        "OS-SRV-USG:launched_at": server["launched_at"],
        "OS-SRV-USG:terminated_at": server["terminated_at"],
        "os-extended-volumes:volumes_attached": volumes_attached(server, look.version),
    }
    groups = look.group_names(server["id"]) if look.group_names else ["default"]
    if groups:
        body["security_groups"] = [{"name": name} for name in groups]
    if status in PROGRESS_STATUSES:
        body["progress"] = 0
    if status in FAULT_STATUSES and server["fault"]:
        fault = server["fault"]
        body["fault"] = {"code": fault["code"], "message": fault["message"],
                         "created": display_time(fault.get("created"))}
    if look.extended:
        body.update(extended_attributes(server, ident, look.version))
    elif look.version >= "2.90":  # shown to everyone from 2.90
        body["OS-EXT-SRV-ATTR:hostname"] = server_hostname(server)
    body.update(versioned_fields(server, look))
    body.update(newer_fields(server, look.version))
    return body


def volumes_attached(server: dict[str, Any], version: Version) -> list[dict[str, Any]]:
    """Nova's os-extended-volumes: each volume's id, and from 2.3 on delete_on_termination."""
    volumes = []
    for volume in server.get("volumes", []):
        shown: dict[str, Any] = {"id": dashed(volume["id"])}
        if version >= "2.3":
            shown["delete_on_termination"] = bool(volume.get("delete_on_termination"))
        volumes.append(shown)
    return volumes


def versioned_fields(server: dict[str, Any], look: ServerLook) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if look.version >= "2.9":
        fields["locked"] = bool(server["locked"])
    if look.version >= "2.16" and look.host_status:
        fields["host_status"] = host_status(server, look)
    if look.version >= "2.19":
        fields["description"] = server.get("description")
    if look.version >= "2.26":
        fields["tags"] = list(server.get("tags") or [])
    if look.version >= "2.63":
        fields["trusted_image_certificates"] = server.get("trusted_image_certificates")
    if look.version >= "2.71" and look.server_groups is not None:
        fields["server_groups"] = list(look.server_groups)
    if look.version >= "2.73":
        fields["locked_reason"] = server.get("locked_reason")
    return fields


def groups_of(cloud: CloudServices, server: dict[str, Any]) -> tuple[str, ...]:
    """The server group the server is in, if it still exists (Nova shows at most one)."""
    group_id = server.get("server_group_id")
    if not group_id or ServerViews(cloud.store).group(group_id) is None:
        return ()
    return (dashed(group_id),)


def extended_attributes(server: dict[str, Any], ident: str, version: Version) -> dict[str, Any]:
    # The libvirt domain is named after the instance uuid (adapters/hypervisor/domain_xml.py).
    attrs: dict[str, Any] = {"OS-EXT-SRV-ATTR:host": server["host"],
                             "OS-EXT-SRV-ATTR:hypervisor_hostname": server["host"],
                             "OS-EXT-SRV-ATTR:instance_name": ident}
    if version >= "2.3":
        attrs.update({
            "OS-EXT-SRV-ATTR:reservation_id": server["reservation_id"],
            "OS-EXT-SRV-ATTR:launch_index": server["launch_index"],
            "OS-EXT-SRV-ATTR:hostname": server_hostname(server),
            # An AMI boots the kernel and ramdisk images its properties name (Nova shows them).
            "OS-EXT-SRV-ATTR:kernel_id": image_property(server, "kernel_id"),
            "OS-EXT-SRV-ATTR:ramdisk_id": image_property(server, "ramdisk_id"),
            "OS-EXT-SRV-ATTR:root_device_name": None,
            "OS-EXT-SRV-ATTR:user_data": server["user_data"],
        })
    return attrs


def addresses(server: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Nova's `addresses`: per network name, the fixed IPs (and later floating ones)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for port in server.get("ports", []):
        out.setdefault(port["network_name"], []).append({
            "version": 4, "addr": port["fixed_ip"], "OS-EXT-IPS:type": "fixed",
            "OS-EXT-IPS-MAC:mac_addr": port["mac"]})
        if port.get("floating_ip"):
            out[port["network_name"]].append({
                "version": 4, "addr": port["floating_ip"], "OS-EXT-IPS:type": "floating",
                "OS-EXT-IPS-MAC:mac_addr": port["mac"]})
    return out


def image_property(server: dict[str, Any], key: str) -> str:
    return str((server.get("image") or {}).get("properties", {}).get(key) or "")


def server_hostname(server: dict[str, Any]) -> str:
    """The hostname asked for (2.90), else the display name's."""
    return str(server.get("hostname") or hostname(server["name"]))


def created_body(instance_id: str, look: ServerLook, admin_pass: str | None,
                 disk_config: str) -> ServerCreated:
    """What a boot answers (202): enough to find the server again, and its password once."""
    body: dict[str, Any] = {"id": instance_id, "links": links(look.base, "servers", instance_id),
                            "OS-DCF:diskConfig": disk_config,
                            "security_groups": [{"name": "default"}]}
    if admin_pass is not None:
        body["adminPass"] = admin_pass
    return ServerCreated.model_validate(body)


def server_look(cloud: CloudServices, caller: Caller, engine: PolicyEngine,
                version: Version, one: dict[str, Any] | None = None) -> ServerLook:
    """`one`: the server, when the view is of that one server alone."""
    own = {"project_id": caller.project_id, "user_id": caller.user_id}
    return ServerLook(
        server_groups=groups_of(cloud, one) if one is not None else None,
        base=cloud.settings.public_url, version=version,
        extended=engine.allowed("os_compute_api:os-extended-server-attributes", own, caller.creds),
        host_status=engine.allowed("os_compute_api:servers:show:host_status", own, caller.creds),
        hosts=cloud.capacity.hosts(), now=time.time(), down_after=cloud.capacity.down_after,
        group_names=SecurityGroupViews(cloud.store).instance_group_names)
