"""The OpenAPI document's bodies of Nova's servers (api/server_views.py), true for every
microversion this API serves: keys that only some microversions or only admins see are
optional, the others required. Statuses and states are the enums the domain can produce."""

from __future__ import annotations

from api.openapi_schema import (
    BOOL,
    INT,
    LINKS,
    STR,
    STRINGS,
    Schema,
    answers,
    array,
    enum,
    listing,
    nullable,
    obj,
    wrap,
)
from api.server_views import STATUSES
from domain.compute.states import PowerState, TaskState, VmState

SERVERS = "/compute/v2.1/servers"

SUMMARY = obj({"id": STR, "name": STR, "links": LINKS})

# Before 2.47 a reference to the flavor; from 2.47 a copy of what the server was built with.
FLAVOR_REF = obj({"id": STR, "links": LINKS})
FLAVOR_COPY = obj({"original_name": STR, "vcpus": INT, "ram": INT, "disk": INT,
                   "ephemeral": INT, "swap": INT}, {"extra_specs": STRINGS})
# A server booted from a volume has "" for its image.
IMAGE = {"anyOf": [obj({"id": STR, "links": LINKS}), {"const": ""}]}
ADDRESS = obj({"version": enum([4, 6]), "addr": STR},
              {"OS-EXT-IPS:type": enum(["fixed", "floating"]), "OS-EXT-IPS-MAC:mac_addr": STR})

CORE: dict[str, Schema] = {
    "id": STR, "name": STR, "links": LINKS, "status": enum(STATUSES),
    "tenant_id": STR, "user_id": STR, "metadata": STRINGS, "hostId": STR, "image": IMAGE,
    "flavor": {"anyOf": [FLAVOR_REF, FLAVOR_COPY]}, "created": STR, "updated": STR,
    "addresses": {"type": "object", "additionalProperties": array(ADDRESS)},
    "accessIPv4": STR, "accessIPv6": STR, "key_name": nullable(STR),
    "config_drive": STR, "OS-DCF:diskConfig": enum(["AUTO", "MANUAL"]),
    "OS-EXT-AZ:availability_zone": STR,
    "OS-EXT-STS:vm_state": enum(s.value for s in VmState),
    "OS-EXT-STS:task_state": enum((s.value for s in TaskState), null=True),
    "OS-EXT-STS:power_state": enum(int(s) for s in PowerState),
    "OS-SRV-USG:launched_at": nullable(STR), "OS-SRV-USG:terminated_at": nullable(STR),
    # delete_on_termination from 2.3 on
    "os-extended-volumes:volumes_attached": array(obj({"id": STR},
                                                      {"delete_on_termination": BOOL})),
    "security_groups": array(obj({"name": STR})),
}
OPTIONAL: dict[str, Schema] = {
    "progress": INT,
    "fault": obj({"code": INT, "message": STR}, {"created": nullable(STR), "details": STR}),
    "locked": BOOL,  # 2.9
    "host_status": enum(["UP", "DOWN", "MAINTENANCE", "UNKNOWN", ""]),  # 2.16, admins
    "description": nullable(STR),  # 2.19
    "tags": array(STR),  # 2.26
    # os-extended-server-attributes (admins), the last six from 2.3
    "OS-EXT-SRV-ATTR:host": nullable(STR), "OS-EXT-SRV-ATTR:hypervisor_hostname": nullable(STR),
    "OS-EXT-SRV-ATTR:instance_name": STR, "OS-EXT-SRV-ATTR:reservation_id": STR,
    "OS-EXT-SRV-ATTR:launch_index": INT, "OS-EXT-SRV-ATTR:hostname": STR,
    "OS-EXT-SRV-ATTR:kernel_id": STR, "OS-EXT-SRV-ATTR:ramdisk_id": STR,
    "OS-EXT-SRV-ATTR:root_device_name": nullable(STR),
    "OS-EXT-SRV-ATTR:user_data": nullable(STR),
}
DETAIL = obj(CORE, OPTIONAL)

CREATED = obj({"id": STR, "links": LINKS, "OS-DCF:diskConfig": enum(["AUTO", "MANUAL"]),
               "security_groups": array(obj({"name": STR}))}, {"adminPass": STR})
# `return_reservation_id` answers the reservation instead of the server.
CREATE = {"anyOf": [wrap("server", CREATED), obj({"reservation_id": STR})]}

# Nova's volumeAttachment before 2.70: no tag, no attachment or BDM id.
ATTACHMENT = obj({"id": STR, "volumeId": STR, "serverId": STR, "device": nullable(STR)})
ATTACHMENTS = f"{SERVERS}/{{server_id}}/os-volume_attachments"

RESPONSES: dict[tuple[str, str], dict[str, Schema]] = {
    ("post", SERVERS): answers(CREATE, 202),
    ("get", SERVERS): answers(listing("servers", SUMMARY, "servers_links")),
    ("get", f"{SERVERS}/detail"): answers(listing("servers", DETAIL, "servers_links")),
    ("get", f"{SERVERS}/{{server_id}}"): answers(wrap("server", DETAIL)),
    ("put", f"{SERVERS}/{{server_id}}"): answers(wrap("server", DETAIL)),
    ("post", ATTACHMENTS): answers(wrap("volumeAttachment", ATTACHMENT)),
    ("get", ATTACHMENTS): answers(listing("volumeAttachments", ATTACHMENT)),
    ("get", f"{ATTACHMENTS}/{{volume_id}}"): answers(wrap("volumeAttachment", ATTACHMENT)),
}
