"""The facts a guest is told about itself, gathered from the events of the instance and of what
it names: its key pair, its ports' networks and security groups (domain/compute/guest_metadata.py
turns them into Nova's documents).

An instance recorded `config_drive` when it was created (domain/services/compute/boot.py decides
it as Nova does, from the request, the image's `img_config_drive` and `force_config_drive`); only
then does its guest get the drive's files.
"""

from __future__ import annotations

import secrets
from uuid import UUID

from domain.app import SkyLedger
from domain.catalog.keypair import Keypair, keypair_id
from domain.compute.copies import PortCopy
from domain.compute.guest_metadata import (
    GuestFacts,
    GuestKey,
    GuestLink,
    config_drive_files,
    hostname_of,
)
from domain.compute.instance import Instance
from domain.network.network import Network
from domain.network.port import Port
from domain.network.port_filters import tap_device
from domain.network.security_group import SecurityGroup

SEED_BYTES = 512  # as Nova's random_seed


def drive_files(app: SkyLedger, instance: Instance, zone: str) -> dict[str, bytes] | None:
    """The config drive's files, or None for an instance that has no drive. `zone`: the host's
    availability zone, the instance's own when it asked for none."""
    if not getattr(instance, "config_drive", False):
        return None
    return config_drive_files(guest_facts(app, instance, zone), secrets.token_bytes(SEED_BYTES))


def guest_facts(app: SkyLedger, instance: Instance, zone: str) -> GuestFacts:
    image_id = instance.image.get("id")
    return GuestFacts(
        uuid=str(instance.id), name=instance.name,
        hostname=getattr(instance, "hostname", None) or hostname_of(instance.name),
        project_id=instance.project_id, launch_index=instance.launch_index,
        reservation_id=instance.reservation_id,
        availability_zone=instance.availability_zone or zone,
        metadata=dict(instance.metadata), user_data=instance.user_data,
        key=_key(app, instance), flavor_name=instance.flavor["name"],
        image_id=str(UUID(image_id)) if image_id else "",
        security_groups=_group_names(app, instance.ports),
        links=tuple(_link(app, port) for port in instance.ports))


def _key(app: SkyLedger, instance: Instance) -> GuestKey | None:
    """The instance's key pair as it is now (Nova keeps a copy taken at boot; a key pair
    deleted since leaves the guest without one here)."""
    if not instance.key_name:
        return None
    keypair = app.find(keypair_id(instance.user_id, instance.key_name))
    if not isinstance(keypair, Keypair) or keypair.deleted:
        return None
    return GuestKey(keypair.name, keypair.type, keypair.public_key)


def _link(app: SkyLedger, port: PortCopy) -> GuestLink:
    network = app.find(UUID(port["network_id"]))
    subnet = network.primary_subnet() if isinstance(network, Network) else None
    return GuestLink(
        port_id=str(UUID(port["id"])), device=tap_device(port["id"]), mac=port["mac"],
        network_id=str(UUID(port["network_id"])), ip_address=port["fixed_ip"],
        dhcp=subnet.enable_dhcp if subnet else True,
        netmask=str(subnet.network.netmask) if subnet else None,
        gateway=subnet.gateway_ip if subnet else None,
        dns=subnet.dns_nameservers if subnet else ())


def _group_names(app: SkyLedger, ports: list[PortCopy]) -> tuple[str, ...]:
    names: list[str] = []
    for port_copy in ports:
        port = app.find(UUID(port_copy["id"]))
        for group_id in port.security_groups if isinstance(port, Port) else ():
            group = app.find(UUID(group_id))
            if isinstance(group, SecurityGroup) and group.name not in names:
                names.append(group.name)
    return tuple(names)
