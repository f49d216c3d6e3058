"""Networking `/network/v2.0/quotas` updates through the API, on both stores: admins set the
`floatingip` and `port` limits on the same ledger Compute's os-quota-sets shows; members may
not; bad input is 400 and changes nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from domain.quota.limits import DEFAULT_LIMITS
from tests.support.compute_api import auth
from tests.support.network_api import NET, get

Who = dict[str, str]


def put(client: TestClient, who: Who, project: str, quota: Any) -> Any:
    return client.put(f"{NET}/quotas/{project}", headers=auth(who), json={"quota": quota})


def nova_quota(client: TestClient, who: Who, project: str) -> Any:
    response = client.get(f"/compute/v2.1/os-quota-sets/{project}", headers=auth(who))
    assert response.status_code == 200, response.text
    return response.json()["quota_set"]


def test_admin_sets_network_quotas(client: TestClient, admin: Who, member_a: Who) -> None:
    project = member_a["project_id"]
    before = get(client, member_a, f"/quotas/{project}")["quota"]
    response = put(client, admin, project, {"floatingip": 3, "port": "25",
                                            "network": before["network"], "router": 0})
    assert response.status_code == 200, response.text
    body = response.json()["quota"]
    assert (body["floatingip"], body["port"], body["network"], body["router"]) == (
        3, 25, before["network"], 0)
    assert get(client, member_a, f"/quotas/{project}")["quota"] == body
    nova = nova_quota(client, member_a, project)
    assert (nova["floating_ips"], nova["fixed_ips"]) == (3, 25)
    details = get(client, member_a, f"/quotas/{project}/details")["quota"]
    assert details["port"] == {"limit": 25, "used": 0, "reserved": 0}
    defaults = get(client, member_a, f"/quotas/{project}/default")["quota"]
    assert defaults["floatingip"] == DEFAULT_LIMITS["floating_ips"]

    reset = client.delete(f"{NET}/quotas/{project}", headers=auth(admin))
    assert reset.status_code == 204, reset.text
    after = get(client, member_a, f"/quotas/{project}")["quota"]
    assert (after["floatingip"], after["port"]) == (DEFAULT_LIMITS["floating_ips"],
                                                    DEFAULT_LIMITS["fixed_ips"])


def test_members_cannot_set_quotas(client: TestClient, member_a: Who, member_b: Who) -> None:
    project = member_a["project_id"]
    before = get(client, member_a, f"/quotas/{project}")["quota"]
    for who in (member_a, member_b):
        assert put(client, who, project, {"floatingip": 50}).status_code == 403
        assert client.delete(f"{NET}/quotas/{project}", headers=auth(who)).status_code == 403
    assert get(client, member_a, f"/quotas/{project}")["quota"] == before


def test_bad_quota_input_is_400(client: TestClient, admin: Who, member_a: Who) -> None:
    project = member_a["project_id"]
    before = get(client, member_a, f"/quotas/{project}")["quota"]
    for quota in ({"port": "many"}, {"port": -2}, {"port": True}, {"floatingip": 1.5},
                  {"bogus": 1}, {"network": before["network"] + 1}, {"rbac_policy": 5},
                  {"floatingip": 2, "port": "x"}, {"port": 2, "force": "yes"}, "x"):
        response = put(client, admin, project, quota)
        assert response.status_code == 400, (quota, response.text)
        assert "NeutronError" in response.json()
    assert client.put(f"{NET}/quotas/{project}", headers=auth(admin),
                      json={"quotas": {}}).status_code == 400
    missing = put(client, admin, "no-such-project", {"port": 5})
    assert missing.status_code == 400, missing.text
    assert get(client, member_a, f"/quotas/{project}")["quota"] == before


def test_check_limit_keeps_the_limit_above_usage(client: TestClient, admin: Who,
                                                 member_a: Who) -> None:
    project = member_a["project_id"]
    for _ in range(2):
        created = client.post(f"{NET}/floatingips", headers=auth(member_a),
                              json={"floatingip": {}})
        assert created.status_code == 201, created.text
    checked = put(client, admin, project, {"floatingip": 1, "check_limit": True})
    assert checked.status_code == 400, checked.text
    assert get(client, member_a, f"/quotas/{project}")["quota"]["floatingip"] == \
        DEFAULT_LIMITS["floating_ips"]
    forced = put(client, admin, project, {"floatingip": 1, "force": True})
    assert forced.status_code == 200, forced.text
    over = client.post(f"{NET}/floatingips", headers=auth(member_a), json={"floatingip": {}})
    assert over.status_code == 409
    assert "['floatingip']" in over.json()["NeutronError"]["message"]
