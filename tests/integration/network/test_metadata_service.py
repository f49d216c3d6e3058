"""The metadata service with real packets: namespaces standing in for guests on project networks
ask http://169.254.169.254 over their bridge, as a guest's cloud-init does, and each is told about
its own instance; an address no instance holds is told nothing. The server runs in the agent's
"host" namespace as the network agent runs it (ops/roles/network.py), its answers from the events
through the agent's real adapters (bridges with their gateways, made by the agent's catch-up)."""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from adapters.network.nft_port_filter_rules import TABLE
from domain.compute.states import VmState
from domain.network.port_filters import tap_device
from domain.process.network.agent import NetworkAgent, NetworkAgentConfig
from domain.services.compute.boot import BootRequest
from ops.roles.network_assembly import AgentAdapters, assemble_agent, start_metadata_service
from tests.integration.network.agent_fleet import agent_adapters, agent_fleet
from tests.integration.network.test_agent import OTHER, boot, delete, segment_of
from tests.support.fleet import USER, Fleet
from tests.support.network_namespaces import Host, Namespaces, attach_guest, connect, ip, sh

NODE = "md-node"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMetadataServiceTestKey md@test"
USER_DATA = b"#!/bin/sh\necho from the metadata service\n"
# What a guest runs: a GET without any proxy of the environment; prints "<status> <body>",
# status 0 when no answer came within the timeout (argv[2] seconds).
FETCH = """import sys, urllib.error, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
try:
    reply = opener.open("http://169.254.169.254" + sys.argv[1], timeout=float(sys.argv[2]))
    sys.stdout.write(f"{reply.status} {reply.read().decode()}")
except urllib.error.HTTPError as error:
    sys.stdout.write(f"{error.code} ")
except OSError:
    sys.stdout.write("0 ")
"""


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    with agent_fleet(f"sqlite:///{tmp_path / 'events.sqlite'}", tmp_path, NODE, "800:899",
                     "10.56.0.0/16") as made:
        yield made


@pytest.fixture
def adapters(host: Host, tmp_path: Path) -> Iterator[AgentAdapters]:
    with agent_adapters(host, tmp_path) as made:
        yield made


@pytest.fixture
def agent(fleet: Fleet, adapters: AgentAdapters) -> NetworkAgent:
    return assemble_agent(fleet.cloud.app, fleet.cloud.store, adapters,
                          NetworkAgentConfig(host=NODE))


@pytest.fixture
def server(fleet: Fleet, host: Host) -> Iterator[None]:
    """Started as the composition root starts it beside the agent (ops/bootstrap.py)."""
    stop = start_metadata_service(fleet.cloud.app, NODE, "nova", host.ns)
    yield
    stop()


def get(guest: str, path: str, timeout: float = 10.0) -> tuple[int, str]:
    status, _, body = sh(guest, sys.executable, "-c", FETCH, path,
                         str(timeout)).stdout.partition(" ")
    return int(status), body


def guest_of(fleet: Fleet, namespaces: Namespaces, host: Host, port: dict[str, str],
             address: str | None = None) -> str:
    """A guest namespace on the port's bridge, with its address (or `address`) set by hand and
    its default route through the subnet's gateway, as DHCP would have set them."""
    network: Any = fleet.cloud.app.repository.get(UUID(port["network_id"]))
    subnet = network.primary_subnet()
    prefix = subnet.cidr.split("/")[1]
    return attach_guest(namespaces, host, f"brq{segment_of(fleet, port)}", port["mac"],
                        f"{address or port['fixed_ip']}/{prefix}", subnet.gateway_ip)


def boot_with_key(fleet: Fleet) -> tuple[UUID, dict[str, str]]:
    fleet.cloud.keypairs.import_key(USER, USER.user_id, str(USER.project_id), "laptop", KEY,
                                    "aa:bb")
    req = BootRequest(name="Web One", flavor_ref="small", image_ref=fleet.image,
                      key_name="laptop", user_data=base64.b64encode(USER_DATA).decode(),
                      metadata={"role": "web"})
    instance = fleet.cloud.boots.boot(USER, req)[0]
    fleet.booted.append(instance.id)
    fleet.wait_until(instance.id, VmState.ACTIVE)
    return instance.id, instance.ports[0]


def test_each_guest_is_told_about_its_own_instance_and_a_stranger_about_nothing(
        fleet: Fleet, agent: NetworkAgent, server: None, host: Host,
        namespaces: Namespaces) -> None:
    a1, port_a1 = boot_with_key(fleet)
    a2, port_a2 = boot(fleet)
    b1, port_b1 = boot(fleet, OTHER)
    agent.catch_up()
    assert port_a1["network_id"] == port_a2["network_id"] != port_b1["network_id"]
    guest_a1 = guest_of(fleet, namespaces, host, port_a1)

    status, body = get(guest_a1, "/openstack/latest/meta_data.json")
    meta = json.loads(body)
    assert status == 200
    assert (meta["uuid"], meta["name"], meta["hostname"]) == (str(a1), "Web One", "web-one")
    assert meta["meta"] == {"role": "web"} and meta["public_keys"] == {"laptop": KEY}
    assert get(guest_a1, "/openstack") == (200, "latest")
    assert get(guest_a1, "/openstack/latest/user_data") == (200, USER_DATA.decode())
    network = json.loads(get(guest_a1, "/openstack/latest/network_data.json")[1])
    assert [link["ethernet_mac_address"] for link in network["links"]] == [port_a1["mac"]]
    assert get(guest_a1, "/openstack/latest/vendor_data.json") == (200, "{}")
    assert get(guest_a1, "/latest/meta-data/instance-id") == (200, f"i-{a1.hex[:17]}")
    assert get(guest_a1, "/latest/meta-data/local-ipv4") == (200, port_a1["fixed_ip"])
    assert get(guest_a1, "/latest/meta-data/hostname") == (200, "web-one")
    assert get(guest_a1, "/latest/meta-data/public-keys/") == (200, "0=laptop")
    assert get(guest_a1, "/latest/meta-data/public-keys/0/openssh-key") == (200, KEY)
    assert get(guest_a1, "/latest/user-data") == (200, USER_DATA.decode())
    assert get(guest_a1, "/openstack/latest/password")[0] == 404
    assert get(guest_a1, "/no/such/path")[0] == 404

    # A neighbour on the same bridge, and a guest of another project's network.
    guest_a2 = guest_of(fleet, namespaces, host, port_a2)
    assert json.loads(get(guest_a2, "/openstack/latest/meta_data.json")[1])["uuid"] == str(a2)
    assert get(guest_a2, "/latest/meta-data/local-ipv4") == (200, port_a2["fixed_ip"])
    assert get(guest_a2, "/latest/user-data")[0] == 404  # it was given none
    guest_b1 = guest_of(fleet, namespaces, host, port_b1)
    meta_b1 = json.loads(get(guest_b1, "/openstack/latest/meta_data.json")[1])
    assert (meta_b1["uuid"], meta_b1["project_id"]) == (str(b1), OTHER.project_id)

    # An address of the subnet that no port holds: nobody it could be told about.
    stranger = guest_of(fleet, namespaces, host, {**port_a1, "mac": "fa:16:3e:0f:0f:0f"},
                        address=free_address(port_a1, port_a2))
    assert get(stranger, "/openstack/latest/meta_data.json")[0] == 404
    assert get(stranger, "/latest/meta-data/instance-id")[0] == 404


def free_address(*ports: dict[str, str]) -> str:
    taken = {p["fixed_ip"] for p in ports}
    prefix = ports[0]["fixed_ip"].rsplit(".", 1)[0]
    return next(f"{prefix}.{n}" for n in range(200, 250) if f"{prefix}.{n}" not in taken)


def test_the_service_follows_instances_that_come_and_go(
        fleet: Fleet, agent: NetworkAgent, server: None, host: Host,
        namespaces: Namespaces) -> None:
    """What the host serves is planned once and kept: a network served since is found (planned
    again on a miss), and a deleted instance's address is told nothing."""
    a1, port_a1 = boot(fleet)
    _, port_a2 = boot(fleet)  # keeps the bridge once a1 is gone
    agent.catch_up()
    guest = guest_of(fleet, namespaces, host, port_a1)
    assert json.loads(get(guest, "/openstack/latest/meta_data.json")[1])["uuid"] == str(a1)
    b1, port_b1 = boot(fleet, OTHER)  # on a network this host did not serve until now
    agent.catch_up()
    guest_b1 = guest_of(fleet, namespaces, host, port_b1)
    assert json.loads(get(guest_b1, "/openstack/latest/meta_data.json")[1])["uuid"] == str(b1)
    delete(fleet, a1)
    agent.catch_up()
    assert get(guest, "/openstack/latest/meta_data.json")[0] == 404
    assert port_a2["network_id"] == port_a1["network_id"] != port_b1["network_id"]


def test_a_second_server_on_the_address_is_refused_and_the_first_keeps_serving(
        fleet: Fleet, agent: NetworkAgent, server: None, host: Host,
        namespaces: Namespaces, caplog: pytest.LogCaptureFixture) -> None:
    a1, port_a1 = boot(fleet)
    agent.catch_up()
    start_metadata_service(fleet.cloud.app, NODE, "nova", host.ns)()  # a no-op to stop
    assert "no metadata service" in caplog.text
    guest = guest_of(fleet, namespaces, host, port_a1)
    assert get(guest, "/latest/meta-data/instance-id") == (200, f"i-{a1.hex[:17]}")


def test_a_guest_claiming_another_s_address_is_dropped_by_its_port_filter(
        fleet: Fleet, agent: NetworkAgent, server: None, host: Host,
        namespaces: Namespaces) -> None:
    """The requester is its source address: what keeps a guest from asking as another is its
    port's filter (anti-spoofing), which the agent applies to the port's tap."""
    a1, port_a1 = boot(fleet)
    a2, port_a2 = boot(fleet)
    agent.catch_up()
    network: Any = fleet.cloud.app.repository.get(UUID(port_a2["network_id"]))
    subnet = network.primary_subnet()
    guest = namespaces.new("guest")  # a2's guest, plugged in as its tap (which is filtered)
    connect(host.ns, tap_device(port_a2["id"]), guest, "eth0", mac_b=port_a2["mac"])
    ip(host.ns, "link", "set", tap_device(port_a2["id"]), "master",
       f"brq{segment_of(fleet, port_a2)}")
    prefix = subnet.cidr.split("/")[1]
    ip(guest, "addr", "add", f"{port_a2['fixed_ip']}/{prefix}", "dev", "eth0")
    ip(guest, "route", "add", "default", "via", subnet.gateway_ip)
    assert json.loads(get(guest, "/openstack/latest/meta_data.json")[1])["uuid"] == str(a2)

    ip(guest, "addr", "add", f"{port_a1['fixed_ip']}/32", "dev", "eth0")  # a1's, by hand
    ip(guest, "route", "replace", "default", "via", subnet.gateway_ip, "src",
       port_a1["fixed_ip"])
    assert get(guest, "/openstack/latest/meta_data.json", timeout=2.0) == (0, "")
    # The filter is what stops it: without its table, the guest is told about a1.
    sh(host.ns, "nft", "delete", "table", "bridge", TABLE)
    assert json.loads(get(guest, "/openstack/latest/meta_data.json")[1])["uuid"] == str(a1)
    agent.reconcile()  # the table restored
    assert get(guest, "/openstack/latest/meta_data.json", timeout=2.0) == (0, "")
