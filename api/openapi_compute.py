"""The OpenAPI document's bodies of Nova's flavors, keypairs, server groups, os-hypervisors,
os-services, quota sets and limits (servers are api/openapi_servers.py), true for every
microversion this API serves: what a microversion adds or takes away is optional."""

from __future__ import annotations

from api.openapi_schema import (
    BOOL,
    INT,
    LINKS,
    NUMBER,
    STR,
    STRINGS,
    Schema,
    answers,
    array,
    enum,
    ints,
    listing,
    nullable,
    obj,
    wrap,
)
from api.routers.compute_quotas import NETWORK_QUOTAS, NOVA_QUOTAS, PERSONALITY_QUOTAS
from api.routers.compute_server_groups import HARD, SOFT

V21 = "/compute/v2.1"

FLAVOR_CORE: dict[str, Schema] = {"id": STR, "name": STR, "links": LINKS}
FLAVOR = obj(FLAVOR_CORE, {"description": nullable(STR)})  # Nova shows it from 2.55
FLAVOR_DETAIL = obj({
    **FLAVOR_CORE, "ram": INT, "vcpus": INT, "disk": INT,
    "swap": {"anyOf": [INT, {"const": ""}]},  # Nova shows no swap as ""
    "rxtx_factor": NUMBER, "OS-FLV-EXT-DATA:ephemeral": INT, "OS-FLV-DISABLED:disabled": BOOL,
    "os-flavor-access:is_public": BOOL}, {"description": nullable(STR), "extra_specs": STRINGS})

KEY_TYPE = enum(["ssh", "x509"])  # shown from 2.2
KEY_CORE: dict[str, Schema] = {"name": STR, "public_key": STR, "fingerprint": STR}
KEYPAIR_LISTED = obj(KEY_CORE, {"type": KEY_TYPE})
# The private key only when the API generated the pair.
KEYPAIR_CREATED = obj({**KEY_CORE, "user_id": STR}, {"type": KEY_TYPE, "private_key": STR})
KEYPAIR = obj({**KEY_CORE, "user_id": STR, "id": INT, "created_at": STR, "deleted": BOOL},
              {"type": KEY_TYPE, "updated_at": nullable(STR), "deleted_at": nullable(STR)})

POLICY = enum(HARD + SOFT)
# `policies` and `metadata` before 2.64, `policy` and `rules` from it; owners from 2.13.
SERVER_GROUP = {**obj({"id": STR, "name": STR, "members": array(STR)}, {
    "policy": POLICY, "rules": {"type": "object"}, "policies": array(POLICY),
    "metadata": {"type": "object"}, "project_id": STR, "user_id": STR}),
    "anyOf": [{"required": ["policy", "rules"]}, {"required": ["policies", "metadata"]}]}

UP_DOWN, ENABLED = enum(["up", "down"]), enum(["enabled", "disabled"])
SERVICE_ID = {"anyOf": [INT, STR]}  # a number before 2.53, a UUID from it
HYPERVISOR = obj({"id": SERVICE_ID, "hypervisor_hostname": STR, "state": UP_DOWN,
                  "status": ENABLED})
COUNTS = ("vcpus", "vcpus_used", "memory_mb", "memory_mb_used", "local_gb", "local_gb_used",
          "free_ram_mb", "free_disk_gb", "current_workload", "running_vms",
          "disk_available_least")
HYPERVISOR_DETAIL = obj({
    **HYPERVISOR["properties"], **ints(*COUNTS), "hypervisor_type": STR,
    "cpu_info": {"anyOf": [{"type": "object"}, STR]},  # an object from 2.28
    "service": obj({"host": STR, "id": SERVICE_ID}, {"disabled_reason": nullable(STR)})},
    {"hypervisor_version": nullable(INT), "host_ip": nullable(STR)})
SERVICE = obj({"id": SERVICE_ID, "binary": STR, "host": STR, "zone": STR, "status": ENABLED,
               "state": UP_DOWN, "updated_at": nullable(STR),
               "disabled_reason": nullable(STR)}, {"forced_down": BOOL})  # 2.11
# Before 2.53 an update answers only what it changed.
SERVICE_UPDATED = obj({"host": STR, "binary": STR, "status": ENABLED},
                      {**SERVICE["properties"]})

# Resources that some microversions hide (the nova-network ones at 2.36, personality at 2.57).
ALWAYS = tuple(r for r in NOVA_QUOTAS if r not in NETWORK_QUOTAS + PERSONALITY_QUOTAS)
USAGE = obj({"limit": INT, "in_use": INT, "reserved": INT})
QUOTA_SET = obj(ints(*ALWAYS), {"id": STR, **ints(*NOVA_QUOTAS)})
QUOTA_DETAIL = obj({r: USAGE for r in ALWAYS}, {"id": STR, **{r: USAGE for r in NOVA_QUOTAS}})

LIMITS = wrap("limits", obj({"rate": array({"type": "object"}), "absolute": obj(ints(
    "maxTotalRAMSize", "maxTotalInstances", "maxTotalCores", "maxTotalKeypairs",
    "maxServerMeta", "maxServerGroups", "maxServerGroupMembers", "totalRAMUsed",
    "totalCoresUsed", "totalInstancesUsed", "totalServerGroupsUsed"))}))

RESPONSES: dict[tuple[str, str], dict[str, Schema]] = {
    ("get", f"{V21}/flavors"): answers(listing("flavors", FLAVOR)),
    ("get", f"{V21}/flavors/detail"): answers(listing("flavors", FLAVOR_DETAIL)),
    ("get", f"{V21}/flavors/{{flavorid}}"): answers(wrap("flavor", FLAVOR_DETAIL)),
    ("post", f"{V21}/flavors"): answers(wrap("flavor", FLAVOR_DETAIL)),
    ("put", f"{V21}/flavors/{{flavorid}}"): answers(wrap("flavor", FLAVOR_DETAIL)),
    # 200 before 2.2, 201 from it
    ("post", f"{V21}/os-keypairs"): answers(wrap("keypair", KEYPAIR_CREATED), 200, 201),
    ("get", f"{V21}/os-keypairs"): answers(listing(
        "keypairs", wrap("keypair", KEYPAIR_LISTED), "keypairs_links")),
    ("get", f"{V21}/os-keypairs/{{name}}"): answers(wrap("keypair", KEYPAIR)),
    ("get", f"{V21}/os-server-groups"): answers(listing("server_groups", SERVER_GROUP)),
    ("post", f"{V21}/os-server-groups"): answers(wrap("server_group", SERVER_GROUP)),
    ("get", f"{V21}/os-server-groups/{{group_id}}"): answers(wrap("server_group",
                                                                   SERVER_GROUP)),
    ("get", f"{V21}/os-hypervisors"): answers(listing("hypervisors", HYPERVISOR)),
    ("get", f"{V21}/os-hypervisors/detail"): answers(listing("hypervisors",
                                                             HYPERVISOR_DETAIL)),
    ("get", f"{V21}/os-hypervisors/{{hypervisor_id}}"): answers(wrap("hypervisor",
                                                                      HYPERVISOR_DETAIL)),
    ("get", f"{V21}/os-hypervisors/statistics"): answers(wrap(
        "hypervisor_statistics", obj(ints("count", *COUNTS)))),
    ("get", f"{V21}/os-services"): answers(listing("services", SERVICE)),
    ("put", f"{V21}/os-services/{{service_id}}"): answers(wrap("service", SERVICE_UPDATED)),
    ("get", f"{V21}/os-quota-sets/{{project_id}}"): answers(wrap("quota_set", QUOTA_SET)),
    ("put", f"{V21}/os-quota-sets/{{project_id}}"): answers(wrap("quota_set", QUOTA_SET)),
    ("get", f"{V21}/os-quota-sets/{{project_id}}/defaults"): answers(wrap("quota_set",
                                                                           QUOTA_SET)),
    ("get", f"{V21}/os-quota-sets/{{project_id}}/detail"): answers(wrap("quota_set",
                                                                         QUOTA_DETAIL)),
    ("get", f"{V21}/limits"): answers(LIMITS),
}
