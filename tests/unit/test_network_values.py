"""Network value objects: the configuration's checks, a subnet's layout, MAC addresses."""

from __future__ import annotations

import uuid
from itertools import islice

import pytest

from domain.errors import InvalidInput
from domain.network.config import NetworkConfig
from domain.network.errors import PoolExhausted
from domain.network.mac import MAC_PATTERN, mac_for, new_port_id
from domain.network.network import carved_subnet
from domain.network.subnet import Subnet


def test_defaults_follow_the_issue() -> None:
    config = NetworkConfig()
    assert (config.segment_type, config.segmentation_ids) == ("vlan", (100, 4094))
    assert list(islice(config.subnet_candidates(), 2)) == ["10.0.0.0/24", "10.0.1.0/24"]
    assert next(config.segmentation_candidates()) == "100"
    # The external CIDR's first host is its upstream gateway, never a floating address.
    assert next(config.external_candidates()) == "203.0.113.2"
    assert list(config.external_candidates())[-1] == "203.0.113.254"


@pytest.mark.parametrize("changes, message", [
    ({"segment_type": "gre"}, "Segment type must be one of vlan, vxlan"),
    ({"segmentation_ids": (0, 10)}, "within 1-4094 for vlan"),
    ({"segmentation_ids": (200, 100)}, "within 1-4094"),
    ({"segment_type": "vlan", "segmentation_ids": (100, 5000)}, "within 1-4094"),
    ({"tenant_supernet": "10.0.0.1/16"}, "Invalid tenant supernet"),
    ({"tenant_supernet": "fd00::/64"}, "only IPv4"),
    ({"subnet_prefix": 31}, "between /16 and /30"),
    ({"subnet_prefix": 8}, "between /16 and /30"),
    ({"external_cidr": "10.0.128.0/24"}, "overlaps the tenant supernet"),
    ({"external_range": ("203.0.113.0", "203.0.113.9")}, "must be host addresses"),
    ({"external_range": ("203.0.113.9", "203.0.113.2")}, "first to last"),
    ({"max_networks_per_project": 0}, "1 or more"),
])
def test_bad_configuration_is_refused_clearly(changes: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        NetworkConfig(**changes)  # type: ignore[arg-type]


def test_vxlan_allows_24_bit_ids() -> None:
    config = NetworkConfig(segment_type="vxlan", segmentation_ids=(5000, 70000))
    assert next(config.segmentation_candidates()) == "5000"


def test_explicit_values_are_checked_against_the_configuration() -> None:
    config = NetworkConfig(external_range=("203.0.113.10", "203.0.113.20"))
    assert config.check_tenant_cidr("10.0.7.0/24") == "10.0.7.0/24"
    with pytest.raises(InvalidInput, match="subnet of the tenant supernet"):
        config.check_tenant_cidr("192.168.0.0/24")
    with pytest.raises(InvalidInput, match="outside the configured range"):
        config.check_segmentation_id(99)
    assert config.check_external_address("203.0.113.10") == "203.0.113.10"
    with pytest.raises(InvalidInput, match="outside the external pool"):
        config.check_external_address("203.0.113.21")


def test_subnet_layout_keeps_gateway_network_and_broadcast_out() -> None:
    subnet = Subnet.parse("10.0.3.0/24")
    assert str(subnet.gateway) == "10.0.3.1"
    assert subnet.dhcp_range == ("10.0.3.2", "10.0.3.254")
    assert subnet.size == 253
    carved = carved_subnet("n" * 32, "p1", "private", "10.0.3.0/24")
    addresses = list(carved.candidates())
    assert addresses[0] == "10.0.3.2" and addresses[-1] == "10.0.3.254"
    assert not {"10.0.3.0", "10.0.3.1", "10.0.3.255"} & set(addresses)
    for reserved in ("10.0.3.0", "10.0.3.1", "10.0.3.255", "10.0.4.2"):
        with pytest.raises(InvalidInput, match="not a valid IP for"):
            carved.check_fixed_ip(reserved)
    assert Subnet.parse("10.0.0.0/30").size == 1


def test_mac_is_neutron_style_locally_administered_and_deterministic() -> None:
    port_id = uuid.uuid4()
    mac = mac_for(port_id)
    assert MAC_PATTERN.match(mac), mac
    first_octet = int(mac.split(":")[0], 16)
    assert first_octet & 0b10 and not first_octet & 0b01  # locally administered, unicast
    assert mac_for(uuid.UUID(port_id.hex)) == mac


def test_new_port_id_draws_again_when_the_mac_is_taken() -> None:
    taken_id, free_id = uuid.uuid4(), uuid.uuid4()
    draws = iter([taken_id, free_id])
    assert new_port_id({mac_for(taken_id)}, lambda: next(draws)) == free_id
    with pytest.raises(PoolExhausted, match="No free MAC"):
        new_port_id({mac_for(taken_id)}, lambda: taken_id)
