"""The metadata service's side of the network agent: who asks, and what it is told.

The agent's namespace holds every served project bridge with its subnet's gateway (or DHCP)
address, and 169.254.169.254 on its `lo` (adapters/network/metadata_server.py): a guest's
request to it, routed to its gateway, arrives there from the guest's own fixed address. As
Neutron's metadata proxy adds X-Instance-ID, the requester is found from that address: the
served network whose subnet holds it (subnets of the bridges of one namespace cannot overlap:
the kernel would route only one of them), the port that network gave it, the port's instance.
Then the same facts and documents as its config drive (guest_facts, guest_metadata).

A guest cannot claim another's address: its port filter drops what it sends from any address
but its own (domain/network/port_filters.py), as Neutron's anti-spoofing rules do. An address
of no live instance's port on a served network is told nothing (404).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from ipaddress import IPv4Address
from uuid import UUID

from domain.app import SkyLedger
from domain.compute.instance import Instance
from domain.compute.metadata_paths import NOT_FOUND, MetadataAnswer, answer
from domain.network.network import Network
from domain.network.port import Port
from domain.process.compute.guest_facts import SEED_BYTES, guest_facts
from domain.process.network.plans import desired


class GuestMetadata:
    """Answers `(source address, path)` for the guests of the networks `host` serves; `zone` is
    the host's availability zone, the instance's own when it asked for none."""

    def __init__(self, app: SkyLedger, host: str, zone: str,
                 seed: Callable[[], bytes] = lambda: secrets.token_bytes(SEED_BYTES)) -> None:
        self.app, self.host, self.zone, self.seed = app, host, zone, seed

    def __call__(self, source: str, path: str) -> MetadataAnswer:
        instance = self.requester(source)
        if instance is None:
            return NOT_FOUND
        return answer(path, guest_facts(self.app, instance, self.zone), self.seed())

    def requester(self, source: str) -> Instance | None:
        """The live instance whose port on a network served here holds address `source`."""
        try:
            address = IPv4Address(source)
        except ValueError:
            return None
        # Planned per request: what this host serves now (a port attached a moment ago too).
        served = [n for n in desired(self.app, self.host).networks.values()
                  if address in n.subnet]
        if len(served) != 1:  # none, or subnets that overlap: no telling who asks
            return None
        network = self.app.find(UUID(served[0].network_id))
        holder = network.fixed_ips.get(str(address)) if isinstance(network, Network) else None
        port = self.app.find(UUID(holder)) if holder and len(holder) == 32 else None
        if not isinstance(port, Port) or port.deleted or not port.instance_id:
            return None
        instance = self.app.find(UUID(port.instance_id))
        if not isinstance(instance, Instance) or instance.deleted:
            return None
        return instance
