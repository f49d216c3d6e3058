"""Compute `/limits`: Nova's absolute names per microversion, usage from the quota read model."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.discovery import COMPUTE_MAX
from tests.support.keypairs_api import NOVA_KEY, headers

LIMITS = "/compute/v2.1/limits"
BASE = {"maxServerMeta", "maxTotalCores", "maxTotalInstances", "maxTotalKeypairs",
        "maxTotalRAMSize", "maxServerGroups", "maxServerGroupMembers", "totalCoresUsed",
        "totalInstancesUsed", "totalRAMUsed", "totalServerGroupsUsed"}
NETWORK = {"maxTotalFloatingIps", "maxSecurityGroups", "maxSecurityGroupRules",
           "totalFloatingIpsUsed", "totalSecurityGroupsUsed"}
PERSONALITY = {"maxPersonality", "maxPersonalitySize"}


def test_absolute_names_follow_the_microversion(client: TestClient,
                                                member_a: dict[str, str]) -> None:
    expect = {"2.1": BASE | NETWORK | PERSONALITY | {"maxImageMeta"},
              "2.36": BASE | PERSONALITY | {"maxImageMeta"}, "2.39": BASE | PERSONALITY,
              "2.57": BASE, "2.61": BASE}
    for version, names in expect.items():
        response = client.get(LIMITS, headers=headers(member_a["token"], version))
        assert response.status_code == 200
        body = response.json()["limits"]
        assert body["rate"] == [] and set(body["absolute"]) == names, version
    absolute = client.get(LIMITS, headers=headers(member_a["token"])).json()["limits"]["absolute"]
    assert absolute["maxTotalInstances"] == 10 and absolute["maxImageMeta"] == 128
    assert absolute["maxTotalKeypairs"] == 100 and absolute["totalRAMUsed"] == 0


def test_limits_reflect_quota_updates_and_usage(client: TestClient, admin: dict[str, str],
                                                member_a: dict[str, str]) -> None:
    project = member_a["project_id"]
    body = {"quota_set": {"instances": 4, "key_pairs": 7}}
    assert client.put(f"/compute/v2.1/os-quota-sets/{project}", json=body,
                      headers=admin).status_code == 200
    client.post("/compute/v2.1/os-keypairs", headers=headers(member_a["token"]),
                json={"keypair": {"name": "k", "public_key": NOVA_KEY}})
    mine = client.get(LIMITS, headers=headers(member_a["token"])).json()["limits"]["absolute"]
    assert (mine["maxTotalInstances"], mine["maxTotalKeypairs"]) == (4, 7)
    theirs = client.get(LIMITS, params={"tenant_id": project}, headers=admin).json()
    assert theirs["limits"]["absolute"]["maxTotalInstances"] == 4
    own = client.get(LIMITS, headers=admin).json()["limits"]["absolute"]
    assert own["maxTotalInstances"] == 10


def test_only_admins_may_ask_for_another_project(client: TestClient, member_a: dict[str, str],
                                                 member_b: dict[str, str]) -> None:
    response = client.get(LIMITS, params={"tenant_id": member_b["project_id"]},
                          headers=headers(member_a["token"]))
    assert response.status_code == 403 and "forbidden" in response.json()


def test_version_headers(client: TestClient, member_a: dict[str, str]) -> None:
    latest = client.get(LIMITS, headers=headers(member_a["token"], "latest"))
    assert latest.headers["OpenStack-API-Version"] == f"compute {COMPUTE_MAX}"
    assert latest.headers["X-OpenStack-Nova-API-Version"] == COMPUTE_MAX
    legacy = client.get(LIMITS, headers={"X-Auth-Token": member_a["token"],
                                         "X-OpenStack-Nova-API-Version": "2.36"})
    assert "maxTotalFloatingIps" not in legacy.json()["limits"]["absolute"]
    assert legacy.headers["OpenStack-API-Version"] == "compute 2.36"
    default = client.get(LIMITS, headers=headers(member_a["token"]))
    assert default.headers["OpenStack-API-Version"] == "compute 2.1"
    too_new = client.get(LIMITS, headers=headers(member_a["token"], "2.999"))
    assert too_new.status_code == 406
    assert too_new.json()["computeFault"]["message"] == (
        f"Version 2.999 is not supported by the API. Minimum is 2.1 and maximum is {COMPUTE_MAX}.")
    malformed = client.get(LIMITS, headers=headers(member_a["token"], "2.01"))
    assert malformed.status_code == 400 and "badRequest" in malformed.json()
