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
from ipaddress import IPv4Address, IPv4Network
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
        self._served: list[tuple[IPv4Network, str]] | None = None  # planned, kept

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
        cached = self._served
        found = self._holder(address, cached if cached is not None else self._plan())
        if found is None and cached is not None:  # maybe a network served since: plan again
            found = self._holder(address, self._plan())
        return found

    def _plan(self) -> list[tuple[IPv4Network, str]]:
        """The subnets served here and their networks. Planning loads every instance on the
        host, so it is kept between requests: a network served since is found by planning
        again on a miss, and one no longer served can only name a port its network still
        gives the address to (the lookup below reads the network as it is now)."""
        self._served = [(n.subnet, n.network_id)
                        for n in desired(self.app, self.host).networks.values()]
        return self._served

    def _holder(self, address: IPv4Address, served: list[tuple[IPv4Network, str]],
                ) -> Instance | None:
        networks = [network_id for subnet, network_id in served if address in subnet]
        if len(networks) != 1:  # none, or subnets that overlap: no telling who asks
            return None
        network = self.app.find(UUID(networks[0]))
        holder = network.fixed_ips.get(str(address)) if isinstance(network, Network) else None
        port = self.app.find(UUID(holder)) if holder and len(holder) == 32 else None
        if not isinstance(port, Port) or port.deleted or not port.instance_id:
            return None
        instance = self.app.find(UUID(port.instance_id))
        if not isinstance(instance, Instance) or instance.deleted:
            return None
        return instance
