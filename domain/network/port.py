"""A port: an attachment to a project network, with its MAC and fixed IP.

Compute makes a port with each instance (bound: `instance_id` set, owner `compute:nova`);
the Network API makes free ports (`instance_id` empty) that only carry the caller's labels
(`device_id`, `device_owner`, name, description).

The port also records the floating IP associated with it, and is saved with that floating IP
on every (dis)association, so a port can never hold two floating IPs, however requests race.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity
from domain.errors import InvalidInput, InvalidState
from domain.network.errors import InUse
from domain.network.network import carved_subnet_id

COMPUTE_OWNER = "compute:nova"
# What a port is unless told otherwise (Neutron's defaults); `AttributesChanged` records changes.
DEFAULT_PORT_ATTRIBUTES: dict[str, Any] = {
    "admin_state_up": True, "binding:host_id": "", "binding:vnic_type": "normal",
    "binding:profile": {}, "binding:vif_type": "unbound", "binding:vif_details": {},
    "allowed_address_pairs": [], "extra_dhcp_opts": [],
}


def primary_address(fixed_ips: list[dict[str, str]]) -> str:
    """The first IPv4 address (what floating IPs and DHCP use), else the first one, else ""."""
    v4 = [f["ip_address"] for f in fixed_ips if ":" not in f["ip_address"]]
    return (v4 or [f["ip_address"] for f in fixed_ips] or [""])[0]


class Port(Entity):
    # The id is chosen by the caller: a MAC the domain picks derives from it (network/mac.py);
    # a MAC asked for through the Network API is kept as given.
    # The labels have defaults so that `Allocated` events recorded before they existed replay.
    class Allocated(Entity.Created):
        network_id: str
        project_id: str
        instance_id: str
        mac: str
        fixed_ip: str
        name: str
        description: str
        device_id: str | None
        device_owner: str | None
        fixed_ips: list[dict[str, str]] | None
        attributes: dict[str, Any] | None

    @event(Allocated)
    def __init__(self, id: UUID, network_id: str, project_id: str,  # noqa: A002
                 instance_id: str, mac: str, fixed_ip: str, name: str = "",
                 description: str = "", device_id: str | None = None,
                 device_owner: str | None = None,
                 fixed_ips: list[dict[str, str]] | None = None,
                 attributes: dict[str, Any] | None = None) -> None:
        self.network_id, self.project_id, self.instance_id = network_id, project_id, instance_id
        self.mac, self.fixed_ip = mac, fixed_ip
        # Ports allocated before networks had several subnets hold one address, on the
        # network's carved subnet; `fixed_ip` stays the first IPv4 one (NAT and DHCP use it).
        if fixed_ips is None:
            fixed_ips = [{"subnet_id": carved_subnet_id(network_id), "ip_address": fixed_ip}]
        self.fixed_ips = [dict(f) for f in fixed_ips if f.get("ip_address")]
        self.attributes: dict[str, Any] = {**DEFAULT_PORT_ATTRIBUTES, **(attributes or {})}
        self.name, self.description = name, description
        self.device_id = instance_id if device_id is None else device_id
        if device_owner is None:
            device_owner = COMPUTE_OWNER if instance_id else ""
        self.device_owner = device_owner
        self.floating_ip_id: str | None = None
        self.floating_ip: str | None = None
        self.deleted = False

    # Security: recorded by `SecurityChanged` (with `Allocated`, in the same save), so ports
    # allocated before security groups existed replay with none and port security on.
    security_groups: tuple[str, ...] = ()
    port_security_enabled: bool = True

    @property
    def is_bound(self) -> bool:
        """Whether an instance holds this port (its NIC): only Compute may then release it."""
        return bool(self.instance_id)

    def check_live(self) -> None:
        if self.deleted:
            raise InvalidState(f"Port {self.id} is released.")

    def describe(self) -> dict[str, Any]:
        return {"id": self.id.hex, "network_id": self.network_id, "project_id": self.project_id,
                "device_id": self.device_id, "device_owner": self.device_owner,
                "name": self.name, "description": self.description, "mac_address": self.mac,
                "fixed_ip": self.fixed_ip, "fixed_ips": self.fixed_ips,
                "floating_ip": self.floating_ip, **self.attributes}

    def update(self, name: str, description: str) -> None:
        """Relabel the port; the same labels again record nothing."""
        self.check_live()
        if (name, description) != (self.name, self.description):
            self._updated(name, description)

    class Updated(Entity.Event):
        name: str
        description: str

    @event(Updated)
    def _updated(self, name: str, description: str) -> None:
        self.name, self.description = name, description

    def set_device(self, device_id: str, device_owner: str) -> None:
        """The port becomes (or stops being) a device's, such as a router's interface."""
        self.check_live()
        if (device_id, device_owner) != (self.device_id, self.device_owner):
            self._device_changed(device_id, device_owner)

    class DeviceChanged(Entity.Event):
        device_id: str
        device_owner: str

    @event(DeviceChanged)
    def _device_changed(self, device_id: str, device_owner: str) -> None:
        self.device_id, self.device_owner = device_id, device_owner

    def bind(self, instance_id: str, device_owner: str) -> None:
        """Compute takes the port as an instance's NIC (os-interface's attach by `port_id`):
        Nova's PortInUse when a device, an instance or anything else, already holds it."""
        self.check_live()
        if self.instance_id or self.device_id:
            raise InUse(f"Port {self.id} is still in use.")
        self._bound(instance_id, device_owner)

    class Bound(Entity.Event):
        instance_id: str
        device_owner: str

    @event(Bound)
    def _bound(self, instance_id: str, device_owner: str) -> None:
        self.instance_id = self.device_id = instance_id
        self.device_owner = device_owner

    def unbind(self) -> None:
        """The instance lets go of a port its user made: it stays, free, as Nova leaves a
        port it did not create (`preserve_on_delete`)."""
        if not self.deleted and self.instance_id:
            self._unbound()

    class Unbound(Entity.Event):
        pass

    @event(Unbound)
    def _unbound(self) -> None:
        self.instance_id = self.device_id = self.device_owner = ""

    def change_attributes(self, changes: dict[str, Any]) -> None:
        """Record the attributes that differ (DEFAULT_PORT_ATTRIBUTES' keys)."""
        self.check_live()
        unknown = set(changes) - set(DEFAULT_PORT_ATTRIBUTES)
        if unknown:
            raise InvalidInput(f"Unrecognized attribute(s) '{', '.join(sorted(unknown))}'.")
        changed = {k: v for k, v in changes.items() if self.attributes.get(k) != v}
        if changed:
            self._attributes_changed(changed)

    class AttributesChanged(Entity.Event):
        changes: dict[str, Any]

    @event(AttributesChanged)
    def _attributes_changed(self, changes: dict[str, Any]) -> None:
        self.attributes.update(changes)

    @property
    def admin_state_up(self) -> bool:
        return bool(self.attributes.get("admin_state_up", True))

    def change_fixed_ips(self, fixed_ips: list[dict[str, str]]) -> None:
        """The port's new addresses (the network's ledger was changed in the same save)."""
        self.check_live()
        if fixed_ips != self.fixed_ips:
            self._fixed_ips_changed(fixed_ips, primary_address(fixed_ips))

    class FixedIpsChanged(Entity.Event):
        fixed_ips: list[dict[str, str]]
        fixed_ip: str

    @event(FixedIpsChanged)
    def _fixed_ips_changed(self, fixed_ips: list[dict[str, str]], fixed_ip: str) -> None:
        self.fixed_ips, self.fixed_ip = [dict(f) for f in fixed_ips], fixed_ip

    def secure(self, security_groups: list[str], port_security_enabled: bool) -> None:
        """The port's security groups (hex ids, each already checked live and the project's
        by the caller) and whether its traffic is filtered at all."""
        self.check_live()
        if security_groups and not port_security_enabled:
            raise InvalidInput("Port security must be enabled in order to have allowed "
                               "address pairs or security groups on a port.")
        if (tuple(security_groups), port_security_enabled) != (self.security_groups,
                                                               self.port_security_enabled):
            self._security_changed(list(security_groups), port_security_enabled)

    class SecurityChanged(Entity.Event):
        security_groups: list[str]
        port_security_enabled: bool

    @event(SecurityChanged)
    def _security_changed(self, security_groups: list[str], port_security_enabled: bool) -> None:
        self.security_groups = tuple(security_groups)
        self.port_security_enabled = port_security_enabled

    def attach_floating_ip(self, floating_ip_id: str, address: str) -> None:
        """One floating IP per port: a second one is refused until the first is detached."""
        self.check_live()
        if self.floating_ip_id == floating_ip_id:
            return
        if self.floating_ip_id is not None:
            raise InUse(f"Port {self.id} already has floating IP {self.floating_ip}.")
        self._floating_ip_associated(floating_ip_id, address)

    class FloatingIpAssociated(Entity.Event):
        floating_ip_id: str
        address: str

    @event(FloatingIpAssociated)
    def _floating_ip_associated(self, floating_ip_id: str, address: str) -> None:
        self.floating_ip_id, self.floating_ip = floating_ip_id, address

    def detach_floating_ip(self, floating_ip_id: str) -> None:
        if self.floating_ip_id == floating_ip_id:
            self._floating_ip_disassociated(floating_ip_id)

    class FloatingIpDisassociated(Entity.Event):
        floating_ip_id: str

    @event(FloatingIpDisassociated)
    def _floating_ip_disassociated(self, floating_ip_id: str) -> None:
        self.floating_ip_id, self.floating_ip = None, None

    def release(self) -> None:
        self.check_live()
        if self.floating_ip_id is not None:
            raise InvalidState(f"Port {self.id} still has floating IP {self.floating_ip}.")
        self._released()

    class Released(Entity.Event):
        pass

    @event(Released)
    def _released(self) -> None:
        self.deleted = True
