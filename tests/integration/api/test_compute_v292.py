"""Compute 2.92, 2.97, 2.101, 2.102 and 2.103: keypairs are imported only (names may hold '@'
and '.'), server shares answer as Nova does without a share service, a volume attach answers
202 with no body, flavors filter by name and lose rxtx_factor and OS-FLV-DISABLED:disabled,
and /os-volumes_boot (Nova's alias of /servers) is gone. Each only from its microversion."""

from __future__ import annotations

from typing import Any

from domain.context import SYSTEM
from domain.identity.role import role_id
from tests.support.compute_api import SERVERS, Compute, auth
from tests.support.identity import password_token
from tests.support.keypairs_api import NOVA_KEY
from tests.support.volumes_api import Volumes

V21 = "/compute/v2.1"
SHARE = "0d1c4b5e-5d6f-4e1a-9c1b-3f2a7e8d9c10"


def keypair(compute: Compute, who: dict[str, str], version: str, **fields: Any) -> Any:
    return compute.client.post(f"{V21}/os-keypairs", json={"keypair": fields},
                               headers=auth(who, version))


def test_keypairs_are_imported_only_from_2_92(compute: Compute,
                                              member_a: dict[str, str]) -> None:
    head = compute.cloud.app.head()
    generated = keypair(compute, member_a, "2.92", name="gen")
    assert generated.status_code == 400
    assert "'public_key' is a required property" in generated.json()["badRequest"]["message"]
    dotted = keypair(compute, member_a, "2.91", name="a@b.c", public_key=NOVA_KEY)
    assert dotted.status_code == 400
    assert "does not match" in dotted.json()["badRequest"]["message"]
    assert compute.cloud.app.head() == head
    imported = keypair(compute, member_a, "2.92", name="a@b.c", public_key=NOVA_KEY)
    assert imported.status_code == 201, imported.text
    assert set(imported.json()["keypair"]) == {"name", "public_key", "fingerprint", "user_id",
                                               "type"}
    assert keypair(compute, member_a, "2.92", name="a/b", public_key=NOVA_KEY).status_code == 400
    # Before 2.92 a keypair without a public key is still generated.
    old = keypair(compute, member_a, "2.91", name="gen")
    assert old.status_code == 201 and "private_key" in old.json()["keypair"]


def shares(compute: Compute, who: dict[str, str], server_id: str, version: str,
           method: str = "GET", path: str = "", body: Any = None) -> Any:
    return compute.client.request(method, f"{SERVERS}/{server_id}/shares{path}", json=body,
                                  headers=auth(who, version))


def test_shares_without_a_share_service_from_2_97(compute: Compute,
                                                  member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    assert shares(compute, member_a, server_id, "2.96").status_code == 404
    listed = shares(compute, member_a, server_id, "2.97")
    assert (listed.status_code, listed.json()) == (200, {"shares": []})
    assert shares(compute, member_a, server_id, "2.97", path="?x=1").status_code == 400
    shown = shares(compute, member_a, server_id, "2.97", path=f"/{SHARE}")
    assert shown.status_code == 404
    assert shown.json()["itemNotFound"]["message"] == f"Share {SHARE} could not be found."
    head = compute.cloud.app.head()
    attach = {"share": {"share_id": SHARE}}
    running = shares(compute, member_a, server_id, "2.97", "POST", body=attach)
    assert running.status_code == 409
    assert running.json()["conflictingRequest"]["message"] == (
        f"Cannot 'create share' instance {server_id} while it is in vm_state active")
    for bad in ({"share": {}}, {"share": {"share_id": "nope"}},
                {"share": {"share_id": SHARE, "tag": "a b"}}, {"share": {"share_id": SHARE,
                                                                         "x": 1}}):
        assert shares(compute, member_a, server_id, "2.97", "POST", body=bad).status_code == 400
    detach = shares(compute, member_a, server_id, "2.97", "DELETE", path=f"/{SHARE}")
    assert detach.status_code == 409
    assert compute.action(member_a, server_id, {"os-stop": None}).status_code == 202
    compute.succeeded(server_id, "stop")
    head = compute.cloud.app.head()
    stopped = shares(compute, member_a, server_id, "2.97", "POST", body=attach)
    assert stopped.status_code == 409
    assert stopped.json()["conflictingRequest"]["message"] == (
        "Feature not supported because either compute or instance are not configured "
        "correctly.")
    gone = shares(compute, member_a, server_id, "2.97", "DELETE", path=f"/{SHARE}")
    assert gone.status_code == 404
    assert compute.cloud.app.head() == head  # nothing recorded, no share made up


def test_shares_policy(compute: Compute, member_a: dict[str, str],
                       member_b: dict[str, str]) -> None:
    """Readers of the server's project list and show, members attach and detach (Nova's
    defaults); another project finds no such server."""
    server_id = compute.active(member_a)
    cloud = compute.cloud
    user = cloud.identity.create_user(SYSTEM, "carol", "pw-carol",
                                      default_project_id=member_a["project_id"])
    cloud.identity.grant(SYSTEM, member_a["project_id"], user.id.hex, role_id("reader").hex)
    cloud.sync_read_models()
    reader_a = {"token": password_token(compute.client, "carol", "pw-carol", "project-a")}
    assert shares(compute, reader_a, server_id, "2.97").status_code == 200
    assert shares(compute, member_b, server_id, "2.97").status_code == 404
    refused = shares(compute, reader_a, server_id, "2.97", "POST",
                     body={"share": {"share_id": SHARE}})
    assert refused.status_code == 403


def test_an_attach_answers_202_without_a_body_from_2_101(compute: Compute, volumes: Volumes,
                                                         member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    for version, status in (("2.100", 200), ("2.101", 202)):
        volume_id = volumes.ready(member_a, size=1)
        response = compute.client.post(f"{SERVERS}/{server_id}/os-volume_attachments",
                                       json={"volumeAttachment": {"volumeId": volume_id}},
                                       headers=auth(member_a, version))
        assert response.status_code == status, response.text
        assert (response.content == b"") is (status == 202)
        assert volumes.show(member_a, volume_id)["status"] == "attaching"


def flavors(compute: Compute, who: dict[str, str], version: str, query: str = "",
            detail: bool = True) -> Any:
    path = f"{V21}/flavors{'/detail' if detail else ''}{query}"
    return compute.client.get(path, headers=auth(who, version))


def test_flavors_from_2_102(compute: Compute, admin: dict[str, str]) -> None:
    made = compute.client.post(f"{V21}/flavors", headers=auth(admin, "2.102"), json={"flavor": {
        "name": "m1.named", "ram": 64, "vcpus": 1, "disk": 1}})
    assert made.status_code == 200, made.text
    assert "rxtx_factor" not in made.json()["flavor"]
    old = flavors(compute, admin, "2.101").json()["flavors"][0]
    assert {"rxtx_factor", "OS-FLV-DISABLED:disabled"} <= set(old)
    new = flavors(compute, admin, "2.102").json()["flavors"]
    assert not {"rxtx_factor", "OS-FLV-DISABLED:disabled"} & set(new[0])
    assert [f["name"] for f in flavors(compute, admin, "2.102", "?name=named").json()[
        "flavors"]] == ["m1.named"]
    assert [f["name"] for f in flavors(compute, admin, "2.102", "?name=^m1%5C.n",
                                       detail=False).json()["flavors"]] == ["m1.named"]
    assert flavors(compute, admin, "2.102", "?name=nothing-like-it").json()["flavors"] == []
    assert flavors(compute, admin, "2.102", "?name=(").status_code == 400
    assert flavors(compute, admin, "2.101", "?name=named").status_code == 400  # strict from 2.75
    assert len(flavors(compute, admin, "2.74", "?name=named").json()["flavors"]) == len(new)
    shown = compute.client.get(f"{V21}/flavors/{made.json()['flavor']['id']}",
                               headers=auth(admin, "2.102")).json()["flavor"]
    assert "rxtx_factor" not in shown
    rxtx = compute.client.post(f"{V21}/flavors", headers=auth(admin, "2.102"), json={"flavor": {
        "name": "m1.rxtx", "ram": 64, "vcpus": 1, "disk": 1, "rxtx_factor": 1.0}})
    assert rxtx.status_code == 400


def test_os_volumes_boot_is_servers_until_2_103(compute: Compute,
                                                member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    old = compute.client.get(f"{V21}/os-volumes_boot/{server_id}",
                             headers=auth(member_a, "2.102"))
    assert old.status_code == 200, old.text
    assert old.json()["server"]["id"] == server_id
    listed = compute.client.get(f"{V21}/os-volumes_boot/detail", headers=auth(member_a, "2.1"))
    assert [s["id"] for s in listed.json()["servers"]] == [server_id]
    for method, path in (("GET", ""), ("GET", "/detail"), ("GET", f"/{server_id}"),
                         ("DELETE", f"/{server_id}")):
        gone = compute.client.request(method, f"{V21}/os-volumes_boot{path}",
                                      headers=auth(member_a, "2.103"))
        assert gone.status_code == 404, (method, path)
        assert gone.headers["OpenStack-API-Version"] == "compute 2.103"
    assert compute.show(member_a, server_id)["status"] == "ACTIVE"


def console(compute: Compute, who: dict[str, str], server_id: str, version: str,
            protocol: str, kind: str) -> Any:
    return compute.client.post(f"{SERVERS}/{server_id}/remote-consoles", json={
        "remote_console": {"protocol": protocol, "type": kind}}, headers=auth(who, version))


def test_no_console_type_is_available_and_spice_direct_from_2_99(
        compute: Compute, member_a: dict[str, str], member_b: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    head = compute.cloud.app.head()
    for version, protocol, kind, message in (
            ("2.99", "spice", "spice-direct", "Unavailable console type spice-direct."),
            ("2.6", "vnc", "novnc", "Unavailable console type novnc."),
            ("2.8", "mks", "webmks", "Unavailable console type webmks."),
            ("2.99", "rdp", "rdp-html5", "Unavailable console type rdp."),
            ("2.98", "spice", "spice-direct", "'spice-direct' is not one of"),
            ("2.7", "mks", "webmks", "'mks' is not one of")):
        refused = console(compute, member_a, server_id, version, protocol, kind)
        assert refused.status_code == 400, (version, kind)
        assert message in refused.json()["badRequest"]["message"], refused.text
    assert console(compute, member_a, server_id, "2.5", "vnc", "novnc").status_code == 404
    assert console(compute, member_b, server_id, "2.99", "vnc", "novnc").status_code == 404
    assert compute.cloud.app.head() == head


def test_the_remaining_gets_refuse_unknown_query_parameters_from_2_102(
        compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    for path in (f"{SERVERS}/{server_id}", f"{SERVERS}/{server_id}/ips",
                 f"{SERVERS}/{server_id}/metadata", f"{V21}/os-availability-zone",
                 f"{V21}/extensions", f"{V21}/flavors/1"):
        for version, status in (("2.101", 200), ("2.102", 400)):
            response = compute.client.get(f"{path}?x=1", headers=auth(member_a, version))
            assert response.status_code == status, (path, version, response.text)
        refused = compute.client.get(f"{path}?x=1&y=2", headers=auth(member_a, "2.102"))
        assert refused.json()["badRequest"]["message"] == (
            "Additional properties are not allowed ('x', 'y' were unexpected)")
        assert refused.headers["OpenStack-API-Version"] == "compute 2.102"
        assert compute.client.get(path, headers=auth(member_a, "2.102")).status_code == 200
