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


def test_the_list_filters_by_fixed_address(compute: Compute, member_a: dict[str, str]) -> None:
    """Nova's `ip` filter: a regular expression matched at the start of a fixed IPv4 address."""
    first, second = compute.active(member_a), compute.active(member_a)
    [[entry]] = compute.show(member_a, first)["addresses"].values()
    ip = entry["addr"]

    def listed(query: str) -> set[str]:
        response = compute.client.get(f"{SERVERS}?{query}", headers=auth(member_a))
        assert response.status_code == 200, response.text
        return {s["id"] for s in response.json()["servers"]}

    assert listed(f"ip={ip}$") == {first}
    assert listed(f"ip={ip.rsplit('.', 1)[0]}.") == {first, second}
    assert listed("ip=192.0.2.") == set()
    assert listed("ip6=fd00:") == set()
    assert compute.client.get(f"{SERVERS}?ip=(", headers=auth(member_a)).status_code == 400


def test_the_server_password_is_empty_without_a_metadata_service(
        compute: Compute, member_a: dict[str, str], member_b: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    url = f"{SERVERS}/{server_id}/os-server-password"
    assert compute.client.get(url, headers=auth(member_a)).json() == {"password": ""}
    assert compute.client.delete(url, headers=auth(member_a)).status_code == 204
    assert compute.client.get(url, headers=auth(member_b)).status_code == 404
    assert compute.client.delete(url, headers=auth(member_b)).status_code == 404
