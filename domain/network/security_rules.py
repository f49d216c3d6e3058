"""Security group rules as Neutron validates them: direction, ethertype, protocol (a name or a
number), port range or ICMP type/code, and one remote (an IP prefix or a group).

`parse_rule` turns what a caller asked for into a canonical `Rule` or raises InvalidInput with
Neutron's words (Tempest matches some of them), in Neutron's order: each attribute converted
first, then the checks across attributes. `Rule.key` is what two rules must differ in, so the
group aggregate can refuse a duplicate (Neutron's 409).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from ipaddress import ip_interface
from typing import Any

from domain.errors import InvalidInput

DIRECTIONS = ("ingress", "egress")
ETHERTYPES = ("IPv4", "IPv6")
# neutron-lib's IP_PROTOCOL_MAP: the names Neutron takes, with their numbers.
PROTOCOLS = {
    "ah": 51, "dccp": 33, "egp": 8, "esp": 50, "gre": 47, "hopopt": 0, "icmp": 1, "igmp": 2,
    "ip": 0, "ipip": 4, "ipv6-encap": 41, "ipv6-frag": 44, "ipv6-icmp": 58, "icmpv6": 58,
    "ipv6-nonxt": 59, "ipv6-opts": 60, "ipv6-route": 43, "ospf": 89, "pgm": 113, "rsvp": 46,
    "sctp": 132, "tcp": 6, "udp": 17, "udplite": 136, "vrrp": 112,
}
ANY = ("any",)
PORT_PROTOCOLS = {33, 132, 6, 17, 136}  # dccp, sctp, tcp, udp, udplite
ICMP_PROTOCOLS = {1, 58}
IPV6_ONLY = {"ipv6-encap", "ipv6-frag", "ipv6-icmp", "icmpv6", "ipv6-nonxt", "ipv6-opts",
             "ipv6-route", "41", "44", "58", "59", "60", "43"}
IPV6_ICMP_LEGACY = ("icmp", "icmpv6")


@dataclass(frozen=True)
class Rule:
    """One rule of a group, canonical: protocol a lower-case name or a number as a string."""

    direction: str
    ethertype: str
    protocol: str | None = None
    port_range_min: int | None = None
    port_range_max: int | None = None
    remote_ip_prefix: str | None = None
    remote_group_id: str | None = None
    description: str = ""

    @property
    def protocol_number(self) -> int | None:
        if self.protocol is None:
            return None
        return PROTOCOLS[self.protocol] if self.protocol in PROTOCOLS else int(self.protocol)

    def key(self) -> tuple[Any, ...]:
        """What makes two rules the same (Neutron's _rule_to_key): a protocol by name or by
        number, and a prefix of all addresses or none, count as one."""
        prefix = self.remote_ip_prefix
        if prefix in ("0.0.0.0/0", "::/0"):
            prefix = None
        return (self.direction, self.ethertype, self.port_range_min, self.port_range_max,
                self.protocol_number, self.remote_group_id, prefix)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def convert_protocol(value: Any) -> str | None:
    if value is None or value in ANY:
        return None
    if isinstance(value, int) and not isinstance(value, bool) or (
            isinstance(value, str) and value.isdigit()):
        if 0 <= int(value) <= 255:
            return str(int(value))
    elif isinstance(value, str) and value.lower() in PROTOCOLS:
        return value.lower()
    raise InvalidInput(f"Security group rule protocol {value} not supported. Only protocol "
                       f"values {[None, *ANY, *PROTOCOLS]} and integer representations "
                       "[0 to 255] are supported.")


def convert_port(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
        raise InvalidInput(f"Invalid value for port {value}")
    return value


def convert_ethertype(value: Any) -> str:
    for ethertype in ETHERTYPES:
        if isinstance(value, str) and value.lower() == ethertype.lower():
            return ethertype
    raise InvalidInput(f"Security group rule for ethertype '{value}' not supported. Allowed "
                       f"values are {list(ETHERTYPES)}.")


def convert_prefix(value: Any) -> str | None:
    """An address or CIDR as given, with its prefix length added (10.0.0.1 -> 10.0.0.1/32)."""
    if not value:
        return None
    try:
        return str(ip_interface(value)) if isinstance(value, str) else _bad_prefix(value)
    except ValueError:
        return _bad_prefix(value)


def _bad_prefix(value: Any) -> str:
    raise InvalidInput(f"Invalid CIDR {value} given as IP prefix.")


def parse_rule(direction: Any, ethertype: Any = "IPv4", protocol: Any = None,
               port_range_min: Any = None, port_range_max: Any = None,
               remote_ip_prefix: Any = None, remote_group_id: str | None = None,
               description: str = "") -> Rule:
    if direction not in DIRECTIONS:
        raise InvalidInput(f"Invalid input for direction. Reason: '{direction}' is not in "
                           f"{list(DIRECTIONS)}.")
    proto = convert_protocol(protocol)
    low, high = convert_port(port_range_min), convert_port(port_range_max)
    ether = convert_ethertype(ethertype)
    prefix = convert_prefix(remote_ip_prefix)
    if ether == "IPv6" and proto in IPV6_ICMP_LEGACY:
        proto = "ipv6-icmp"
    elif ether == "IPv6" and proto == "1":
        proto = "58"
    if low == 1 and high == 65535:  # the whole range is no range (Neutron's canonical form)
        low = high = None
    check_ports(proto, low, high)
    if prefix is not None and ether != f"IPv{ip_interface(prefix).version}":
        raise InvalidInput(f"Conflicting value ethertype {ether} for CIDR {remote_ip_prefix}")
    if ether == "IPv4" and proto in IPV6_ONLY:
        raise InvalidInput(f"Invalid ethertype {ether} for protocol {proto}.")
    if prefix and remote_group_id:
        raise InvalidInput("Only one of remote_ip_prefix or remote_group_id or "
                           "remote_address_group_id may be provided.")
    return Rule(direction, ether, proto, low, high, prefix, remote_group_id or None,
                description)


def check_ports(protocol: str | None, low: int | None, high: int | None) -> None:
    if low is None and high is None:
        return
    if protocol is None:
        raise InvalidInput("Must also specify protocol if port range is given.")
    number = PROTOCOLS[protocol] if protocol in PROTOCOLS else int(protocol)
    if number in PORT_PROTOCOLS:
        if low == 0 or high == 0:
            raise InvalidInput("Invalid value for port 0")
        if low is None or high is None or low > high:
            raise InvalidInput("For TCP/UDP protocols, port_range_min must be <= "
                               "port_range_max")
    elif number in ICMP_PROTOCOLS:
        for value, field, attr in ((low, "type", "port_range_min"),
                                   (high, "code", "port_range_max")):
            if value is not None and not 0 <= value <= 255:
                raise InvalidInput(f"Invalid value for ICMP {field} ({attr}) {value}. It must "
                                   "be 0 to 255.")
        if low is None:
            raise InvalidInput(f"ICMP code (port-range-max) {high} is provided but ICMP type "
                               "(port-range-min) is missing.")
    else:
        raise InvalidInput(f"Ports cannot be specified for protocol {number}. Ports are only "
                           "supported for DCCP, SCTP, TCP, UDP, UDPLITE.")


def default_rules(group_id: str, is_default: bool) -> list[Rule]:
    """Neutron's rules of a new group: egress open for IPv4 and IPv6, and, for a project's
    default group, ingress from members of the group itself."""
    rules = [Rule("egress", ethertype) for ethertype in ETHERTYPES]
    if is_default:
        rules += [Rule("ingress", ethertype, remote_group_id=group_id) for ethertype in ETHERTYPES]
    return rules
