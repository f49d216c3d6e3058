"""A network: its segment, its subnets, and the ledger of the fixed IPs and MACs in use.

The network is the ledger of its own addresses, across all its subnets: allocating a port saves
the network with the port (and the project's quota ledger), so two concurrent ports can never
get the same address or MAC, and a subnet is removed only when no port holds an address on it
(checked on this same aggregate). A project's auto-made network (`cidr` set) has its first
subnet carved from the tenant supernet; a network made through the API starts with none.
"""

from __future__ import annotations

from ipaddress import ip_address
from typing import Any

from eventsourcing.domain import event

from domain.base import Entity, natural_id
from domain.errors import InvalidInput, InvalidState, NotFound
from domain.network.addressing import (
    FixedIpRequest,
    default_addresses,
    free_address,
    requested_addresses,
)
from domain.network.errors import InUse, NetworkInUse, PoolExhausted, SubnetInUse
from domain.network.subnet import Subnet
from domain.network.subnet_spec import SubnetSpec

# What a network is unless told otherwise (Neutron's defaults); `Updated` records changes.
DEFAULT_ATTRIBUTES: dict[str, Any] = {
    "shared": False, "router:external": False, "admin_state_up": True, "description": "",
    "mtu": None, "port_security_enabled": True, "is_default": False,
}


# Who holds the DHCP server's address in the ledger (a port id is a hex uuid, never this).
DHCP_HOLDER = "dhcp"


def carved_subnet_id(network_id: str) -> str:
    """The id of an auto-made network's first subnet (derived, as it always was)."""
    return natural_id("subnet", network_id).hex


def carved_subnet(network_id: str, project_id: str, name: str, cidr: str) -> SubnetSpec:
    layout = Subnet.parse(cidr)
    return SubnetSpec(id=carved_subnet_id(network_id), network_id=network_id,
                      project_id=project_id, cidr=layout.cidr, ip_version=4,
                      gateway_ip=str(layout.gateway),
                      allocation_pools=((str(layout.first), str(layout.last)),),
                      name=f"{name}-subnet")


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
        self.attributes: dict[str, Any] = dict(DEFAULT_ATTRIBUTES)
        self.subnets: dict[str, dict[str, Any]] = {}  # subnet id (hex) -> SubnetSpec data
        # subnet id -> the address of the host's DHCP server there, once a router is the
        # subnet's gateway (held in `fixed_ips` too, by DHCP_HOLDER, so no port takes it)
        self.dhcp_addresses: dict[str, str] = {}
        # address -> floating IP id (hex), for an external network's floating IPs (held in
        # `fixed_ips` too, so no port takes them; they have no MAC)
        self.floating_addresses: dict[str, str] = {}
        if cidr:
            spec = carved_subnet(self.id.hex, project_id, name, cidr)
            self.subnets[spec.id] = spec.as_data()

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
                "subnet": self.subnet.describe() if self.cidr else None,
                "subnets": sorted(self.subnets), "ports": len(self.fixed_ips)}

    def reservations(self) -> dict[str, str]:
        """MAC -> fixed IP of every port: the DHCP server's host reservations."""
        by_port = {port: address for address, port in self.fixed_ips.items()}
        return {mac: by_port[port] for mac, port in self.macs.items()}

    # -- attributes -----------------------------------------------------------------------------
    def update(self, changes: dict[str, Any]) -> None:
        """Record the attributes that differ (name and DEFAULT_ATTRIBUTES' keys)."""
        self.check_live()
        current = {"name": self.name, **self.attributes}
        changed = {k: v for k, v in changes.items() if current.get(k, object()) != v}
        unknown = set(changed) - set(current)
        if unknown:
            raise InvalidInput(f"Unrecognized attribute(s) '{', '.join(sorted(unknown))}'.")
        if changed:
            self._updated(changed)

    class Updated(Entity.Event):
        changes: dict[str, Any]

    @event(Updated)
    def _updated(self, changes: dict[str, Any]) -> None:
        self.name = changes.get("name", self.name)
        self.attributes.update({k: v for k, v in changes.items() if k != "name"})

    @property
    def shared(self) -> bool:
        return bool(self.attributes["shared"])

    @property
    def external(self) -> bool:
        return bool(self.attributes["router:external"])

    # -- subnets --------------------------------------------------------------------------------
    def subnet_specs(self) -> list[SubnetSpec]:
        return [SubnetSpec.from_data(d) for d in self.subnets.values()]

    def subnet_spec(self, subnet_id: str) -> SubnetSpec:
        if subnet_id not in self.subnets:
            raise NotFound(f"Subnet {subnet_id} could not be found.")
        return SubnetSpec.from_data(self.subnets[subnet_id])

    def primary_subnet(self) -> SubnetSpec | None:
        """The first IPv4 subnet: the one the host's bridge and DHCP server serve."""
        return next((s for s in self.subnet_specs() if s.ip_version == 4), None)

    def add_subnet(self, spec: SubnetSpec) -> None:
        """A subnet of this network; it may not overlap another of the network's subnets."""
        self.check_live()
        for other in self.subnet_specs():
            if other.network.version == spec.network.version and \
                    other.network.overlaps(spec.network):
                raise InvalidInput(f"Invalid input for operation: Requested subnet with cidr: "
                                   f"{spec.cidr} for network: {self.id} overlaps with another "
                                   "subnet.")
        self._subnet_added(spec.as_data())

    class SubnetAdded(Entity.Event):
        subnet: dict[str, Any]

    @event(SubnetAdded)
    def _subnet_added(self, subnet: dict[str, Any]) -> None:
        self.subnets[subnet["id"]] = subnet

    def change_subnet(self, spec: SubnetSpec) -> None:
        self.check_live()
        self.subnet_spec(spec.id)
        if spec.as_data() != self.subnets[spec.id]:
            self._subnet_updated(spec.as_data())

    class SubnetUpdated(Entity.Event):
        subnet: dict[str, Any]

    @event(SubnetUpdated)
    def _subnet_updated(self, subnet: dict[str, Any]) -> None:
        self.subnets[subnet["id"]] = subnet

    def remove_subnet(self, subnet_id: str) -> SubnetSpec:
        """Refused (SubnetInUse) while a port holds an address on it."""
        self.check_live()
        spec = self.subnet_spec(subnet_id)
        held = [a for a, holder in self.fixed_ips.items()
                if _within(a, spec) and holder != DHCP_HOLDER]
        if held:
            raise SubnetInUse(f"Unable to complete operation on subnet {subnet_id}: One or "
                              f"more ports have an IP allocation from this subnet.")
        self._subnet_removed(subnet_id)
        return spec

    class SubnetRemoved(Entity.Event):
        subnet_id: str

    @event(SubnetRemoved)
    def _subnet_removed(self, subnet_id: str) -> None:
        del self.subnets[subnet_id]
        address = self.dhcp_addresses.pop(subnet_id, None)
        if address is not None:  # the DHCP server's address goes with its subnet
            del self.fixed_ips[address]

    # -- the DHCP server's own address ----------------------------------------------------------
    def reserve_dhcp_address(self, subnet_id: str) -> str:
        """An address of the subnet for the hosts' DHCP server, once a router holds the
        gateway (Neutron's `network:dhcp` port): the bridge cannot carry the gateway then."""
        self.check_live()
        if subnet_id in self.dhcp_addresses:
            return self.dhcp_addresses[subnet_id]
        address = free_address(self.subnet_spec(subnet_id), self.fixed_ips)
        if address is None:
            raise PoolExhausted(f"No more IP addresses available on subnet {subnet_id}.")
        self._dhcp_address_reserved(subnet_id, address)
        return address

    class DhcpAddressReserved(Entity.Event):
        subnet_id: str
        address: str

    @event(DhcpAddressReserved)
    def _dhcp_address_reserved(self, subnet_id: str, address: str) -> None:
        self.dhcp_addresses[subnet_id] = address
        self.fixed_ips[address] = DHCP_HOLDER

    # -- floating IPs of an external network ---------------------------------------------------
    def floating_address_for(self, request: FixedIpRequest) -> str:
        """The IPv4 address a floating IP would take for the subnet and/or address asked for
        (a `router:external` network only): Neutron's rules for a port's fixed IP, no MAC.
        Nothing is recorded: `hold_floating_address` does, once the floating IP has an id."""
        self.check_live()
        if not self.external:
            raise InvalidInput(f"Bad floatingip request: Network {self.id} is not a valid "
                               "external network.")
        specs = {s.id: s for s in self.subnet_specs() if s.ip_version == 4}
        if not specs:
            raise InvalidInput(f"Bad floatingip request: Network {self.id} does not contain "
                               "any IPv4 subnet.")
        if request.subnet_id is not None and request.subnet_id not in specs:
            raise InvalidInput(f"Bad floatingip request: Subnet {request.subnet_id} is not an "
                               f"IPv4 subnet of network {self.id}.")
        if request.subnet_id is None and request.ip_address is None:
            # The first subnet with a free address (candidates skip gateways and held ones).
            spec = next((s for s in specs.values() if free_address(s, self.fixed_ips)),
                        next(iter(specs.values())))
            request = FixedIpRequest(subnet_id=spec.id)
        [(_, address)] = requested_addresses(specs, [request], self.fixed_ips, "", mac="")
        return address

    def hold_floating_address(self, floating_ip_id: str, address: str) -> None:
        if self.fixed_ips.get(address, floating_ip_id) != floating_ip_id:
            raise InUse(f"IP address {address} already allocated on network {self.id}.")
        if address not in self.fixed_ips:
            self._floating_address_held(floating_ip_id, address)

    class FloatingAddressHeld(Entity.Event):
        floating_ip_id: str
        address: str

    @event(FloatingAddressHeld)
    def _floating_address_held(self, floating_ip_id: str, address: str) -> None:
        self.fixed_ips[address] = self.floating_addresses[address] = floating_ip_id

    def release_floating_address(self, floating_ip_id: str, address: str) -> None:
        """Give the address back (only its floating IP can; twice changes nothing)."""
        if self.floating_addresses.get(address) == floating_ip_id:
            self._floating_address_released(floating_ip_id, address)

    class FloatingAddressReleased(Entity.Event):
        floating_ip_id: str
        address: str

    @event(FloatingAddressReleased)
    def _floating_address_released(self, floating_ip_id: str, address: str) -> None:
        del self.fixed_ips[address], self.floating_addresses[address]

    # -- the address ledger ---------------------------------------------------------------------
    def allocate_addresses(self, port_id: str, mac: str,
                           requests: list[FixedIpRequest] | None) -> list[tuple[str, str]]:
        """Record the port's MAC and its (subnet id, address) pairs: the defaults, or what
        `requests` asks for (see addressing.py); a MAC in use is InUse."""
        self.check_live()
        if self.macs.get(mac, port_id) != port_id:
            raise InUse(f"MAC address {mac} is already in use on network {self.id}.")
        if requests is None:
            chosen = default_addresses(self.subnet_specs(), self.fixed_ips, mac)
            for _, address in chosen:
                if self.fixed_ips.get(address, port_id) != port_id:
                    raise InUse(f"IP address {address} already allocated on network "
                                f"{self.id}.")
        else:
            specs = {s.id: s for s in self.subnet_specs()}
            chosen = requested_addresses(specs, requests, self.fixed_ips, port_id, mac)
        new = [a for _, a in chosen if self.fixed_ips.get(a) != port_id]
        if new or mac not in self.macs:
            self._addresses_allocated(port_id, mac, new)
        return chosen

    def allocate_fixed_ip(self, port_id: str, mac: str, address: str | None = None) -> str:
        """One address (the first default one, or `address`): the single-subnet shorthand."""
        requests = None if address is None else [FixedIpRequest(ip_address=address)]
        chosen = self.allocate_addresses(port_id, mac, requests)
        if not chosen:
            raise PoolExhausted(f"Network {self.id} has no subnet to allocate from.")
        return chosen[0][1]

    class AddressesAllocated(Entity.Event):
        port_id: str
        mac: str
        addresses: list[str]

    @event(AddressesAllocated)
    def _addresses_allocated(self, port_id: str, mac: str, addresses: list[str]) -> None:
        self.macs[mac] = port_id
        for address in addresses:
            self.fixed_ips[address] = port_id

    def release_addresses(self, port_id: str, mac: str, addresses: list[str],
                          keep_mac: bool = False) -> None:
        """Free the port's addresses (and its MAC unless `keep_mac`); twice changes nothing."""
        mine = [a for a in addresses if self.fixed_ips.get(a) == port_id]
        drop_mac = not keep_mac and self.macs.get(mac) == port_id
        if mine or drop_mac:
            self._addresses_released(port_id, mac, mine, drop_mac)

    class AddressesReleased(Entity.Event):
        port_id: str
        mac: str
        addresses: list[str]
        mac_released: bool

    @event(AddressesReleased)
    def _addresses_released(self, port_id: str, mac: str, addresses: list[str],
                            mac_released: bool) -> None:
        for address in addresses:
            del self.fixed_ips[address]
        if mac_released:
            del self.macs[mac]

    # Events of the one-address ledger, recorded before subnets were many: replayed as ever.
    class FixedIpAllocated(Entity.Event):
        port_id: str
        address: str
        mac: str

    @event(FixedIpAllocated)
    def _fixed_ip_allocated(self, port_id: str, address: str, mac: str) -> None:
        self.fixed_ips[address] = port_id
        self.macs[mac] = port_id

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
        # Every port holds its MAC here, addresses or not (a SLAAC-only port may have none).
        if self.macs or set(self.fixed_ips.values()) - {DHCP_HOLDER}:
            raise NetworkInUse(f"Unable to complete operation on network {self.id}. There are "
                               "one or more ports still in use on the network.")
        self._deleted()

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def _deleted(self) -> None:
        self.deleted = True


def _within(address: str, spec: SubnetSpec) -> bool:
    return ip_address(address) in spec.network
