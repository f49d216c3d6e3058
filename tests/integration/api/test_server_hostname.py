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
