"""Cinder's per-volume-type quotas (`volumes_<type>`, `gigabytes_<type>`, `snapshots_<type>`):
shown for every type that exists, set by admins on a project or on the default quota class, and
claimed with the totals in the same save as the volume, its extend, its snapshot or its retype.
On both stores (the `cloud` fixture)."""

from __future__ import annotations

from typing import Any

from tests.integration.api.test_volume_types import make_type, types_call
from tests.support.compute_api import auth
from tests.support.volumes_api import Volumes

TYPED = ("volumes", "gigabytes", "snapshots")


def quota_set(volumes: Volumes, admin: dict[str, str], project_id: str, path: str = "",
              **params: Any) -> Any:
    response = volumes.client.get(volumes.url(admin, f"os-quota-sets/{project_id}{path}"),
                                  headers=auth(admin), params=params)
    assert response.status_code == 200, response.text
    return response.json()["quota_set"]


def set_quota(volumes: Volumes, admin: dict[str, str], project_id: str, **limits: int) -> Any:
    response = volumes.client.put(volumes.url(admin, f"os-quota-sets/{project_id}"),
                                  headers=auth(admin), json={"quota_set": limits})
    assert response.status_code == 200, response.text
    return response.json()["quota_set"]


def put_class(volumes: Volumes, who: dict[str, str], body: dict[str, Any]) -> Any:
    return volumes.client.put(volumes.url(who, "os-quota-class-sets/default"),
                              headers=auth(who), json={"quota_class_set": body})


def overlimit(response: Any) -> str:
    assert response.status_code == 413, response.text
    return str(response.json()["overLimit"]["message"])


def test_a_types_keys_come_and_go_with_it(volumes: Volumes, admin: dict[str, str],
                                          member_a: dict[str, str]) -> None:
    project = member_a["project_id"]
    shown = quota_set(volumes, admin, project)
    assert {k: shown[k] for k in ("volumes___DEFAULT__", "gigabytes___DEFAULT__",
                                  "snapshots___DEFAULT__")} == dict.fromkeys(
        ("volumes___DEFAULT__", "gigabytes___DEFAULT__", "snapshots___DEFAULT__"), -1)
    gold = make_type(volumes, admin, "gold")
    for body in (quota_set(volumes, admin, project),
                 quota_set(volumes, admin, project, "/defaults"),
                 volumes.client.get(volumes.url(admin, "os-quota-class-sets/default"),
                                    headers=auth(admin)).json()["quota_class_set"]):
        assert {f"{part}_gold" for part in TYPED} <= set(body)
        assert body["volumes_gold"] == -1
    usage = quota_set(volumes, admin, project, usage="true")
    assert usage["gigabytes_gold"] == {"limit": -1, "in_use": 0, "reserved": 0, "allocated": 0}
    assert types_call(volumes, admin, "DELETE", f"/{gold['id']}").status_code == 202
    assert not {k for k in quota_set(volumes, admin, project) if k.endswith("_gold")}


def test_a_types_quota_is_claimed_with_the_totals(volumes: Volumes, admin: dict[str, str],
                                                  member_a: dict[str, str]) -> None:
    project = member_a["project_id"]
    make_type(volumes, admin, "gold")
    answer = set_quota(volumes, admin, project, volumes_gold=1, gigabytes_gold=5,
                       snapshots_gold=0)
    assert (answer["volumes_gold"], answer["gigabytes_gold"], answer["volumes"]) == (1, 5, 10)
    gold = volumes.ready(member_a, size=2, volume_type="gold")
    assert overlimit(volumes.create(member_a, volume_type="gold")) == (
        "VolumeLimitExceeded: Maximum number of volumes allowed (1) exceeded for quota "
        "'volumes_gold'.")
    plain = volumes.ready(member_a, size=1)  # of the default type: not counted on gold's
    assert overlimit(volumes.action(member_a, gold, {"os-extend": {"new_size": 6}})) == (
        "VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed "
        "gigabytes_gold quota. Requested 4G, quota is 5G and 2G has been consumed.")
    snapshot = volumes.client.post(volumes.url(member_a, "snapshots"), headers=auth(member_a),
                                   json={"snapshot": {"volume_id": gold}})
    assert overlimit(snapshot).startswith("SnapshotLimitExceeded")
    retype = volumes.action(member_a, plain, {"os-retype": {"new_type": "gold"}})
    assert "'volumes_gold'" in overlimit(retype)
    usage = quota_set(volumes, admin, project, usage="true")
    assert {k: usage[k]["in_use"] for k in ("volumes", "gigabytes", "volumes_gold",
                                            "gigabytes_gold", "volumes___DEFAULT__")} == {
        "volumes": 2, "gigabytes": 3, "volumes_gold": 1, "gigabytes_gold": 2,
        "volumes___DEFAULT__": 1}
    # Refused requests changed nothing; a limit below what is in use is Cinder's 400.
    below = volumes.client.put(volumes.url(admin, f"os-quota-sets/{project}"),
                               headers=auth(admin), json={"quota_set": {"gigabytes_gold": 1}})
    assert below.status_code == 400, below.text
    assert below.json()["badRequest"]["message"] == (
        "Quota gigabytes_gold limit must be equal or greater than existing resources. "
        "Current usage is 2 and the requested limit is 1.")


def test_a_retype_moves_the_types_share(volumes: Volumes, admin: dict[str, str],
                                        member_a: dict[str, str]) -> None:
    project = member_a["project_id"]
    make_type(volumes, admin, "gold")
    plain = volumes.ready(member_a, size=2)
    response = volumes.action(member_a, plain, {"os-retype": {"new_type": "gold"}})
    assert response.status_code == 202, response.text
    volumes.cloud.sync_read_models()
    usage = quota_set(volumes, admin, project, usage="true")
    assert (usage["gigabytes_gold"]["in_use"], usage["gigabytes___DEFAULT__"]["in_use"],
            usage["gigabytes"]["in_use"]) == (2, 0, 2)
    assert volumes.client.delete(volumes.url(member_a, f"volumes/{plain}"),
                                 headers=auth(member_a)).status_code == 202
    volumes.report("deleted", plain)
    usage = quota_set(volumes, admin, project, usage="true")
    assert (usage["volumes_gold"]["in_use"], usage["gigabytes"]["in_use"]) == (0, 0)


def test_the_default_class_sets_every_projects_defaults(
        volumes: Volumes, admin: dict[str, str], member_a: dict[str, str],
        member_b: dict[str, str]) -> None:
    make_type(volumes, admin, "gold")
    wanted = {"volumes": 12, "gigabytes": 1001, "volumes_gold": 1, "gigabytes_gold": 5,
              "snapshots_gold": "3"}
    response = put_class(volumes, admin, wanted)
    assert response.status_code == 200, response.text
    answer = response.json()["quota_class_set"]
    assert "id" not in answer and answer["snapshots_gold"] == 3
    assert {k: answer[k] for k in wanted} == {**wanted, "snapshots_gold": 3}
    for who in (member_a, member_b):
        defaults = quota_set(volumes, admin, who["project_id"], "/defaults")
        assert (defaults["volumes"], defaults["volumes_gold"], defaults["backups"]) == (
            12, 1, 10)
        assert quota_set(volumes, admin, who["project_id"])["gigabytes_gold"] == 5
    volumes.made(member_a, volume_type="gold")
    assert "'volumes_gold'" in overlimit(volumes.create(member_a, volume_type="gold"))
    # A project's own limit wins over the class's.
    set_quota(volumes, admin, member_a["project_id"], volumes_gold=2)
    volumes.made(member_a, volume_type="gold")


def test_quota_class_updates_are_checked(volumes: Volumes, admin: dict[str, str],
                                         member_a: dict[str, str]) -> None:
    refused = put_class(volumes, member_a, {"volumes": 1})
    assert refused.status_code == 403, refused.text
    for bad, message in (({"volumes_nosuch": 1}, "Bad key(s) in quota class set: "
                          "volumes_nosuch"),
                         ({"volumes": -2}, None), ({"volumes": "many"}, None)):
        response = put_class(volumes, admin, bad)
        assert response.status_code == 400, (bad, response.text)
        if message:
            assert message in response.json()["badRequest"]["message"]
    unknown = volumes.client.put(volumes.url(admin, f"os-quota-sets/{member_a['project_id']}"),
                                 headers=auth(admin), json={"quota_set": {"gigabytes_x": 1}})
    assert unknown.status_code == 400
    assert unknown.json()["badRequest"]["message"] == "Bad key(s) in quota set: gigabytes_x"
