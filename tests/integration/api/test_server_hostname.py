"""Nova 2.90: a hostname on create, update and rebuild, shown as OS-EXT-SRV-ATTR:hostname to
everyone from 2.90 (admins only before); before 2.90 the field is Nova's 400."""

from __future__ import annotations

from tests.support.compute_api import SERVERS, Compute, auth

HOSTNAME = "OS-EXT-SRV-ATTR:hostname"


def test_hostname_on_create_update_and_rebuild(compute: Compute, member_a: dict[str, str],
                                               admin: dict[str, str]) -> None:
    early = compute.boot(member_a, "2.89", networks="none", hostname="web-1")
    assert early.status_code == 400
    many = compute.boot(member_a, "2.90", networks="none", hostname="web-1", max_count=2)
    assert many.status_code == 400 and "multiple instances" in many.text
    for bad in ("a", "-web", "web_1", "x" * 64):
        assert compute.boot(member_a, "2.90", networks="none", hostname=bad).status_code == 400
    made = compute.boot(member_a, "2.90", networks="none", name="My Web", hostname="web-1")
    assert made.status_code == 202, made.text
    server_id = made.json()["server"]["id"]
    compute.spawned(server_id)
    shown = compute.show(member_a, server_id, "2.90")
    assert shown[HOSTNAME] == "web-1" and "OS-EXT-SRV-ATTR:host" not in shown
    assert HOSTNAME not in compute.show(member_a, server_id, "2.89")
    assert compute.show(admin, server_id, "2.89")[HOSTNAME] == "web-1"
    detail = compute.client.get(f"{SERVERS}/detail", headers=auth(member_a, "2.90")).json()
    assert [s[HOSTNAME] for s in detail["servers"]] == ["web-1"]
    url = f"{SERVERS}/{server_id}"
    early_put = compute.client.put(url, json={"server": {"hostname": "web-2"}},
                                   headers=auth(member_a, "2.89"))
    assert early_put.status_code == 400
    put = compute.client.put(url, json={"server": {"hostname": "web-2"}},
                             headers=auth(member_a, "2.90"))
    assert put.status_code == 200 and put.json()["server"][HOSTNAME] == "web-2"
    assert put.headers["OpenStack-API-Version"] == "compute 2.90"
    rebuild = {"rebuild": {"imageRef": compute.image, "hostname": "web-3"}}
    assert compute.action(member_a, server_id, rebuild, "2.89").status_code == 400
    rebuilt = compute.action(member_a, server_id, rebuild, "2.90")
    assert rebuilt.status_code == 202 and rebuilt.json()["server"][HOSTNAME] == "web-3"
    assert compute.show(member_a, server_id, "2.90")[HOSTNAME] == "web-3"


def test_fqdn_hostnames_from_2_94(compute: Compute, member_a: dict[str, str]) -> None:
    fqdn = "x" * 52 + "-guest-test.domaintest.com"  # Tempest's: longer than 63, with dots
    for bad in (fqdn, "web_1", "web.example.com"):  # RFC 952 only, before 2.94
        assert compute.boot(member_a, "2.93", networks="none", hostname=bad).status_code == 400
    for bad in ("x" * 256, "web 1", "web/1", ""):
        assert compute.boot(member_a, "2.94", networks="none", hostname=bad).status_code == 400
    made = compute.boot(member_a, "2.94", networks="none", hostname=fqdn)
    assert made.status_code == 202, made.text
    server_id = made.json()["server"]["id"]
    compute.spawned(server_id)
    assert compute.show(member_a, server_id, "2.94")[HOSTNAME] == fqdn
    url = f"{SERVERS}/{server_id}"
    early = compute.client.put(url, json={"server": {"hostname": "a.b"}},
                               headers=auth(member_a, "2.93"))
    assert early.status_code == 400 and compute.show(member_a, server_id, "2.94")[HOSTNAME] == fqdn
    put = compute.client.put(url, json={"server": {"hostname": "db_1.internal"}},
                             headers=auth(member_a, "2.94"))
    assert put.status_code == 200 and put.json()["server"][HOSTNAME] == "db_1.internal"
    rebuild = {"rebuild": {"imageRef": compute.image, "hostname": "web.example.org"}}
    assert compute.action(member_a, server_id, rebuild, "2.93").status_code == 400
    rebuilt = compute.action(member_a, server_id, rebuild, "2.94")
    assert rebuilt.status_code == 202 and rebuilt.json()["server"][HOSTNAME] == "web.example.org"
