"""Nova's server bodies, one model per microversion where the shape changes (api-ref
"Show Server Details"): delete_on_termination and six more admin attributes at 2.3, locked at
2.9, host_status at 2.16, description at 2.19, tags at 2.26, the embedded flavor at 2.47,
trusted_image_certificates at 2.63.
Keys only admins see (policy) or only some statuses show are `MISSING` when not shown."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from api.microversions import Version
from api.responses.base import MISSING, Body, Link, one_of
from domain.compute.states import PowerState, TaskState, VmState

# Nova's API statuses (a filter on any other is empty before 2.38, a 400 from 2.38 on).
STATUSES = {"ACTIVE", "BUILD", "DELETED", "ERROR", "HARD_REBOOT", "MIGRATING", "PASSWORD",
            "PAUSED", "REBOOT", "REBUILD", "RESCUE", "RESIZE", "REVERT_RESIZE", "SHELVED",
            "SHELVED_OFFLOADED", "SHUTOFF", "SOFT_DELETED", "SUSPENDED", "UNKNOWN",
            "VERIFY_RESIZE"}
DiskConfig = one_of(["AUTO", "MANUAL"])


def wire(alias: str) -> object:
    """A key whose JSON name is not a Python name (`OS-EXT-STS:vm_state`)."""
    return Field(alias=alias)


def optional(alias: str) -> object:
    return Field(default=MISSING, alias=alias)


class ServerSummary(Body):
    id: str
    name: str
    links: list[Link]


class FlavorRef(Body):
    """Before 2.47: a reference to the flavor."""

    id: str
    links: list[Link]


class FlavorCopy(Body):
    """From 2.47: a copy of what the server was built with."""

    original_name: str
    vcpus: int
    ram: int
    disk: int
    ephemeral: int
    swap: int
    extra_specs: dict[str, str]


class ImageRef(Body):
    id: str
    links: list[Link]


class Address(Body):
    version: one_of([4, 6])  # type: ignore[valid-type]
    addr: str
    type: one_of(["fixed", "floating"]) = wire("OS-EXT-IPS:type")  # type: ignore[valid-type]
    mac_addr: str = wire("OS-EXT-IPS-MAC:mac_addr")  # type: ignore[assignment]


class AttachedVolume(Body):
    id: str


class AttachedVolumeV23(AttachedVolume):
    delete_on_termination: bool


class Fault(Body):
    code: int
    message: str
    created: str | None


class SecurityGroupName(Body):
    name: str


NullStr = str | None


class ServerHead(Body):
    """What every view of a server starts with (GET's and the one after PUT or rebuild)."""

    id: str
    name: str
    links: list[Link]
    status: one_of(STATUSES)  # type: ignore[valid-type]
    tenant_id: str
    user_id: str
    metadata: dict[str, str]
    hostId: str  # noqa: N815 - Nova's key
    image: ImageRef | Annotated[str, Field(pattern="^$")]  # "": booted from a volume
    flavor: FlavorRef
    created: str
    updated: str


class ServerV21(ServerHead):
    addresses: dict[str, list[Address]]
    accessIPv4: str  # noqa: N815
    accessIPv6: str  # noqa: N815
    key_name: str | None
    config_drive: str
    disk_config: DiskConfig = wire("OS-DCF:diskConfig")  # type: ignore[valid-type]
    availability_zone: str = wire("OS-EXT-AZ:availability_zone")  # type: ignore[assignment]
    vm_state: one_of(s.value for s in VmState) = wire(  # type: ignore[valid-type]
        "OS-EXT-STS:vm_state")
    task_state: one_of(s.value for s in TaskState) | None = wire(  # type: ignore[valid-type]
        "OS-EXT-STS:task_state")
    power_state: one_of(int(s) for s in PowerState) = wire(  # type: ignore[valid-type]
        "OS-EXT-STS:power_state")
    launched_at: NullStr = wire("OS-SRV-USG:launched_at")  # type: ignore[assignment]
    terminated_at: NullStr = wire("OS-SRV-USG:terminated_at")  # type: ignore[assignment]
    volumes_attached: list[AttachedVolume] = wire(  # type: ignore[assignment]
        "os-extended-volumes:volumes_attached")
    # The groups of the server's ports; absent when it has none (as in Nova).
    security_groups: list[SecurityGroupName] = MISSING  # type: ignore[assignment]
    # By status: progress while it moves, the fault once it failed.
    progress: int = MISSING  # type: ignore[assignment]
    fault: Fault = MISSING  # type: ignore[assignment]
    # os-extended-server-attributes: admins only (policy).
    host: NullStr = optional("OS-EXT-SRV-ATTR:host")  # type: ignore[assignment]
    hypervisor_hostname: NullStr = optional(  # type: ignore[assignment]
        "OS-EXT-SRV-ATTR:hypervisor_hostname")
    instance_name: str = optional("OS-EXT-SRV-ATTR:instance_name")  # type: ignore[assignment]


class ServerV23(ServerV21):
    volumes_attached: list[AttachedVolumeV23] = wire(  # type: ignore[assignment]
        "os-extended-volumes:volumes_attached")
    reservation_id: str = optional("OS-EXT-SRV-ATTR:reservation_id")  # type: ignore[assignment]
    launch_index: int = optional("OS-EXT-SRV-ATTR:launch_index")  # type: ignore[assignment]
    hostname: str = optional("OS-EXT-SRV-ATTR:hostname")  # type: ignore[assignment]
    kernel_id: str = optional("OS-EXT-SRV-ATTR:kernel_id")  # type: ignore[assignment]
    ramdisk_id: str = optional("OS-EXT-SRV-ATTR:ramdisk_id")  # type: ignore[assignment]
    root_device_name: NullStr = optional(  # type: ignore[assignment]
        "OS-EXT-SRV-ATTR:root_device_name")
    user_data: NullStr = optional("OS-EXT-SRV-ATTR:user_data")  # type: ignore[assignment]


class ServerV29(ServerV23):
    locked: bool


class ServerV216(ServerV29):
    host_status: one_of(["UP", "DOWN", "MAINTENANCE", "UNKNOWN", ""]) = (  # type: ignore
        MISSING)  # admins only (policy)


class ServerV219(ServerV216):
    description: str | None


class ServerV226(ServerV219):
    tags: list[str]


class ServerV247(ServerV226):
    flavor: FlavorCopy  # type: ignore[assignment]


# Nova's parameter_types.trusted_certs: null, or 1 to 50 distinct non-empty ids.
TrustedCertIds = list[Annotated[str, Field(min_length=1)]] | None


class ServerV263(ServerV247):
    trusted_image_certificates: TrustedCertIds


class ServerV271(ServerV263):
    # The group it is in (at most one): shown for one server, not in the detail list.
    server_groups: list[str] = MISSING  # type: ignore[assignment]


class ServerV273(ServerV271):
    locked_reason: str | None


# Newest first: a request's microversion gets the first model at or below it.
SERVER_MODELS: tuple[tuple[str, type[ServerV21]], ...] = (
    ("2.73", ServerV273), ("2.71", ServerV271), ("2.63", ServerV263), ("2.47", ServerV247),
    ("2.26", ServerV226),
    ("2.19", ServerV219), ("2.16", ServerV216), ("2.9", ServerV29), ("2.3", ServerV23),
    ("2.1", ServerV21))
Server = (ServerV273 | ServerV271 | ServerV263 | ServerV247 | ServerV226 | ServerV219 | ServerV216
          | ServerV29 | ServerV23 | ServerV21)


class ServerShow(Body):
    server: Server


class ServerDetailList(Body):
    servers: list[Server]
    servers_links: list[Link] = MISSING  # type: ignore[assignment]


class ServerList(Body):
    servers: list[ServerSummary]
    servers_links: list[Link] = MISSING  # type: ignore[assignment]


# -- the view after PUT /servers/{id} and rebuild (Nova before 2.75) --------------------------

class PlainAddress(Body):
    version: one_of([4, 6])  # type: ignore[valid-type]
    addr: str


class ServerChangedV21(ServerHead):
    """What Nova answers an update or a rebuild with: the server without its extended, status,
    zone, usage, volume and security-group attributes, addresses without type and MAC."""

    addresses: dict[str, list[PlainAddress]]
    accessIPv4: str  # noqa: N815
    accessIPv6: str  # noqa: N815
    disk_config: DiskConfig = wire("OS-DCF:diskConfig")  # type: ignore[valid-type]
    progress: int = MISSING  # type: ignore[assignment]
    fault: Fault = MISSING  # type: ignore[assignment]


class ServerChangedV29(ServerChangedV21):
    locked: bool


class ServerChangedV219(ServerChangedV29):
    description: str | None


class ServerChangedV226(ServerChangedV219):
    tags: list[str]


class ServerChangedV247(ServerChangedV226):
    flavor: FlavorCopy  # type: ignore[assignment]


class ServerChangedV254(ServerChangedV247):
    key_name: str | None  # a rebuild may change it (2.54)


class ServerChangedV257(ServerChangedV254):
    user_data: str | None  # a rebuild may change it (2.57)


class ServerUpdatedV263(ServerChangedV247):
    """A PUT's answer from 2.63 (a PUT shows neither key_name nor user_data)."""

    trusted_image_certificates: TrustedCertIds


class ServerChangedV263(ServerChangedV257):
    trusted_image_certificates: TrustedCertIds


class ServerUpdatedV271(ServerUpdatedV263):
    server_groups: list[str]


class ServerChangedV271(ServerChangedV263):
    server_groups: list[str]


class ServerUpdatedV273(ServerUpdatedV271):
    locked_reason: str | None


class ServerChangedV273(ServerChangedV271):
    locked_reason: str | None


# A rebuild's answers (newest first), then a PUT's, which never show key_name or user_data.
CHANGED_MODELS: tuple[tuple[str, type[ServerChangedV21]], ...] = (
    ("2.73", ServerChangedV273), ("2.71", ServerChangedV271), ("2.63", ServerChangedV263),
    ("2.57", ServerChangedV257),
    ("2.54", ServerChangedV254), ("2.47", ServerChangedV247), ("2.26", ServerChangedV226),
    ("2.19", ServerChangedV219), ("2.9", ServerChangedV29), ("2.1", ServerChangedV21))
UPDATED_MODELS: tuple[tuple[str, type[ServerChangedV21]], ...] = (
    ("2.73", ServerUpdatedV273), ("2.71", ServerUpdatedV271), ("2.63", ServerUpdatedV263),
    *((since, model) for since, model in CHANGED_MODELS if Version.of(since) < "2.54"))
ServerChanged = (ServerChangedV273 | ServerUpdatedV273 | ServerChangedV271 | ServerUpdatedV271
                 | ServerChangedV263 | ServerUpdatedV263
                 | ServerChangedV257 | ServerChangedV254 | ServerChangedV247 | ServerChangedV226
                 | ServerChangedV219 | ServerChangedV29 | ServerChangedV21)


class ServerRebuiltV275(ServerV273):
    """A rebuild's answer from 2.75: the server as GET shows it (a PUT's is just that), with
    the rebuild's `user_data` instead of the admin attribute OS-EXT-SRV-ATTR:user_data."""

    user_data: NullStr = wire("user_data")  # type: ignore[assignment]


class ServerChangedShow(Body):
    server: ServerRebuiltV275 | Server | ServerChanged


class ServerCreated(Body):
    id: str
    links: list[Link]
    disk_config: DiskConfig = wire("OS-DCF:diskConfig")  # type: ignore[valid-type]
    security_groups: list[SecurityGroupName]
    adminPass: str = MISSING  # type: ignore[assignment]  # noqa: N815


class ServerCreatedBody(Body):
    server: ServerCreated


class Reservation(Body):
    """`return_reservation_id` answers the reservation instead of the server."""

    reservation_id: str


class VolumeAttachment(Body):
    """Nova's volumeAttachment before 2.70: no tag, no attachment or BDM id."""

    id: str
    volumeId: str  # noqa: N815
    serverId: str | None  # noqa: N815
    device: str | None


class VolumeAttachmentV270(VolumeAttachment):
    tag: str | None  # the device tag it was attached with (2.49)


class VolumeAttachmentV279(VolumeAttachmentV270):
    delete_on_termination: bool


class VolumeAttachmentV289(Body):
    """2.89 (GET only): the attachment's and its block device mapping's ids, no `id`."""

    volumeId: str  # noqa: N815
    serverId: str | None  # noqa: N815
    device: str | None
    tag: str | None
    delete_on_termination: bool
    attachment_id: str
    bdm_uuid: str


AnyVolumeAttachment = VolumeAttachmentV289 | VolumeAttachmentV279 | VolumeAttachmentV270 | \
    VolumeAttachment


class VolumeAttachmentShow(Body):
    volumeAttachment: AnyVolumeAttachment  # noqa: N815


class VolumeAttachmentList(Body):
    volumeAttachments: list[AnyVolumeAttachment]  # noqa: N815


class ConsoleOutputBody(Body):
    """os-getConsoleOutput's answer."""

    output: str


class TopologyNode(Body):
    """A guest NUMA cell (host_node and cpu_pinning for admins only)."""

    vcpu_set: list[int]
    siblings: list[list[int]]
    memory_mb: int
    host_node: int = MISSING  # type: ignore[assignment]
    cpu_pinning: dict[str, int] = MISSING  # type: ignore[assignment]


class ServerTopology(Body):
    """GET /servers/{id}/topology (2.78)."""

    nodes: list[TopologyNode]
    pagesize_kb: int | None
