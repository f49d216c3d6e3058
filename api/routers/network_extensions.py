"""Networking `/network/v2.0/extensions`: which Neutron API extensions this cloud answers.

Clients look extensions up before optional features (`openstack port create` asks for
`tag-ports-during-bulk-creation`), so the list must exist; it names only what the routers
really do, so no client turns on a feature skyledger lacks.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.bodies.networks import PREFIX
from api.deps import CallerDep
from domain.errors import NotFound

router = APIRouter(prefix=PREFIX, tags=["network: extensions"])

UPDATED = "2026-11-25T00:00:00-00:00"
EXTENSIONS = {
    "external-net": ("Neutron external network", "The `router:external` attribute: the "
                     "floating IP pool is shown as one external network."),
    "provider": ("Provider Network", "Segment attributes of networks, shown to admins."),
    "quotas": ("Quota management support", "Per-project network quotas."),
    "quota_details": ("Quota details management support", "Quota limits with usage."),
    "quota-check-limit": ("Quota engine limit check", "`check_limit` keeps a new limit "
                          "from going below usage."),
    "security-group": ("security-group", "Security groups and their rules; ports' "
                       "`security_groups`."),
    "project-id": ("project_id field enabled", "Resources show `project_id` besides "
                   "`tenant_id`."),
    "binding": ("Port Binding", "binding:host_id, vnic_type and profile of ports (admins)."),
    "net-mtu": ("Network MTU", "The `mtu` attribute of networks."),
    "net-mtu-writable": ("Network MTU (writable)", "`mtu` set on create and update, up to "
                         "the segment's."),
    "standard-attr-description": ("standard-attr-description", "`description` on networks, "
                                  "subnets and ports."),
    "standard-attr-tag": ("Tag support for resources with standard attribute: subnet, trunk, "
                          "network_segment_range, router, network, policy, subnetpool, port, "
                          "security_group, floatingip", "`/{resources}/{id}/tags` on networks, "
                          "subnets, ports, routers and subnet pools."),
    "pagination": ("Pagination support", "`limit`, `marker` and `page_reverse` on lists."),
    "sorting": ("Sorting support", "`sort_key` and `sort_dir` on lists."),
    "extra_dhcp_opt": ("Neutron Extra DHCP options", "`extra_dhcp_opts` of ports."),
    "allowed-address-pairs": ("Allowed Address Pairs", "`allowed_address_pairs` of ports."),
    "ip-substring-filtering": ("IP address substring filtering", "`fixed_ips="
                               "ip_address_substr=` on the port list."),
    "subnet_allocation": ("Subnet Allocation", "Subnet pools; subnets cut from them by "
                          "prefix length or CIDR."),
    "router": ("Neutron L3 Router", "Routers: a gateway on the external network, interfaces "
               "on subnets, a `router` quota."),
    "ext-gw-mode": ("Neutron L3 Configurable external gateway mode", "`enable_snat` in a "
                    "router's `external_gateway_info`."),
    "extraroute": ("Neutron Extra Route", "A router's `routes`."),
    "extraroute-atomic": ("Atomically add/remove extra routes", "`add_extraroutes` and "
                          "`remove_extraroutes`."),
    "agent": ("agent", "The network agents of each host (segments and bridges, DHCP, L3): "
              "list, show, describe, disable, delete (admins)."),
    "l3_agent_scheduler": ("L3 Agent Scheduler", "Which host's L3 agent runs a router: "
                           "`/agents/{id}/l3-routers` and `/routers/{id}/l3-agents` (admins)."),
    "dhcp_agent_scheduler": ("DHCP Agent Scheduler", "Which hosts' DHCP agents serve a "
                             "network (its instances' hosts, and those it is scheduled to): "
                             "`/agents/{id}/dhcp-networks` and `/networks/{id}/dhcp-agents` "
                             "(admins)."),
    "subnet-external-network": ("Subnet external network", "Subnets of external networks are "
                                "visible to every project."),
}


def extension_body(alias: str) -> dict[str, Any]:
    name, description = EXTENSIONS[alias]
    return {"alias": alias, "name": name, "description": description, "updated": UPDATED,
            "links": []}


@router.get("/extensions")
def index(caller: CallerDep) -> dict[str, Any]:  # any authenticated caller
    return {"extensions": [extension_body(alias) for alias in EXTENSIONS]}


@router.get("/extensions/{alias}")
def show(alias: str, caller: CallerDep) -> dict[str, Any]:
    if alias not in EXTENSIONS:
        raise NotFound(f"Extension with alias {alias} does not exist")
    return {"extension": extension_body(alias)}
