"""A project network: its segment, its subnet, and the ledger of the fixed IPs and MACs in use.

The network is the ledger of its own addresses: allocating a port saves the network with the
port (and the project's quota ledger), so two concurrent ports can never get the same address or
MAC. Those allocations serialise per project anyway, because each also saves the project's quota
ledger, so keeping the ledger here adds no new point of contention.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from domain.base import Entity
from domain.errors import InvalidState
from domain.network.errors import InUse, NetworkInUse, PoolExhausted
from domain.network.subnet import Subnet


class Network(Entity):
    class Created(Entity.Created):
        project_id: str
        name: str
        segment_type: str
        segmentation_id: int
        cidr: str

    @event(Created)
    def __init__(self, project_id: str, name: str, segment_type: str, segmentation_id: int,
                 cidr: str) -> None:
        self.project_id, self.name = project_id, name
        self.segment_type, self.segmentation_id = segment_type, segmentation_id
        self.cidr = cidr
        self.fixed_ips: dict[str, str] = {}  # address -> port id (hex)
        self.macs: dict[str, str] = {}  # MAC -> port id (hex)
        self.deleted = False

    @property
    def subnet(self) -> Subnet:
        return Subnet.parse(self.cidr)

    def check_live(self) -> None:
        if self.deleted:
            raise InvalidState(f"Network {self.id} is deleted.")

    def describe(self) -> dict[str, Any]:
        """Plain data for the API and the network agent (Neutron's provider attributes)."""
        return {"id": self.id.hex, "project_id": self.project_id, "name": self.name,
                "provider:network_type": self.segment_type,
                "provider:segmentation_id": self.segmentation_id,
                "subnet": self.subnet.describe(), "ports": len(self.fixed_ips)}

    def reservations(self) -> dict[str, str]:
        """MAC -> fixed IP of every port: the DHCP server's host reservations."""
        by_port = {port: address for address, port in self.fixed_ips.items()}
        return {mac: by_port[port] for mac, port in self.macs.items()}

    # -- the address ledger ---------------------------------------------------------------------
    def free_address(self) -> str:
        """The lowest address no port holds: released addresses are reused first."""
        subnet = self.subnet
        found = next((a for a in subnet.allocatable() if a not in self.fixed_ips), None)
        if found is None:
            raise PoolExhausted(f"No more IP addresses available on network {self.id} "
                                f"({subnet.cidr}, {subnet.size} in use).")
        return found

    def allocate_fixed_ip(self, port_id: str, mac: str, address: str | None = None) -> str:
        """Record `port_id`'s address (the lowest free one, or the one asked for) and MAC."""
        self.check_live()
        if address is None:
            address = self.free_address()
        else:
            address = self.subnet.check_allocatable(address)
            if address in self.fixed_ips:
                raise InUse(f"IP address {address} is already allocated on network {self.id}.")
        if mac in self.macs:
            raise InUse(f"MAC address {mac} is already in use on network {self.id}.")
        self._fixed_ip_allocated(port_id, address, mac)
        return address

    class FixedIpAllocated(Entity.Event):
        port_id: str
        address: str
        mac: str

    @event(FixedIpAllocated)
    def _fixed_ip_allocated(self, port_id: str, address: str, mac: str) -> None:
        self.fixed_ips[address] = port_id
        self.macs[mac] = port_id

    def release_fixed_ip(self, port_id: str, address: str, mac: str) -> None:
        """Free the port's address and MAC; a second release changes nothing."""
        if self.fixed_ips.get(address) == port_id:
            self._fixed_ip_released(port_id, address, mac)

    class FixedIpReleased(Entity.Event):
        port_id: str
        address: str
        mac: str

    @event(FixedIpReleased)
    def _fixed_ip_released(self, port_id: str, address: str, mac: str) -> None:
        del self.fixed_ips[address]
        if self.macs.get(mac) == port_id:
            del self.macs[mac]

    # -- end of life ----------------------------------------------------------------------------
    def delete(self) -> None:
        self.check_live()
        if self.fixed_ips:
            raise NetworkInUse(f"Unable to complete operation on network {self.id}. There are "
                               f"{len(self.fixed_ips)} ports still in use on the network.")
        self._deleted()

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def _deleted(self) -> None:
        self.deleted = True
