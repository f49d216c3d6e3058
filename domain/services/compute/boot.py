"""Booting servers: one command claims quota, host capacity and group membership atomically.

The instance(s), the project's quota ledger, every chosen compute node and the server group are
saved in ONE `save()`. A concurrent boot that used the same ledger, node or group makes this save
conflict; `@command` then runs the whole decision again on fresh state.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from domain.app import SkyLedger
from domain.catalog.flavor import Flavor, flavor_uuid
from domain.catalog.image import Image
from domain.catalog.keypair import Keypair, keypair_id
from domain.commands import HeldLocks, command
from domain.compute.copies import PortCopy
from domain.compute.guest_metadata import CONFIG_DRIVE_POLICIES, drive_required
from domain.compute.instance import Instance
from domain.compute.node import ComputeNode, node_id
from domain.compute.server_group import ServerGroup
from domain.context import RequestContext
from domain.errors import InvalidInput, NotFound, QuotaExceeded
from domain.network.config import NetworkConfig
from domain.network.network import Network
from domain.quota.ledger import QuotaLedger, ledger_id
from domain.services.compute.boot_tokens import issued, replayed
from domain.services.compute.boot_volumes import RootVolumeRequest, RootVolumes
from domain.services.compute.copies import flavor_copy, image_copy
from domain.services.compute.placement import HostChooser, Nodes, place, request_spec
from domain.services.compute.port_binding import take_port
from domain.services.network.networks import plan_project_network
from domain.services.network.ports import plan_port
from domain.services.network.security_groups import plan_port_groups
from domain.services.network.workset import Workset
from domain.services.quotas import default_limits, open_ledger

MAX_SCHEDULE_ATTEMPTS = 3


@dataclass(frozen=True)
class PortChoice:
    """A port its user made, named at boot (Nova's `networks: [{"port": id}]`)."""

    port_id: str


@dataclass(frozen=True)
class BootRequest:
    name: str
    flavor_ref: str
    image_ref: str
    key_name: str | None = None
    availability_zone: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    user_data: str | None = None
    config_drive: bool | None = None  # one more reason for a drive (guest_metadata.py)
    min_count: int = 1
    max_count: int = 1
    same_host: tuple[str, ...] = ()
    different_host: tuple[str, ...] = ()
    group_id: str | None = None
    # "auto": a port on the project's network (made on first need); "none": no port; or the
    # ids of the project's networks to put one port on each, and the user's ports to bind.
    networks: str | tuple[str | PortChoice, ...] = "auto"
    # The ids of the project's security groups every port of the server joins (the API
    # resolves Nova's names); None: the project's default group.
    security_groups: tuple[str, ...] | None = None
    root: RootVolumeRequest | None = None  # boot from volume (boot_volumes.py); else the image
    # Fields Nova takes at boot that the instance records as its first update, in the boot's
    # own save: description, access_ip_v4, access_ip_v6.
    details: dict[str, Any] = field(default_factory=dict)
    # The host an admin asked for (Nova's 2.74 `host`/`hypervisor_hostname`, one node per host
    # here): only it is considered; it must be a registered compute host.
    requested_host: str | None = None
    # A client's idempotency token (EC2's ClientToken): the same token and request answer the
    # instances its first boot made (boot_tokens.py).
    client_token: str | None = None


def check_keypair(app: SkyLedger, user_id: str, name: str) -> None:
    """A key a server is given must be one of the user's (Nova's 400 otherwise)."""
    keypair = app.find(keypair_id(user_id, name))
    if not isinstance(keypair, Keypair) or keypair.deleted:
        raise InvalidInput("Invalid key_name provided.")


def check_compute_host(app: SkyLedger, host: str) -> None:
    """A requested host must be a registered compute node (Nova's ComputeHostNotFound, 400)."""
    if not isinstance(app.find(node_id(host)), ComputeNode):
        raise InvalidInput(f"Compute host {host} could not be found.")


def parse_uuid(value: str, what: str) -> UUID:
    try:
        return UUID(value)
    except (ValueError, TypeError):
        raise InvalidInput(f"Invalid {what} reference {value!r}.") from None


class BootService:
    def __init__(self, app: SkyLedger, chooser: HostChooser,
                 max_attempts: int = MAX_SCHEDULE_ATTEMPTS,
                 network_config: NetworkConfig | None = None, host_subset_size: int = 1,
                 force_config_drive: bool = False) -> None:
        """Without a `network_config` instances get no ports (compute-only deployments).
        `host_subset_size`: see `place`; `force_config_drive`: every server gets a config
        drive (Nova's force_config_drive)."""
        self.force_config_drive = force_config_drive
        self.app, self.chooser, self.max_attempts = app, chooser, max_attempts
        self.network_config = network_config
        self.host_subset_size = host_subset_size

    @command
    def boot(self, ctx: RequestContext, req: BootRequest) -> list[Instance]:
        # Boots of one project queue on its quota ledger, boots on one host on its node,
        # rather than racing each other to version conflicts (domain/commands.py WriteLocks).
        with self.app.write_locks.scope() as locks:
            earlier = replayed(self.app, str(ctx.project_id), req)
            if earlier is not None:
                return earlier
            return self.claim(ctx, req, locks)

    def claim(self, ctx: RequestContext, req: BootRequest, locks: HeldLocks) -> list[Instance]:
        project_id, user_id = str(ctx.project_id), str(ctx.user_id)
        defaults = default_limits(self.app)
        if req.metadata:  # no item is within any limit: the ledger is loaded under its lock
            open_ledger(self.app, project_id).check_metadata_items(len(req.metadata), defaults,
                                                                   user_id)
        if req.max_count > 1 and any(isinstance(n, PortChoice) for n in req.networks):
            raise InvalidInput("Unable to launch multiple instances with a single configured "
                               "port ID. Please launch your instance one by one with "
                               "different ports.")
        flavor = self.flavor(ctx, req.flavor_ref)
        roots = RootVolumes(self.app, ctx, req.root, flavor) if req.root else None
        image = roots.image if roots else image_copy(self.bootable_image(ctx, req.image_ref))
        if not roots and (image["min_ram"] > flavor.ram or image["min_disk"] > flavor.disk > 0):
            raise InvalidInput("Flavor's memory or disk is too small for requested image.")
        if req.key_name is not None:
            check_keypair(self.app, user_id, req.key_name)
        drive = self.config_drive(req, image.get("properties") or {})
        if req.requested_host is not None:
            check_compute_host(self.app, req.requested_host)
        group = self.group(ctx, req.group_id)
        locks.take(ledger_id(project_id))
        ledger = open_ledger(self.app, project_id)
        count = self.admitted_count(ledger, flavor, req, defaults, user_id)
        ledger.claim(per_instance(flavor, count), defaults, user_id)
        if group is not None:
            self.check_group_quota(ledger, group, count, defaults)
        same, different = self.hint_hosts(req.same_host), self.hint_hosts(req.different_host)
        nodes = Nodes(self.app, locks)
        reservation = f"r-{uuid.uuid4().hex[:8]}"
        instances, hosts = [], []
        for index in range(count):
            name = req.name if count == 1 else f"{req.name}-{index + 1}"
            instance = Instance(
                name=name,
                project_id=project_id,
                user_id=user_id,
                flavor=flavor_copy(flavor),
                image=image.copy(),
                key_name=req.key_name,
                availability_zone=req.availability_zone,
                metadata=dict(req.metadata),
                user_data=req.user_data,
                hints={"same_host": list(req.same_host),
                       "different_host": list(req.different_host),
                       **({"requested_host": req.requested_host}
                          if req.requested_host is not None else {})},
                server_group_id=req.group_id,
                reservation_id=reservation,
                launch_index=index,
                max_attempts=self.max_attempts,
            )
            spec = request_spec(instance, group, same, different,
                                roots.claim_flavor(instance.flavor) if roots else None,
                                req.requested_host)
            host = place(instance, spec, self.chooser, nodes, group,
                         subset=self.host_subset_size)
            if group is not None:
                group.place(instance.id.hex, host)
            instances.append(instance)
            hosts.append(host)
        if None in hosts:
            # Like Nova, a request is placed whole or not at all: every instance goes to ERROR.
            for instance, host in zip(instances, hosts, strict=True):
                if host is not None:
                    nodes.loaded[host].release(instance.id.hex)
                    if group is not None:
                        group.place(instance.id.hex, None)
            hosts = [None] * count
        ports = Workset(self.app, ledger)
        for instance, host in zip(instances, hosts, strict=True):
            if host is None:
                instance.fail_scheduling(no_host_reason(instance))
            else:
                self.plan_ports(ports, instance, req.networks, req.security_groups, ctx)
                if roots:
                    roots.plan(instance, host, ledger)
                instance.claim_host(host)
            if req.details or drive:
                instance.update({**req.details, **({"config_drive": True} if drive else {})})
        self.app.save(*instances, ledger, *nodes.changed(), *([group] if group else []),
                      *ports.changed(), *(roots.changed() if roots else ()),
                      *issued(project_id, req, instances))
        return instances

    def config_drive(self, req: BootRequest, image_properties: dict[str, Any]) -> bool:
        """Decided here, once, as Nova's API and compute manager decide it: the worker builds a
        drive for an instance that recorded one (domain/process/compute/guest_facts.py)."""
        policy = image_properties.get("img_config_drive", "optional")
        if policy not in CONFIG_DRIVE_POLICIES:
            raise InvalidInput(f"Image's config drive option '{policy}' is invalid")
        return drive_required(req.config_drive, image_properties, self.force_config_drive)

    def plan_ports(self, ws: Workset, instance: Instance,
                   networks: str | tuple[str | PortChoice, ...],
                   security_groups: tuple[str, ...] | None, ctx: RequestContext) -> None:
        """Ports are claimed in the boot's own save: the instance never runs without its
        addresses, and the `fixed_ips` quota is counted on the same ledger. A port the user
        made keeps its own security groups, as in Nova."""
        if self.network_config is None or networks == "none":
            return
        if networks == "auto":
            networks = (plan_project_network(ws, self.network_config,
                                              instance.project_id).id.hex,)
        attached = []
        for choice in networks:
            if isinstance(choice, PortChoice):
                attached.append(take_port(ws, ctx, instance, choice.port_id))
                continue
            network_id = self.project_network(ws, instance, choice)
            port = plan_port(ws, network_id, instance.id.hex, project_id=instance.project_id)
            plan_port_groups(ws, port, None if security_groups is None
                             else list(security_groups))
            attached.append(PortCopy(id=port.id.hex, network_id=network_id,
                                     network_name=ws.network(network_id).name, mac=port.mac,
                                     fixed_ip=port.fixed_ip))
        instance.attach_ports(attached)

    def project_network(self, ws: Workset, instance: Instance, ref: str) -> str:
        """The project's own network, or a shared one (Neutron's ports on it are the booting
        project's, counted on its quota)."""
        network = ws.find(parse_uuid(ref, "network"))
        if not isinstance(network, Network) or network.deleted or \
                (network.project_id != instance.project_id and not network.shared):
            raise InvalidInput(f"Network {ref} could not be found.")
        return network.id.hex

    def admitted_count(self, ledger: QuotaLedger, flavor: Flavor, req: BootRequest,
                       defaults: dict[str, int], user_id: str) -> int:
        """Nova boots max_count if the quota allows, else as many as it allows down to min_count."""
        try:
            ledger.check_room(per_instance(flavor, req.max_count), defaults, user_id)
            return req.max_count
        except QuotaExceeded as full:
            for count in range(req.max_count - 1, req.min_count - 1, -1):
                try:
                    ledger.check_room(per_instance(flavor, count), defaults, user_id)
                    return count
                except QuotaExceeded:
                    continue
            raise full from None

    def check_group_quota(self, ledger: QuotaLedger, group: ServerGroup, count: int,
                          defaults: dict[str, int]) -> None:
        limit = ledger.limit("server_group_members", defaults)
        if limit != -1 and len(group.members) + count > limit:
            raise QuotaExceeded("server_group_members", count, len(group.members), limit)

    def flavor(self, ctx: RequestContext, ref: str) -> Flavor:
        flavor = self.app.find(flavor_uuid(str(ref)))
        if (
            not isinstance(flavor, Flavor)
            or flavor.deleted
            or not flavor.visible_to(ctx.project_id, ctx.is_admin)
        ):
            raise InvalidInput(f"Flavor {ref} could not be found.")
        return flavor

    def image(self, ctx: RequestContext, ref: str) -> Image:
        image = self.app.find(parse_uuid(ref, "imageRef"))
        if (
            not isinstance(image, Image)
            or image.deleted
            or not image.visible_to(ctx.project_id, ctx.is_admin)
        ):
            raise InvalidInput(f"Image {ref} could not be found.")
        if image.status != "active":
            raise InvalidInput(f"Image {ref} is not active.")
        return image

    def bootable_image(self, ctx: RequestContext, ref: str) -> Image:
        """An image to boot from. One made of a volume-backed server maps volume snapshots
        and has no data: Nova boots it by making each volume from its snapshot, which is not
        done here yet, so it is refused rather than booted as an empty disk."""
        image = self.image(ctx, ref)
        if "block_device_mapping" in image.properties:
            raise InvalidInput(f"Image {ref} maps volume snapshots (a volume-backed server's "
                               "snapshot); booting from it is not supported yet.")
        return image

    def group(self, ctx: RequestContext, ref: str | None) -> ServerGroup | None:
        if ref is None:
            return None
        group = self.app.find(parse_uuid(ref, "group"))
        if (
            not isinstance(group, ServerGroup)
            or group.deleted
            or (group.project_id != ctx.project_id and not ctx.is_admin)
        ):
            raise NotFound(f"Server group {ref} could not be found.")
        return group

    def hint_hosts(self, instance_refs: tuple[str, ...]) -> tuple[str, ...]:
        hosts = []
        for ref in instance_refs:
            other = self.app.find(parse_uuid(ref, "scheduler hint instance"))
            if not isinstance(other, Instance) or other.deleted:
                raise InvalidInput(f"Instance {ref} in scheduler hints could not be found.")
            if other.host:
                hosts.append(other.host)
        return tuple(hosts)


def per_instance(flavor: Flavor, count: int) -> dict[str, int]:
    return {"instances": count, "cores": count * flavor.vcpus, "ram": count * flavor.ram}


def no_host_reason(instance: Instance) -> str:
    f = instance.flavor
    return (
        f"There are not enough hosts available for {f['vcpus']} vCPU, {f['ram']} MB RAM, "
        f"{f['disk']} GB disk"
        + (f" in zone {instance.availability_zone}" if instance.availability_zone else "")
        + "."
    )
