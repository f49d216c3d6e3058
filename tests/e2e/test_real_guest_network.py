"""A real guest on a project network, end to end: `skyledger serve` (embedded compute worker on
qemu:///system) plus `skyledger network-agent` as its own process, both acting inside the
namespace libvirtd runs in (HV_NETNS, playing the hypervisor host), driven with openstacksdk.

    outside (198.51.100.250) --ext-- HV_NETNS (198.51.100.254; VXLAN underlay 192.0.2.1 on phys)
                                        `-- brq<sid> 10.0.x.1 -- tap -- the guest (udhcpc)

The member boots the busybox guest on the default network: the worker makes the NIC's bridge, the
agent adds the VXLAN segment and dnsmasq with the port's reservation, and the guest's init asks
for an address by DHCP and prints it, which the test reads through the console API and compares
with the server's `addresses`; over that address it asks the metadata service (the agent's,
at 169.254.169.254 in HV_NETNS) which instance it is. A NIC attached through os-interface
appears in the running guest (its init prints its NICs), and leaves it on detach. A floating
IP then makes the guest answer pings from outside, and stops doing so once disassociated.
Deleting the server removes the segment and dnsmasq.

Everything this module adds to HV_NETNS (links, nft tables, dnsmasq, the metadata address) is
removed at teardown.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openstack
import pytest

from domain.compute.backends import KernelBoot
from domain.network.backends import METADATA_ADDRESS
from tests.support.hypervisor import HV_NETNS
from tests.support.network_namespaces import Namespaces, connect, ip, pings, sh, unreachable
from tests.support.real_guest import (
    POLL_S,
    TIMEOUT_S,
    Leftovers,
    console,
    domain_or_none,
    new_member,
)
from tests.support.server_process import Server, start_server, stop_server
from tests.support.waiting import wait_for

pytestmark = pytest.mark.qemu

ADDRESS = re.compile(r"SKYLEDGER-GUEST-ADDRESS (\S+) (\S+)")
NICS = re.compile(r"SKYLEDGER-GUEST-NICS:([^\r\n]*)")  # " name=mac" per NIC the guest has
OUTSIDE, EXTERNAL_GATEWAY, EXTERNAL_CIDR = "198.51.100.250", "198.51.100.254", "198.51.100.0/24"


@dataclass(frozen=True)
class Site:
    """The links this module made in HV_NETNS, and the namespace outside it."""

    phys: str
    external: str
    outside: str


@pytest.fixture(scope="module")
def site(network_tools: None, guest_image: KernelBoot) -> Iterator[Site]:
    """Veths into HV_NETNS from namespaces of this module's own (their deletion removes them),
    and, at teardown, whatever the agent left behind there."""
    made = Namespaces()
    suffix = uuid.uuid4().hex[:6]
    site = Site(phys=f"skp{suffix}", external=f"ske{suffix}", outside=made.new("out"))
    try:
        connect(made.new("under"), "uplink0", HV_NETNS, site.phys)
        ip(HV_NETNS, "addr", "add", "192.0.2.1/24", "dev", site.phys)
        connect(site.outside, "eth0", HV_NETNS, site.external)
        ip(HV_NETNS, "addr", "add", f"{EXTERNAL_GATEWAY}/24", "dev", site.external)
        ip(site.outside, "addr", "add", f"{OUTSIDE}/24", "dev", "eth0")
        yield site
    finally:
        made.remove_all()
        _clean_host_namespace()


def _clean_host_namespace() -> None:
    """Segments and bridges (vx*/brq*), dnsmasq, the NAT and security-group tables and the
    metadata address the agent made in HV_NETNS.
    Only this module's agent ever acts there, and libvirtd itself owns none of them."""
    links = sh(HV_NETNS, "ip", "-o", "link", "show").stdout
    for name in re.findall(r"^\d+: ((?:vx|brq)\d+)[@:]", links, re.M):
        sh(HV_NETNS, "ip", "link", "del", name, check=False)
    for family, table in (("ip", "skyledger"), ("bridge", "skyledger_sg"),
                          ("inet", "skyledger_sg")):
        sh(HV_NETNS, "nft", "delete", "table", family, table, check=False)
    # The agent's metadata service address (on lo: it goes with no link).
    sh(HV_NETNS, "ip", "addr", "del", f"{METADATA_ADDRESS}/32", "dev", "lo", check=False)


@pytest.fixture(scope="module")
def host_name() -> str:
    return f"e2e-net-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def cloud(guest_image: KernelBoot, site: Site, leftovers: Leftovers,
          host_name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The API with its embedded compute worker, and the host's network agent beside it."""
    env = {"SKYLEDGER_LIBVIRT_URI": "qemu:///system", "SKYLEDGER_HOST": host_name,
           "SKYLEDGER_EMBEDDED_COMPUTE": "1", "SKYLEDGER_EMBEDDED_VOLUME": "0",
           "SKYLEDGER_NETWORK_NAMESPACE": HV_NETNS,
           "SKYLEDGER_SEGMENT_TYPE": "vxlan", "SKYLEDGER_SEGMENTATION_RANGE": "4000:4090",
           "SKYLEDGER_PHYSICAL_INTERFACE": site.phys, "SKYLEDGER_EXTERNAL_CIDR": EXTERNAL_CIDR,
           "SKYLEDGER_EXTERNAL_INTERFACE": site.external}
    server = start_server(tmp_path_factory.mktemp("net-server"), env)
    leftovers.data_dir = server.data_dir.resolve()
    agent_log = server.data_dir.parent / "agent.log"
    with open(agent_log, "wb") as log:
        agent = subprocess.Popen(
            [str(Path(sys.executable).parent / "skyledger"), "network-agent"],
            env={**os.environ, **env, "SKYLEDGER_DATA_DIR": str(server.data_dir)},
            stdout=log, stderr=subprocess.STDOUT)
    try:
        yield server
    finally:
        agent.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            agent.wait(timeout=15)
        agent.kill()
        stop_server(server)
        _stop_dnsmasq_of(server.data_dir)


def _stop_dnsmasq_of(data_dir: Path) -> None:
    """The agent leaves dnsmasq running when it stops (a restart must not cut DHCP): these are
    the ones whose configuration lives in this module's data directory. One left running would
    answer on a later bridge of the same name."""
    for pid, cmdline in _processes_in_namespace().items():
        if cmdline.startswith("dnsmasq") and str(data_dir) in cmdline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)


@pytest.fixture(scope="module")
def admin(cloud: Server) -> Iterator[openstack.connection.Connection]:
    connection = cloud.connect()
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def user(cloud: Server, admin: openstack.connection.Connection,
         ) -> Iterator[openstack.connection.Connection]:
    connection, _, _ = new_member(cloud, admin, "net")
    yield connection
    connection.close()


def test_a_real_guest_gets_its_address_by_dhcp_and_its_floating_ip_from_outside(
        cloud: Server, admin: openstack.connection.Connection,
        user: openstack.connection.Connection, site: Site, leftovers: Leftovers,
        host_name: str, guest_image: KernelBoot) -> None:
    assert guest_image.initrd is not None
    wait_for(lambda: any(h.name == host_name for h in admin.compute.hypervisors()),
             f"hypervisor {host_name} registered", 30)
    kernel = user.image.create_image(
        name="net-vmlinuz", data=guest_image.kernel.read_bytes(), disk_format="aki",
        container_format="aki", allow_duplicates=True)
    ramdisk = user.image.create_image(
        name="net-initrd", data=guest_image.initrd.read_bytes(), disk_format="ari",
        container_format="ari", allow_duplicates=True)
    root = user.image.create_image(
        name="net-ami", data=bytes(1 << 20), disk_format="ami", container_format="ami",
        allow_duplicates=True, kernel_id=kernel.id, ramdisk_id=ramdisk.id,
        os_command_line="console=ttyS0 quiet skyledger.hostname=net-guest skyledger.metadata=1")
    flavor = admin.compute.create_flavor(name=f"net.qemu-{uuid.uuid4().hex[:6]}", ram=128,
                                         vcpus=1, disk=1)

    # -- boot on the project's network (made on first use) and get an address by DHCP -----------
    server = user.compute.create_server(name="net-guest", image_id=root.id,
                                        flavor_id=flavor.id, networks="auto")
    leftovers.instance_ids.add(server.id)
    server = user.compute.wait_for_server(server, status="ACTIVE", wait=TIMEOUT_S,
                                          interval=POLL_S)
    (network_name, addresses), = server.addresses.items()
    fixed_ip = next(a["addr"] for a in addresses if a["OS-EXT-IPS:type"] == "fixed")
    network = admin.network.get_network(  # provider:* attributes are shown to admins only
        user.network.find_network(network_name, ignore_missing=False).id)
    assert network.provider_network_type == "vxlan"
    bridge = f"brq{network.provider_segmentation_id}"
    assert f"master {bridge}" in sh(HV_NETNS, "ip", "-o", "link", "show", "master",
                                    bridge).stdout, "the guest's tap joined the bridge"

    output = wait_for(lambda: (lambda out: out if "SKYLEDGER-GUEST-READY" in out else None)(
        console(user, server)), "the guest's init to finish", TIMEOUT_S)
    leases = ADDRESS.findall(output)
    assert leases and leases[0][1].split("/")[0] == fixed_ip, (leases, fixed_ip, output)
    # Over that network, the agent's metadata service told the guest which instance it is.
    assert f"SKYLEDGER-GUEST-METADATA uuid={server.id}" in output, output
    assert f"SKYLEDGER-GUEST-METADATA instance-id=i-{server.id.replace('-', '')[:17]}" in output
    # The default group admits only its members: the host's own address is not one, until an
    # ICMP rule is added (as Tempest's scenarios do); the agent applies it, nothing restarts.
    assert unreachable(HV_NETNS, fixed_ip), "the default group drops pings from the host"
    group = user.network.find_security_group("default", project_id=server.project_id,
                                             ignore_missing=False)
    user.network.create_security_group_rule(security_group_id=group.id, direction="ingress",
                                            ethertype="IPv4", protocol="icmp")
    assert wait_for(lambda: pings(HV_NETNS, fixed_ip, attempts=1),
                    f"the guest to answer on {bridge} once ICMP is allowed", 30)

    # -- a NIC hotplugged to the running guest appears in it, and goes on detach --------------
    added = user.compute.create_server_interface(server, net_id=network.id)
    mac = added.mac_addr.lower()
    wait_for(lambda: re.search(rf"SKYLEDGER-GUEST-NICS:.*={mac}", console(user, server)),
             "the guest to see the attached NIC", 60)
    user.compute.delete_server_interface(added, server=server)
    wait_for(lambda: mac not in NICS.findall(console(user, server))[-1],
             "the guest to let the detached NIC go", 60)
    assert NICS.findall(console(user, server))[-1].count("=") == 1  # its first NIC stays

    # -- a floating IP reaches it from outside, until disassociated ----------------------------
    public = user.network.find_network("public", ignore_missing=False)
    floating = user.network.create_ip(floating_network_id=public.id)
    assert unreachable(site.outside, floating.floating_ip_address)
    port = next(iter(user.network.ports(device_id=server.id)))
    user.network.update_ip(floating, port_id=port.id)
    assert wait_for(lambda: pings(site.outside, floating.floating_ip_address, attempts=1),
                    "the floating IP to answer from outside", 30)
    user.network.update_ip(floating, port_id=None)
    assert wait_for(lambda: unreachable(site.outside, floating.floating_ip_address),
                    "the floating IP to stop answering", 30)
    user.network.delete_ip(floating)

    # -- delete: domain, segment, bridge and dnsmasq go ----------------------------------------
    user.compute.delete_server(server)
    user.compute.wait_for_delete(server, wait=TIMEOUT_S, interval=POLL_S)
    wait_for(lambda: domain_or_none(server.id) is None, "the domain to go", 30)
    wait_for(lambda: bridge not in sh(HV_NETNS, "ip", "-o", "link", "show").stdout,
             f"{bridge} to be removed by the agent", 30)
    wait_for(lambda: not [line for line in _processes_in_namespace().values()
                          if "dnsmasq" in line and str(cloud.data_dir) in line],
             "the network's dnsmasq to stop", 30)


def _processes_in_namespace() -> dict[int, str]:
    """Command lines of the processes in HV_NETNS, by pid."""
    target = os.stat(f"/run/netns/{HV_NETNS}").st_ino
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if os.stat(entry / "ns" / "net").st_ino == target:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                found[int(entry.name)] = cmdline
    return found
