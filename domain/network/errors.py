"""Errors of network allocation, each in a family the API already maps (domain/errors.py)."""

from __future__ import annotations

from domain.errors import InvalidState, NotFound


class PoolExhausted(InvalidState):
    """Every value of a pool is held: no segmentation id, tenant subnet, fixed IP or floating
    address is left (Neutron answers such refusals with 409 Conflict)."""


class InUse(InvalidState):
    """A specific value that was asked for (a segmentation id, CIDR or address) is held."""


class NetworkInUse(InvalidState):
    """A network that still has ports cannot be deleted."""


class IpAddressAlreadyAllocated(InUse):
    """A fixed IP asked for is held by another port of the network (Neutron: 409)."""


class SubnetInUse(InvalidState):
    """A subnet whose addresses ports still hold cannot be deleted (Neutron: 409)."""


class ExternalGatewayForFloatingIPNotFound(NotFound):
    """No router joins a port's subnet to the floating IP's external network (Neutron: 404)."""
