"""Compute `/extensions`: Nova's frozen list of the v2 extensions (deprecated; Nova answers the
same static list whatever it runs), here the entries for the APIs this cloud serves plus those
Nova has always listed, with Nova's names, aliases and dates."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import CallerDep
from api.microversions import ComputeVersion
from domain.errors import NotFound

router = APIRouter(prefix="/compute/v2.1", tags=["compute: extensions"])

NAMESPACE = "http://docs.openstack.org/compute/ext/{}/api/v1.1"
# (alias, name, description, updated)
EXTENSIONS = (
    ("os-aggregates", "Aggregates", "Admin-only aggregate administration.", "2012-01-12"),
    ("os-availability-zone", "AvailabilityZone", "1. Add availability_zone to the Create "
     "Server API. 2. Add availability zones describing.", "2012-12-21"),
    ("os-console-output", "ConsoleOutput", "Console log output support, with tailing "
     "ability.", "2011-12-08"),
    ("os-consoles", "Consoles", "Interactive Console support.", "2011-12-23"),
    ("os-extended-server-attributes", "ExtendedServerAttributes", "Extended Server Attributes "
     "support.", "2011-11-03"),
    ("OS-EXT-STS", "ExtendedStatus", "Extended Status support.", "2011-11-03"),
    ("os-flavor-access", "FlavorAccess", "Flavor access support.", "2012-08-01"),
    ("os-flavor-extra-specs", "FlavorExtraSpecs", "Flavors extra specs support.", "2011-06-23"),
    ("os-flavor-manage", "FlavorManage", "Flavor create/delete API support.", "2012-01-19"),
    ("os-hosts", "Hosts", "Admin-only host administration.", "2011-06-29"),
    ("os-hypervisors", "Hypervisors", "Admin-only hypervisor administration.", "2012-06-21"),
    ("os-instance-actions", "InstanceActions", "View a log of actions and events taken on an "
     "instance.", "2013-02-08"),
    ("os-keypairs", "Keypairs", "Keypair Support.", "2011-08-08"),
    ("os-lock-server", "LockServer", "Enable lock/unlock server actions.", "2011-09-14"),
    ("os-quota-sets", "Quotas", "Quotas management support.", "2011-08-08"),
    ("os-server-groups", "ServerGroups", "Server group support.", "2013-06-20"),
    ("os-services", "Services", "Services support.", "2012-10-28"),
    ("os-simple-tenant-usage", "SimpleTenantUsage", "Simple tenant usage extension.",
     "2011-08-19"),
    ("os-volumes", "Volumes", "Volumes support.", "2011-03-25"),
)


def extension(alias: str, name: str, description: str, updated: str) -> dict[str, Any]:
    return {"alias": alias, "name": name, "description": description, "links": [],
            "namespace": NAMESPACE.format(alias), "updated": f"{updated}T00:00:00Z"}


@router.get("/extensions")
def extension_list(caller: CallerDep, version: ComputeVersion) -> dict[str, Any]:
    return {"extensions": [extension(*e) for e in EXTENSIONS]}


@router.get("/extensions/{extension_alias}")
def extension_show(extension_alias: str, caller: CallerDep,
                   version: ComputeVersion) -> dict[str, Any]:
    for entry in EXTENSIONS:
        if entry[0] == extension_alias:
            return {"extension": extension(*entry)}
    raise NotFound(f"Extension {extension_alias} could not be found.")
