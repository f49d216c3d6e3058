"""Regression tests for what the OpenAPI fuzzer (test_fuzz_openapi.py) found, as plain requests on
both stores: the numbers that reached SQL unbounded, and the places where the OpenAPI document
did not say what the API does (422s it never sends, JSON bodies its 202s do not have, bodies it
takes but did not declare)."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
from fastapi.testclient import TestClient

from api.routers.compute_server_actions import HANDLERS

HUGE = 2**64


def document(client: TestClient) -> Any:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_dashboard_event_cursor_beyond_bigint_is_400(client: TestClient,
                                                      admin: dict[str, str]) -> None:
    # It reached SQLite as it was: "Python int too large to convert to SQLite INTEGER", a 500.
    response = client.get(f"/dashboard/api/events?after={HUGE}", headers=admin)
    assert response.status_code == 400, response.text
    assert client.get("/dashboard/api/events?after=0", headers=admin).status_code == 200


def test_the_document_declares_the_errors_the_api_sends(client: TestClient,
                                                        admin: dict[str, str]) -> None:
    paths = document(client)["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert "422" not in operation["responses"], (method, path)  # bad input is a 400
            assert "4XX" in operation["responses"], (method, path)
    refusals = [client.get("/compute/v2.1/servers/nope", headers=admin),
                client.get("/network/v2.0/ports/nope", headers=admin),
                client.get("/image/v2/images/nope", headers=admin),
                client.get("/identity/v3/projects/nope", headers=admin),
                client.get("/compute/v2.1/flavors")]  # a 401 under /compute: Keystone's shape
    templates = ["/compute/v2.1/servers/{server_id}", "/network/v2.0/ports/{port_id}",
                 "/image/v2/images/{image_id}", "/identity/v3/projects/{project_id}",
                 "/compute/v2.1/flavors"]
    for response, template in zip(refusals, templates, strict=True):
        assert 400 <= response.status_code < 500, response.text
        schema = paths[template]["get"]["responses"]["4XX"]["content"]["application/json"]
        assert jsonschema_rs.is_valid(schema["schema"], response.json()), (template, response.text)
        assert not jsonschema_rs.is_valid(schema["schema"], {"detail": "FastAPI's own shape"})


def test_bodiless_answers_are_not_documented_as_json(client: TestClient,
                                                     admin: dict[str, str]) -> None:
    # DELETE /flavors/{id} answers 202 with no body; the document claimed a JSON one.
    flavor = {"flavor": {"name": "gone", "id": "gone", "ram": 64, "vcpus": 1, "disk": 0}}
    assert client.post("/compute/v2.1/flavors", json=flavor, headers=admin).status_code == 200
    deleted = client.delete("/compute/v2.1/flavors/gone", headers=admin)
    assert deleted.status_code == 202 and deleted.content == b""
    responses = document(client)["paths"]["/compute/v2.1/flavors/{flavorid}"]["delete"]
    assert all("content" not in answer for status, answer in responses["responses"].items()
               if status.startswith("2")), responses


def test_bodies_read_by_hand_are_declared(client: TestClient) -> None:
    paths = document(client)["paths"]
    action = paths["/compute/v2.1/servers/{server_id}/action"]["post"]["requestBody"]
    names = action["content"]["application/json"]["schema"]["propertyNames"]["enum"]
    assert set(names) == set(HANDLERS) and "reboot" in names
    patch = paths["/image/v2/images/{image_id}"]["patch"]["requestBody"]["content"]
    assert patch["application/openstack-images-v2.1-json-patch"]["schema"]["type"] == "array"
    created = paths["/image/v2/images"]["post"]["requestBody"]["content"]["application/json"]
    assert "status" not in created["schema"]["properties"]  # read-only: not something one sends
    assert "name" in created["schema"]["properties"]
    upload = paths["/image/v2/images/{image_id}/file"]["put"]["requestBody"]["content"]
    assert "application/octet-stream" in upload


def test_an_image_matches_glances_schema_in_the_document(client: TestClient,
                                                         member_a: dict[str, str]) -> None:
    headers = {"X-Auth-Token": member_a["token"]}
    created = client.post("/image/v2/images", json={"name": "doc", "disk_format": "raw",
                                                    "container_format": "bare"}, headers=headers)
    assert created.status_code == 201, created.text
    paths = document(client)["paths"]
    one = paths["/image/v2/images/{image_id}"]["get"]["responses"]["200"]
    schema = one["content"]["application/json"]["schema"]
    shown = client.get(f"/image/v2/images/{created.json()['id']}", headers=headers).json()
    assert jsonschema_rs.is_valid(schema, shown), shown
    assert not jsonschema_rs.is_valid(schema, {**shown, "min_ram": -1})
    listed = paths["/image/v2/images"]["get"]["responses"]["200"]
    body = client.get("/image/v2/images", headers=headers).json()
    assert jsonschema_rs.is_valid(listed["content"]["application/json"]["schema"], body)


def test_statuses_of_hand_built_responses_are_documented(client: TestClient,
                                                         admin: dict[str, str]) -> None:
    # Routes that build their own Response were documented with a 200 they never send:
    # Nova's 202/204 by microversion, the version documents' 300, an empty image's 204.
    doc = document(client)
    paths = doc["paths"]
    compute = "/compute/v2.1"
    for version, status in (("2.1", 202), ("2.2", 204)):
        made = client.post(f"{compute}/os-keypairs", json={"keypair": {"name": f"k{status}"}},
                           headers={**admin, "OpenStack-API-Version": f"compute {version}"})
        assert made.status_code in (200, 201), made.text
        gone = client.delete(f"{compute}/os-keypairs/k{status}", headers={
            **admin, "OpenStack-API-Version": f"compute {version}"})
        assert gone.status_code == status and gone.content == b""
        assert str(status) in paths["/compute/v2.1/os-keypairs/{name}"]["delete"]["responses"]
    group = client.post(f"{compute}/os-server-groups", headers=admin, json={
        "server_group": {"name": "g", "policies": ["affinity"]}}).json()["server_group"]
    assert client.delete(f"{compute}/os-server-groups/{group['id']}",
                         headers=admin).status_code == 204
    responses = paths[f"{compute}/os-server-groups/{{group_id}}"]["delete"]["responses"]
    assert "204" in responses and "200" not in responses
    image = client.post("/image/v2/images", headers=admin, json={"name": "empty"}).json()
    data = client.get(f"/image/v2/images/{image['id']}/file", headers=admin)
    assert data.status_code == 204
    assert "204" in paths["/image/v2/images/{image_id}/file"]["get"]["responses"]
    for root in ("/identity/", "/image/", "/image/v2/", "/volume/"):
        versions = client.get(root)
        assert versions.status_code == 300, root
        answer = paths[root]["get"]["responses"]["300"]["content"]["application/json"]
        schema = {**answer["schema"], "components": doc["components"]}  # it refers to them
        assert jsonschema_rs.is_valid(schema, versions.json()), versions.text
        assert "200" not in paths[root]["get"]["responses"]


def test_a_credential_update_that_clears_a_required_field_is_400_and_changes_nothing(
        client: TestClient, admin: dict[str, str]) -> None:
    # {"type": null} became an event whose projection broke on credentials.type NOT NULL, and
    # every later request that caught up the read models answered 500.
    me = client.get("/identity/v3/auth/tokens", headers={**admin, "X-Subject-Token":
                                                          admin["X-Auth-Token"]})
    user_id = me.json()["token"]["user"]["id"]
    made = client.post("/identity/v3/credentials", headers=admin, json={
        "credential": {"user_id": user_id, "type": "cert", "blob": "b"}})
    assert made.status_code == 201, made.text
    url = f"/identity/v3/credentials/{made.json()['credential']['id']}"
    for field in ("type", "blob", "user_id"):
        refused = client.patch(url, headers=admin, json={"credential": {field: None}})
        assert refused.status_code == 400, refused.text
        assert field in refused.json()["error"]["message"]
    shown = client.get(url, headers=admin)
    assert shown.status_code == 200, shown.text
    assert (shown.json()["credential"]["type"], shown.json()["credential"]["blob"]) == ("cert",
                                                                                       "b")


def test_a_policy_update_that_clears_its_blob_or_type_is_400_and_changes_nothing(
        client: TestClient, admin: dict[str, str]) -> None:
    # The same as credentials: policy_blobs.blob NOT NULL broke the read model.
    made = client.post("/identity/v3/policies", headers=admin, json={
        "policy": {"blob": "{}", "type": "application/json"}})
    assert made.status_code == 201, made.text
    url = f"/identity/v3/policies/{made.json()['policy']['id']}"
    for field in ("blob", "type"):
        refused = client.patch(url, headers=admin, json={"policy": {field: None}})
        assert refused.status_code == 400, refused.text
    shown = client.get(url, headers=admin).json()["policy"]
    assert (shown["blob"], shown["type"]) == ("{}", "application/json")


def test_a_nova_volume_cinder_would_refuse_is_400(client: TestClient,
                                                  admin: dict[str, str]) -> None:
    # Nova's /os-volumes body passed its own model and then failed Cinder's inside the handler.
    headers = {**admin, "X-OpenStack-Nova-API-Version": "2.1"}
    refused = client.post("/compute/v2.1/os-volumes", headers=headers, json={
        "volume": {"size": 1, "metadata": {"k" * 300: "v"}}})
    assert refused.status_code == 400, refused.text
    listed = client.get("/compute/v2.1/os-volumes", headers=headers)
    assert listed.status_code == 200 and listed.json()["volumes"] == []
