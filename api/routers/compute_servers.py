"""Compute `/servers`: boot, list, show, rename, delete. Reads come from the server read model;
boots and changes go through the compute services. Actions are in compute_server_actions.py."""

from __future__ import annotations

import binascii
import ipaddress
import logging
import secrets
from base64 import b64decode
from dataclasses import replace
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.auth import Caller
from api.block_devices import BlockDeviceMapping, boot_source, check_volume_types
from api.bodies.security_groups import ensure_default, find_group
from api.bodies.servers import (
    ServerLook,
    changed,
    created_body,
    detail,
    server_look,
)
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.errors import ApiError
from api.microversions import ComputeVersion, Version
from api.policy import PolicyEngine
from api.responses.servers import (
    Reservation,
    ServerChangedV21,
    ServerCreatedBody,
    ServerList,
    ServerV21,
)
from api.responses.servers_v296 import ServerChangedShow, ServerDetailList, ServerShow
from api.server_hostname import Hostname, hostname_change
from api.server_list import list_servers
from api.trusted_certs import TrustedCerts, certificate_changes
from api.validation import Name, PositiveCount
from domain.errors import InvalidInput, NotFound
from domain.services.compute.actions import MAX_TAGS
from domain.services.compute.boot import BootRequest, PortChoice
from projections.servers import ServerViews

router = APIRouter(prefix="/compute/v2.1", tags=["compute: servers"])
log = logging.getLogger(__name__)

_OWNER = "rule:admin_or_member"
_READER = "rule:admin_or_reader"
RULES = [
    policy.RuleDefault("os_compute_api:servers:index", _READER),
    policy.RuleDefault("os_compute_api:servers:detail", _READER),
    policy.RuleDefault("os_compute_api:servers:index:get_all_tenants", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:servers:detail:get_all_tenants", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:servers:allow_all_filters", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:servers:show", _READER),
    policy.RuleDefault("os_compute_api:servers:show:host_status", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:os-extended-server-attributes", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:servers:create", _OWNER),
    policy.RuleDefault("os_compute_api:servers:create:trusted_certs", _OWNER),
    policy.RuleDefault("compute:servers:create:requested_destination", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:servers:update", _OWNER),
    policy.RuleDefault("os_compute_api:servers:delete", _OWNER)]

MetadataKey = Annotated[str, Field(pattern=r"^[a-zA-Z0-9\-_:. ]{1,255}$")]
Metadata = dict[MetadataKey, Annotated[str, Field(max_length=255)]]
# Nova's parameter_types.tag: no ',' or '/', 1 to 60 characters.
TAG_PATTERN = r"^[^,/]{1,60}$"
Tag = Annotated[str, Field(pattern=TAG_PATTERN)]
# Nova's parameter_types.fqdn (a requested host or node, 2.74).
Fqdn = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[a-zA-Z0-9-._]*$")]


class NetworkRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    uuid: UUID | None = None
    port: UUID | None = None
    fixed_ip: str | None = None
    tag: str | None = None


class SecurityGroupRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=255)


class ServerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    name: Name
    flavorRef: str | int  # noqa: N815 - Nova's field names
    imageRef: str = ""  # noqa: N815
    key_name: str | None = Field(default=None, min_length=1, max_length=255)
    availability_zone: str | None = Field(default=None, min_length=1, max_length=255)
    metadata: Metadata = Field(default_factory=dict)
    tags: list[Tag] | None = Field(default=None, max_length=MAX_TAGS)  # from 2.52
    user_data: str | None = Field(default=None, max_length=65535)
    min_count: PositiveCount = 1
    max_count: PositiveCount | None = None
    return_reservation_id: bool = False
    networks: Literal["auto", "none"] | list[NetworkRef] | None = None
    adminPass: str | None = None  # noqa: N815
    disk_config: Literal["AUTO", "MANUAL"] = Field(default="MANUAL", alias="OS-DCF:diskConfig")
    accessIPv4: ipaddress.IPv4Address | None = None  # noqa: N815
    accessIPv6: ipaddress.IPv6Address | None = None  # noqa: N815
    config_drive: bool | None = None
    security_groups: list[SecurityGroupRef] | None = None
    description: str | None = Field(default=None, max_length=255)
    block_device_mapping_v2: list[BlockDeviceMapping] | None = Field(default=None, max_length=32)
    trusted_image_certificates: TrustedCerts | None = None  # from 2.63
    host: Fqdn | None = None  # from 2.74, with hypervisor_hostname
    hypervisor_hostname: Fqdn | None = None
    hostname: Hostname | None = None  # from 2.90

    @field_validator("user_data")
    @classmethod
    def base64_text(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise ValueError(f"'{value[:32]}' is not a 'base64'") from None
        return value


class SchedulerHints(BaseModel):
    # Nova passes unknown hints on to the scheduler's filters; ours have no other filters.
    model_config = ConfigDict(extra="allow")
    group: UUID | None = None
    same_host: UUID | list[UUID] | None = None
    different_host: UUID | list[UUID] | None = None


class ServerCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    server: ServerCreate
    hints: SchedulerHints | None = Field(default=None, alias="os:scheduler_hints")
    legacy_hints: SchedulerHints | None = Field(default=None, alias="OS-SCH-HNT:scheduler_hints")


class ServerUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    name: Name | None = None
    description: str | None = Field(default=None, max_length=255)
    accessIPv4: ipaddress.IPv4Address | None = None  # noqa: N815
    accessIPv6: ipaddress.IPv6Address | None = None  # noqa: N815
    disk_config: Literal["AUTO", "MANUAL"] | None = Field(default=None, alias="OS-DCF:diskConfig")
    hostname: Hostname | None = None  # from 2.90
    pinned_availability_zone: Name | None = None  # 2.104


class ServerUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    server: ServerUpdate


# -- shared with the other server routers ----------------------------------------------------

def find_server(cloud: CloudServices, caller: Caller, server_id: str,
                include_deleted: bool = False) -> dict[str, Any]:
    """A server the caller's project owns (any, for an admin), else Nova's 404."""
    try:
        key = UUID(server_id).hex
    except ValueError:
        key = None
    server = ServerViews(cloud.store).get(key, include_deleted) if key else None
    if server is None or (server["project_id"] != caller.project_id and not caller.is_admin):
        raise NotFound(f"Instance {server_id} could not be found.")
    return server


def enforce_on(engine: PolicyEngine, rule: str, caller: Caller, server: dict[str, Any]) -> None:
    target = {"project_id": server["project_id"], "user_id": server["user_id"]}
    engine.enforce(rule, target, caller.creds)


def caught_up(cloud: CloudServices) -> None:
    """Read-your-writes after a command (a lagging read model never fails it: middleware.py)."""
    try:
        cloud.catch_up_for_reads()
    except Exception:  # noqa: BLE001 - the followers keep retrying; the lag shows in status
        log.exception("read models could not catch up")


def shown(cloud: CloudServices, caller: Caller, engine: PolicyEngine, version: Version,
          server_id: str) -> ServerV21:
    """The server as GET shows it, after a command (the read model is brought up to date)."""
    caught_up(cloud)
    server = find_server(cloud, caller, server_id)
    return detail(server, server_look(cloud, caller, engine, version, one=server))


def changed_shown(cloud: CloudServices, caller: Caller, engine: PolicyEngine, version: Version,
                  server_id: str, rebuilt: bool = False) -> ServerChangedV21 | ServerV21:
    """The server as a PUT or (`rebuilt`) a rebuild answers it, after the command."""
    caught_up(cloud)
    server = find_server(cloud, caller, server_id)
    return changed(server, server_look(cloud, caller, engine, version, one=server), rebuilt)


# -- boot ------------------------------------------------------------------------------------

def boot_request(body: ServerCreateRequest, version: Version, cloud: CloudServices) -> BootRequest:
    s = body.server
    check_versioned_fields(s, version)
    check_volume_types(s.block_device_mapping_v2, version)
    max_count = s.max_count if s.max_count is not None else s.min_count
    image_ref, root = boot_source(s.block_device_mapping_v2, s.imageRef, max_count)
    if s.min_count > max_count:
        raise InvalidInput("min_count must be <= max_count")
    hints = body.hints or body.legacy_hints or SchedulerHints()
    return BootRequest(
        name=s.name, flavor_ref=str(s.flavorRef).rstrip("/").rsplit("/", 1)[-1],
        image_ref=image_ref, key_name=s.key_name, config_drive=s.config_drive,
        availability_zone=checked_zone(cloud, s.availability_zone), metadata=dict(s.metadata),
        user_data=s.user_data, min_count=s.min_count, max_count=max_count,
        same_host=uuids(hints.same_host), different_host=uuids(hints.different_host),
        group_id=hints.group.hex if hints.group else None, networks=requested_networks(s),
        requested_host=requested_host(s), root=root,
        details={**details(s, version), **boot_tags(s), **certificate_changes(
            s, version, root is not None, "Image certificate validation is not supported when "
                                          "booting from volume")})


def requested_host(s: ServerCreate) -> str | None:
    """Nova's 2.74 destination; a host's one node is named as the host, so both must agree."""
    if s.host and s.hypervisor_hostname and s.host != s.hypervisor_hostname:
        raise InvalidInput(f"Compute host {s.host} could not be found.")
    return s.host or s.hypervisor_hostname or None


def boot_tags(s: ServerCreate) -> dict[str, Any]:
    return {"tags": list(dict.fromkeys(s.tags))} if s.tags else {}


def boot_groups(cloud: CloudServices, caller: Caller,
                refs: list[SecurityGroupRef] | None) -> tuple[str, ...] | None:
    """The ids of the security groups named at boot (each a name or an id of the caller's
    project; Nova's 400 when one is not found, 409 when a name is not unique)."""
    if not refs:
        return None
    project_id = str(caller.project_id)
    ensure_default(cloud, caller, project_id)
    ids = []
    for ref in refs:
        found = find_group(cloud, project_id, ref.name)
        if not found:
            raise InvalidInput(f"Unable to find security_group with name or id '{ref.name}'")
        if len(found) > 1:
            raise ApiError(409, f"Multiple security_group matches found for name "
                                f"'{ref.name}', use an ID to be more specific.")
        ids.append(found[0]["id"])
    return tuple(dict.fromkeys(ids))


def requested_networks(s: ServerCreate) -> str | tuple[str | PortChoice, ...]:
    """Nova before 2.37 allocates a network when none is named; a port is the user's own."""
    if s.networks is None or s.networks == "auto" or s.networks == []:
        return "auto"
    if s.networks == "none":
        return "none"
    if any(n.uuid is None and n.port is None for n in s.networks):
        raise InvalidInput("Bad networks format: network uuid is not in proper format")
    return tuple(PortChoice(n.port.hex) if n.port else str(n.uuid) for n in s.networks)


def check_versioned_fields(s: ServerCreate, version: Version) -> None:
    for field, since in (("description", "2.19"), ("tags", "2.52"), ("host", "2.74"),
                         ("hypervisor_hostname", "2.74"), ("hostname", "2.90")):
        if field in s.model_fields_set and version < since:
            raise InvalidInput(f"Additional properties are not allowed ('{field}' was "
                               "unexpected)")
    if version >= "2.37" and s.networks is None:
        raise InvalidInput("Invalid input for field/attribute server: 'networks' is a required "
                           "property")
    if version < "2.37" and isinstance(s.networks, str):
        raise InvalidInput(f"Invalid input for field/attribute networks: '{s.networks}' is not "
                           "of type 'array'")


def checked_zone(cloud: CloudServices, zone: str | None) -> str | None:
    if zone is None:
        return None
    name, _, host = zone.partition(":")
    if host:
        raise InvalidInput("Forcing a host (zone:host) is not supported yet.")
    if name not in {h.availability_zone for h in cloud.capacity.hosts().values()}:
        raise InvalidInput("The requested availability zone is not available")
    return name


def uuids(value: UUID | list[UUID] | None) -> tuple[str, ...]:
    return tuple(v.hex for v in (value if isinstance(value, list) else [value] if value else []))


def disk_config(body: BaseModel) -> dict[str, Any]:
    """OS-DCF:diskConfig as given (boot, PUT, rebuild, resize): only shown back, since our
    guests' disks are never repartitioned (Nova's libvirt driver only resizes a filesystem it
    can, for AUTO)."""
    value = getattr(body, "disk_config", None)
    return {"disk_config": value} if "disk_config" in body.model_fields_set and value else {}


def details(server: ServerCreate | ServerUpdate, version: Version) -> dict[str, Any]:
    """Description, access IPs and disk config, as the instance's update records them."""
    changes: dict[str, Any] = {**disk_config(server), **hostname_change(server, version)}
    for field in ("description", "pinned_availability_zone"):
        if field in server.model_fields_set:
            changes[field] = getattr(server, field)
    for field, attr in (("accessIPv4", "access_ip_v4"), ("accessIPv6", "access_ip_v6")):
        if field in server.model_fields_set:
            value = getattr(server, field)
            changes[attr] = str(value) if value is not None else None
    return changes


@router.post("/servers", status_code=202)
def create(body: ServerCreateRequest, response: Response, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, version: ComputeVersion) -> ServerCreatedBody | Reservation:
    engine.enforce("os_compute_api:servers:create",
                   {"project_id": caller.project_id, "user_id": caller.user_id}, caller.creds)
    if version >= "2.74" and (body.server.host or body.server.hypervisor_hostname):
        engine.enforce("compute:servers:create:requested_destination",
                       {"project_id": caller.project_id, "user_id": caller.user_id}, caller.creds)
    request = replace(boot_request(body, version, cloud),
                      security_groups=boot_groups(cloud, caller, body.server.security_groups))
    if body.server.trusted_image_certificates:
        engine.enforce("os_compute_api:servers:create:trusted_certs",
                       {"project_id": caller.project_id, "user_id": caller.user_id}, caller.creds)
    try:
        instances = cloud.boots.boot(caller.ctx, request)
    except NotFound as missing:  # a group named in the hints: bad input, not a missing URL
        raise InvalidInput(str(missing)) from None
    if body.server.return_reservation_id:
        return Reservation(reservation_id=instances[0].reservation_id)
    look = ServerLook(base=cloud.settings.public_url, version=version)
    first = str(instances[0].id)
    response.headers["Location"] = f"{look.base}/compute/v2.1/servers/{first}"
    # The password is shown once and never stored: no event may hold a secret.
    admin_pass = body.server.adminPass or secrets.token_urlsafe(9)
    return ServerCreatedBody(server=created_body(first, look, admin_pass, body.server.disk_config))


# -- read ------------------------------------------------------------------------------------

@router.get("/servers")
def index(request: Request, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
          version: ComputeVersion) -> ServerList:
    return list_servers(request.query_params, cloud, caller, engine, version,  # type: ignore
                        detailed=False)


@router.get("/servers/detail")
def index_detail(request: Request, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
                 version: ComputeVersion) -> ServerDetailList:
    return list_servers(request.query_params, cloud, caller, engine, version,  # type: ignore
                        detailed=True)


@router.get("/servers/{server_id}")
def show(server_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
         version: ComputeVersion) -> ServerShow:
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, "os_compute_api:servers:show", caller, server)
    return ServerShow(server=detail(server, server_look(cloud, caller, engine, version,
                                                        one=server)))


# -- change ----------------------------------------------------------------------------------

@router.put("/servers/{server_id}")
def update(server_id: str, body: ServerUpdateRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, version: ComputeVersion) -> ServerChangedShow:
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, "os_compute_api:servers:update", caller, server)
    for field, since in (("description", "2.19"), ("hostname", "2.90"),
                         ("pinned_availability_zone", "2.104")):
        if field in body.server.model_fields_set and version < since:
            raise InvalidInput(f"Additional properties are not allowed ('{field}' was unexpected)")
    changes = details(body.server, version)
    if body.server.name is not None:
        changes["name"] = body.server.name
    cloud.actions.update(caller.ctx, server["id"], changes)
    return ServerChangedShow(server=changed_shown(cloud, caller, engine, version, server_id))


@router.delete("/servers/{server_id}", status_code=204)
def delete(server_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
           version: ComputeVersion) -> Response:
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, "os_compute_api:servers:delete", caller, server)
    # The command reads the host from the aggregate and asks the capacity view whether it is
    # up: a delete on a down host completes locally (Nova's local delete).
    cloud.actions.delete(caller.ctx, server["id"])
    return Response(status_code=204)
