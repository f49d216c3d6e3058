"""os-resetState (admins: error or active, whatever is in progress) and the rebuild fields of
later microversions (key_name from 2.54, user_data from 2.57)."""

from __future__ import annotations

from tests.support.compute_api import Compute, auth


def status(compute: Compute, who: dict[str, str], server_id: str) -> tuple[str, str | None]:
    server = compute.show(who, server_id, "2.1")
    return server["status"], server.get("OS-EXT-STS:task_state")


def test_reset_state(compute: Compute, admin: dict[str, str], member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    refused = compute.action(member_a, server_id, {"os-resetState": {"state": "error"}})
    assert refused.status_code == 403
    assert compute.action(member_a, server_id, {"os-stop": None}).status_code == 202
    reset = compute.action(admin, server_id, {"os-resetState": {"state": "error"}})
    assert reset.status_code == 202, reset.text
    compute.cloud.sync_read_models()
    assert status(compute, admin, server_id) == ("ERROR", None)
    compute.succeeded(server_id, "stop")  # the worker's late answer changes nothing now
    assert status(compute, admin, server_id) == ("ERROR", None)
    assert compute.action(admin, server_id, {"os-resetState": {"state": "active"}}).status_code \
        == 202
    compute.cloud.sync_read_models()
    assert status(compute, admin, server_id)[0] == "ACTIVE"
    for bad in ({"state": "paused"}, {}, None):
        assert compute.action(admin, server_id, {"os-resetState": bad}).status_code == 400


def test_rebuild_with_key_and_user_data(compute: Compute, member_a: dict[str, str]) -> None:
    made = compute.client.post("/compute/v2.1/os-keypairs", headers=auth(member_a),
                               json={"keypair": {"name": "new-key"}})
    assert made.status_code == 200, made.text
    server_id = compute.active(member_a)
    early = compute.action(member_a, server_id, {"rebuild": {
        "imageRef": compute.image, "key_name": "new-key"}}, version="2.53")
    assert early.status_code == 400
    unknown = compute.action(member_a, server_id, {"rebuild": {
        "imageRef": compute.image, "key_name": "no-such-key"}}, version="2.54")
    assert unknown.status_code == 400
    rebuilt = compute.action(member_a, server_id, {"rebuild": {
        "imageRef": compute.image, "key_name": "new-key", "user_data": "aGVsbG8="}},
        version="2.57")
    assert rebuilt.status_code == 202, rebuilt.text
    body = rebuilt.json()["server"]
    assert (body["key_name"], body["user_data"]) == ("new-key", "aGVsbG8=")
    assert not [key for key in body if key.startswith("OS-EXT")]  # Nova's view before 2.75
    assert compute.instance(server_id).user_data == "aGVsbG8="
    compute.succeeded(server_id, "rebuild")
    bad = compute.action(member_a, server_id, {"rebuild": {
        "imageRef": compute.image, "user_data": "not base64!"}}, version="2.57")
    assert bad.status_code == 400


def test_update_answers_nova_s_short_view(compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    for version in ("2.1", "2.26", "2.57"):
        response = compute.client.put(f"/compute/v2.1/servers/{server_id}", headers=auth(
            member_a, version), json={"server": {"name": f"renamed-{version}"}})
        assert response.status_code == 200, response.text
        body = response.json()["server"]
        assert body["name"] == f"renamed-{version}" and "security_groups" not in body
        assert not [key for key in body if key.startswith(("OS-EXT", "OS-SRV", "os-ext"))]
        assert all(set(a) == {"version", "addr"} for found in body["addresses"].values()
                   for a in found)
        assert ("tags" in body) == (version != "2.1") and "key_name" not in body
