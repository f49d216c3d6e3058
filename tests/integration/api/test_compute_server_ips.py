"""`/servers/{id}/ips` and `/ips/{network}`: a server's addresses by network, version and
address only; another project's server is not found."""

from __future__ import annotations

from tests.support.compute_api import Compute, auth

SERVERS = "/compute/v2.1/servers"


def test_ips_by_network(compute: Compute, member_a: dict[str, str],
                        member_b: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    full = compute.show(member_a, server_id)["addresses"]
    (network, entries), = full.items()
    listed = compute.client.get(f"{SERVERS}/{server_id}/ips", headers=auth(member_a))
    assert listed.status_code == 200, listed.text
    plain = [{"version": 4, "addr": entries[0]["addr"]}]
    assert listed.json() == {"addresses": {network: plain}}
    one = compute.client.get(f"{SERVERS}/{server_id}/ips/{network}", headers=auth(member_a))
    assert one.json() == {network: plain}
    assert compute.client.get(f"{SERVERS}/{server_id}/ips/elsewhere",
                              headers=auth(member_a)).status_code == 404
    assert compute.client.get(f"{SERVERS}/{server_id}/ips",
                              headers=auth(member_b)).status_code == 404
