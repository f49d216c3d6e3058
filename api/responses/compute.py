"""Nova's bodies other than servers: flavors, keypairs, server groups, os-hypervisors,
os-services, quota sets and limits; one model per microversion where the shape changes."""

from __future__ import annotations

from typing import Any, TypeVar, Union

from pydantic import Field, create_model

from api.microversions import Version
from api.responses.base import MISSING, Body, Link, one_of

B = TypeVar("B", bound=Body)


def newest(version: Version, models: tuple[tuple[str, type[B]], ...]) -> type[B]:
    """The first of `models` (newest first) whose microversion is at or below `version`."""
    return next(model for since, model in models if version >= since)


# -- flavors -----------------------------------------------------------------------------------

class Flavor(Body):
    id: str
    name: str
    links: list[Link]


class FlavorV255(Flavor):
    description: str | None


class FlavorDetail(Flavor):
    ram: int
    vcpus: int
    disk: int
    swap: int | one_of([""])  # type: ignore[valid-type]  # Nova shows no swap as ""
    rxtx_factor: float
    ephemeral: int = Field(alias="OS-FLV-EXT-DATA:ephemeral")
    disabled: bool = Field(alias="OS-FLV-DISABLED:disabled")
    is_public: bool = Field(alias="os-flavor-access:is_public")


class FlavorDetailV255(FlavorDetail):
    description: str | None


class FlavorDetailV261(FlavorDetailV255):
    extra_specs: dict[str, str]


class FlavorDetailV2102(FlavorV255):
    """2.102 drops rxtx_factor and OS-FLV-DISABLED:disabled."""

    ram: int
    vcpus: int
    disk: int
    swap: int
    ephemeral: int = Field(alias="OS-FLV-EXT-DATA:ephemeral")
    is_public: bool = Field(alias="os-flavor-access:is_public")
    extra_specs: dict[str, str]


# Newest first, as `newest` reads them: 2.55 adds the description, 2.61 the extra specs.
FLAVOR_MODELS: tuple[tuple[str, type[Body]], ...] = (("2.55", FlavorV255), ("2.1", Flavor))
FLAVOR_DETAIL_MODELS: tuple[tuple[str, type[Body]], ...] = (
    ("2.102", FlavorDetailV2102), ("2.61", FlavorDetailV261), ("2.55", FlavorDetailV255),
    ("2.1", FlavorDetail))
AnyFlavor = FlavorV255 | Flavor
AnyFlavorDetail = FlavorDetailV2102 | FlavorDetailV261 | FlavorDetailV255 | FlavorDetail


class FlavorList(Body):
    flavors: list[AnyFlavor]


class FlavorDetailList(Body):
    flavors: list[AnyFlavorDetail]


class FlavorShow(Body):
    flavor: AnyFlavorDetail


class ExtraSpecs(Body):
    extra_specs: dict[str, str]


class FlavorAccess(Body):
    flavor_id: str
    tenant_id: str


class FlavorAccessList(Body):
    flavor_access: list[FlavorAccess]


# -- keypairs ----------------------------------------------------------------------------------

KeyType = one_of(["ssh", "x509"])


class KeypairListed(Body):
    name: str
    public_key: str
    fingerprint: str


class KeypairListedV22(KeypairListed):
    type: KeyType  # type: ignore[valid-type]


class KeypairCreated(KeypairListed):
    user_id: str
    private_key: str = MISSING  # type: ignore[assignment]  # only when the API made the pair


class KeypairCreatedV22(KeypairCreated):
    type: KeyType  # type: ignore[valid-type]


class Keypair(KeypairListed):
    user_id: str
    id: int
    created_at: str
    updated_at: str | None
    deleted: bool
    deleted_at: str | None


class KeypairV22(Keypair):
    type: KeyType  # type: ignore[valid-type]


class KeypairItem(Body):
    keypair: KeypairListedV22 | KeypairListed


class KeypairList(Body):
    keypairs: list[KeypairItem]
    keypairs_links: list[Link] = MISSING  # type: ignore[assignment]


class KeypairCreatedBody(Body):
    keypair: KeypairCreatedV22 | KeypairCreated


class KeypairShow(Body):
    keypair: KeypairV22 | Keypair


def keypair_model(version: Version, plain: type[B], typed: type[B]) -> type[B]:
    """`type` is shown from 2.2."""
    return typed if version >= "2.2" else plain


# -- server groups -----------------------------------------------------------------------------

HARD = ("anti-affinity", "affinity")
SOFT = ("soft-anti-affinity", "soft-affinity")  # from 2.15
Policy = one_of(HARD + SOFT)


class ServerGroup(Body):
    """Before 2.64: a list of policies and (always empty) metadata."""

    id: str
    name: str
    members: list[str]
    policies: list[Policy]  # type: ignore[valid-type]
    metadata: dict[str, Any]


class ServerGroupV213(ServerGroup):
    project_id: str
    user_id: str


class ServerGroupV264(Body):
    id: str
    name: str
    members: list[str]
    policy: Policy  # type: ignore[valid-type]
    rules: dict[str, Any]
    project_id: str
    user_id: str


AnyServerGroup = ServerGroupV264 | ServerGroupV213 | ServerGroup
SERVER_GROUP_MODELS: tuple[tuple[str, type[AnyServerGroup]], ...] = (
    ("2.64", ServerGroupV264), ("2.13", ServerGroupV213), ("2.1", ServerGroup))


class ServerGroupShow(Body):
    server_group: AnyServerGroup


class ServerGroupList(Body):
    server_groups: list[AnyServerGroup]


# -- os-hypervisors and os-services -------------------------------------------------------------

UpDown, Enabled = one_of(["up", "down"]), one_of(["enabled", "disabled"])
ServiceId = int | str  # a number before 2.53, a UUID from it


class Hypervisor(Body):
    id: ServiceId
    hypervisor_hostname: str
    state: UpDown  # type: ignore[valid-type]
    status: Enabled  # type: ignore[valid-type]


class HypervisorService(Body):
    host: str
    id: ServiceId
    disabled_reason: str | None


COUNTS = ("vcpus", "vcpus_used", "memory_mb", "memory_mb_used", "local_gb", "local_gb_used",
          "free_ram_mb", "free_disk_gb", "disk_available_least", "current_workload",
          "running_vms")
# Typed as Any: mypy checks a `**` dict against create_model's own `__base__`, `__config__`, …
# parameters too.
INT_COUNTS: dict[str, Any] = {name: (int, ...) for name in COUNTS}
HypervisorCounts: Any = create_model("HypervisorCounts", __base__=Hypervisor, **INT_COUNTS)


class HypervisorDetail(HypervisorCounts):  # type: ignore[misc]  # a model made at import time
    hypervisor_type: str
    hypervisor_version: int | None
    host_ip: str | None
    cpu_info: str  # "{}": a JSON string before 2.28
    service: HypervisorService


class HypervisorDetailV228(HypervisorDetail):
    cpu_info: dict[str, Any]  # type: ignore[assignment]


AnyHypervisorDetail = HypervisorDetailV228 | HypervisorDetail


class HypervisorList(Body):
    hypervisors: list[Hypervisor]


class HypervisorDetailList(Body):
    hypervisors: list[AnyHypervisorDetail]


class HypervisorShow(Body):
    hypervisor: AnyHypervisorDetail


Statistics: Any = create_model(
    "HypervisorStatistics", __base__=Body, count=(int, ...), **INT_COUNTS)


class HypervisorStatistics(Body):
    hypervisor_statistics: Statistics


class Service(Body):
    id: ServiceId
    binary: str
    host: str
    zone: str
    status: Enabled  # type: ignore[valid-type]
    state: UpDown  # type: ignore[valid-type]
    updated_at: str | None
    disabled_reason: str | None


class ServiceV211(Service):
    forced_down: bool


class ServiceList(Body):
    services: list[ServiceV211 | Service]


class ServiceChanged(Body):
    """Before 2.53 an update answers only what it changed."""

    host: str
    binary: str
    status: Enabled  # type: ignore[valid-type]
    disabled_reason: str = MISSING  # type: ignore[assignment]


class ServiceForcedDown(Body):
    """`PUT /os-services/force-down` (2.11 to 2.52) answers what it changed."""

    host: str
    binary: str
    forced_down: bool


class ServiceUpdated(Body):
    service: ServiceV211 | Service | ServiceChanged | ServiceForcedDown


class ZoneState(Body):
    available: bool


class ZoneService(Body):
    available: bool
    active: bool
    updated_at: str | None


class Zone(Body):
    zoneName: str  # noqa: N815 - Nova's keys
    zoneState: ZoneState  # noqa: N815
    hosts: dict[str, dict[str, ZoneService]] | None  # by host, then by service; detail only


class Zones(Body):
    availabilityZoneInfo: list[Zone]  # noqa: N815


# -- quota sets and limits ---------------------------------------------------------------------

def counts(name: str, keys: tuple[str, ...], value: Any = int, **more: Any) -> Any:
    """A model of integer (or `value`) keys, for Nova's and Cinder's flat count bodies."""
    fields: dict[str, Any] = {k: (value, ...) for k in keys}  # Any: as INT_COUNTS
    return create_model(name, __base__=Body, **fields, **more)


# Nova's quota resources, in its order (volumes and gigabytes are Cinder's, not shown here);
# the nova-network ones go at 2.36, the personality-file ones at 2.57.
NOVA_QUOTAS = ("instances", "cores", "ram", "metadata_items", "injected_files",
               "injected_file_content_bytes", "injected_file_path_bytes", "key_pairs",
               "server_groups", "server_group_members", "fixed_ips", "floating_ips",
               "security_groups", "security_group_rules")
NETWORK_QUOTAS = ("fixed_ips", "floating_ips", "security_groups", "security_group_rules")
PERSONALITY_QUOTAS = ("injected_files", "injected_file_content_bytes",
                      "injected_file_path_bytes")


def quota_resources(version: Version) -> tuple[str, ...]:
    hidden = (NETWORK_QUOTAS if version >= "2.36" else ()) + (
        PERSONALITY_QUOTAS if version >= "2.57" else ())
    return tuple(r for r in NOVA_QUOTAS if r not in hidden)


class Usage(Body):
    limit: int
    in_use: int
    reserved: int


QUOTA_VERSIONS = ("2.57", "2.36", "2.1")
# An update answers without the id.
QUOTA_SETS = tuple((v, counts(f"QuotaSetV{v.replace('.', '')}", quota_resources(Version.of(v)),
                              id=(str, MISSING))) for v in QUOTA_VERSIONS)
QUOTA_DETAILS = tuple((v, counts(f"QuotaDetailV{v.replace('.', '')}",
                                 quota_resources(Version.of(v)), Usage, id=(str, MISSING)))
                      for v in QUOTA_VERSIONS)

QuotaSets: Any = Union[tuple(model for _, model in QUOTA_SETS)]  # noqa: UP007
QuotaDetails: Any = Union[tuple(model for _, model in QUOTA_DETAILS)]  # noqa: UP007


class QuotaSetShow(Body):
    quota_set: QuotaSets


class QuotaDetailShow(Body):
    quota_set: QuotaDetails


# Nova's /limits names, and the microversion from which each is no longer shown.
LIMITS = {"maxTotalRAMSize": None, "maxTotalInstances": None, "maxTotalCores": None,
          "maxTotalKeypairs": None, "maxTotalFloatingIps": "2.36", "maxServerMeta": None,
          "maxImageMeta": "2.39", "maxPersonality": "2.57", "maxPersonalitySize": "2.57",
          "maxSecurityGroups": "2.36", "maxSecurityGroupRules": "2.36",
          "maxServerGroups": None, "maxServerGroupMembers": None, "totalRAMUsed": None,
          "totalCoresUsed": None, "totalInstancesUsed": None, "totalFloatingIpsUsed": "2.36",
          "totalSecurityGroupsUsed": "2.36", "totalServerGroupsUsed": None}
ABSOLUTE_LIMITS = tuple((v, counts(f"AbsoluteLimitsV{v.replace('.', '')}", tuple(
    name for name, gone in LIMITS.items() if gone is None or Version.of(v) < gone)))
    for v in ("2.57", "2.39", "2.36", "2.1"))
AbsoluteLimits: Any = Union[tuple(model for _, model in ABSOLUTE_LIMITS)]  # noqa: UP007


class Limits(Body):
    rate: list[dict[str, Any]]
    absolute: AbsoluteLimits


class LimitsShow(Body):
    limits: Limits
