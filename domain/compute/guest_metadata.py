"""What a guest learns about itself: the documents of Nova's config drive and metadata service.

Built here from `GuestFacts`, plain data the compute worker gathers from the instance's events
(domain/process/compute/guest_facts.py), laid out as Nova's nova/api/metadata/base.py lays them
out for its newest versions: `openstack/latest/{meta_data.json, user_data, vendor_data.json,
network_data.json}` and `ec2/latest/{meta-data.json, user-data}`. Only `latest` is written: a
reader such as cloud-init falls back to it when it finds none of the dated versions it knows.

Pure: the random seed Nova adds to meta_data.json is an argument, so one set of facts always
gives the same bytes in a test.

The metadata service serves the same documents at Nova's paths (domain/compute/metadata_paths.py),
to the guest whose source address it finds (domain/process/network/metadata.py), from an HTTP
server of the network agent in its namespace (adapters/network/metadata_server.py).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import Any

# Nova's `img_config_drive` image property: a drive on request, or always.
CONFIG_DRIVE_POLICIES = ("optional", "mandatory")
LABEL = "config-2"  # the volume label cloud-init and Nova's guests look for
EC2_VERSION = "2009-04-04"  # Nova's newest EC2 metadata version, which `latest` stands for


@dataclass(frozen=True)
class GuestKey:
    name: str
    type: str  # "ssh" or "x509"
    public_key: str


@dataclass(frozen=True)
class GuestLink:
    """One of the guest's ports with the IPv4 subnet it takes its address from."""

    port_id: str  # uuid, dashed
    device: str  # the host's tap device, which Nova names the link after
    mac: str
    network_id: str  # uuid, dashed
    ip_address: str
    dhcp: bool = True
    netmask: str | None = None
    gateway: str | None = None
    dns: tuple[str, ...] = ()
    mtu: int | None = None


@dataclass(frozen=True)
class GuestFacts:
    uuid: str
    name: str
    hostname: str
    project_id: str
    launch_index: int = 0
    reservation_id: str = ""
    availability_zone: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    user_data: str | None = None  # base64, as the API took it
    key: GuestKey | None = None
    flavor_name: str = ""
    image_id: str = ""  # uuid, dashed ("" for a server booted from a volume)
    security_groups: tuple[str, ...] = ()  # names
    links: tuple[GuestLink, ...] = ()


def hostname_of(display_name: str) -> str:
    """Nova's sanitize_hostname: lower case, [a-z0-9.-] only, at most 63 characters."""
    name = re.sub(r"[ _]", "-", display_name.lower())
    name = re.sub(r"[^\w.-]+", "", name, flags=re.ASCII).strip(".-")
    return name[:63] or "server"


def user_data_bytes(facts: GuestFacts) -> bytes | None:
    if facts.user_data is None:
        return None
    try:
        return base64.b64decode(facts.user_data)
    except (binascii.Error, ValueError):  # the API checks it; an old event may not have
        return facts.user_data.encode()


def meta_data(facts: GuestFacts, random_seed: bytes) -> dict[str, Any]:
    """openstack/latest/meta_data.json (Nova's _metadata_as_json at its newest version)."""
    doc: dict[str, Any] = {"uuid": facts.uuid}
    if facts.metadata:
        doc["meta"] = dict(facts.metadata)
    if facts.key is not None:
        doc["public_keys"] = {facts.key.name: facts.key.public_key}
        doc["keys"] = [{"name": facts.key.name, "type": facts.key.type,
                        "data": facts.key.public_key}]
    doc.update(hostname=facts.hostname, name=facts.name, launch_index=facts.launch_index,
               availability_zone=facts.availability_zone,
               random_seed=base64.b64encode(random_seed).decode(),
               project_id=facts.project_id, devices=[], dedicated_cpus=[])
    return doc


def network_data(facts: GuestFacts) -> dict[str, Any]:
    """openstack/latest/network_data.json (Nova's netutils.get_network_metadata)."""
    links, networks, services = [], [], []
    for number, link in enumerate(facts.links):
        links.append({"id": link.device, "vif_id": link.port_id, "type": "phy",
                      "mtu": None if link.dhcp else link.mtu,
                      "ethernet_mac_address": link.mac})
        networks.append(_network(link, number, link.device))
        services += [{"type": "dns", "address": a} for a in link.dns
                     if {"type": "dns", "address": a} not in services]
    return {"links": links, "networks": networks, "services": services}


def _network(link: GuestLink, number: int, link_id: str) -> dict[str, Any]:
    net: dict[str, Any] = {"id": f"network{number}", "type": "ipv4_dhcp" if link.dhcp
                           else "ipv4", "link": link_id, "network_id": link.network_id}
    if link.dhcp:
        return net  # Nova says no more of a subnet whose addresses DHCP gives out
    routes = [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": link.gateway}] \
        if link.gateway else []
    return {**net, "ip_address": link.ip_address, "netmask": link.netmask, "routes": routes,
            "services": [{"type": "dns", "address": a} for a in link.dns]}


def ec2_meta_data(facts: GuestFacts) -> dict[str, Any]:
    """ec2/latest/meta-data.json (Nova's get_ec2_metadata at 2009-04-04, with its public-keys
    shaped as the config drive writes them)."""
    fixed = facts.links[0].ip_address if facts.links else ""
    doc: dict[str, Any] = {
        "ami-id": _ec2_id("ami", facts.image_id) if facts.image_id else "",
        "ami-launch-index": facts.launch_index, "ami-manifest-path": "FIXME",
        "instance-id": _ec2_id("i", facts.uuid), "hostname": facts.hostname,
        "local-ipv4": fixed, "reservation-id": facts.reservation_id,
        "security-groups": list(facts.security_groups)}
    if facts.key is not None:
        doc["public-keys"] = {"0": {"openssh-key": facts.key.public_key}}
    doc.update({"local-hostname": facts.hostname, "public-hostname": facts.hostname,
                "public-ipv4": "", "instance-type": facts.flavor_name,
                "block-device-mapping": {"ami": "vda", "root": "/dev/vda"},
                "placement": {"availability-zone": facts.availability_zone},
                "instance-action": "none"})
    return doc


def _ec2_id(prefix: str, uuid: str) -> str:
    # As the EC2 API front end names the same things (api/ec2/ids.py): 17 hex digits.
    return f"{prefix}-{uuid.replace('-', '')[:17]}"


def config_drive_files(facts: GuestFacts, random_seed: bytes) -> dict[str, bytes]:
    """Every file of the drive, by its path on the drive."""
    files = {
        "openstack/latest/meta_data.json": _json(meta_data(facts, random_seed)),
        "openstack/latest/vendor_data.json": _json({}),  # no vendor data providers here
        "openstack/latest/network_data.json": _json(network_data(facts)),
        "ec2/latest/meta-data.json": _json(ec2_meta_data(facts)),
    }
    user_data = user_data_bytes(facts)
    if user_data is not None:
        files["openstack/latest/user_data"] = user_data
        files["ec2/latest/user-data"] = user_data
    return files


def _json(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc).encode()


def drive_required(requested: bool | None, image_properties: dict[str, Any],
                   forced: bool) -> bool:
    """Nova's configdrive.required_by, decided when the server is created: asked for, forced by
    the deployment (force_config_drive), or demanded by the image (img_config_drive)."""
    return bool(requested) or forced or \
        image_properties.get("img_config_drive") == "mandatory"
