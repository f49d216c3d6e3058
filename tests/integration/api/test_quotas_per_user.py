"""Per-user quotas (`os-quota-sets/{project}?user_id=`): a user's own limits within the project,
enforced on the user's own share, and shown with the project's where the user has none."""

from __future__ import annotations

from typing import Any

from domain.context import SYSTEM
from domain.identity.role import role_id
from tests.support.compute_api import Compute, auth
from tests.support.identity import password_token

QS = "/compute/v2.1/os-quota-sets"


def put(compute: Compute, who: dict[str, str], path: str, values: dict[str, Any]) -> Any:
    return compute.client.put(f"{QS}/{path}", json={"quota_set": values}, headers=auth(who))


def get(compute: Compute, who: dict[str, str], path: str) -> dict[str, Any]:
    answer = compute.client.get(f"{QS}/{path}", headers=auth(who))
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["quota_set"])


def test_a_users_limits_within_the_project(compute: Compute, admin: dict[str, str],
                                           member_a: dict[str, str]) -> None:
    project, alice = member_a["project_id"], member_a["user_id"]
    assert put(compute, admin, project, {"ram": 5120}).status_code == 200
    answer = put(compute, admin, f"{project}?user_id={alice}", {"ram": 2048})
    assert answer.status_code == 200, answer.text
    assert answer.json()["quota_set"]["ram"] == 2048 and "id" not in answer.json()["quota_set"]
    compute.cloud.sync_read_models()
    mine = get(compute, admin, f"{project}?user_id={alice}")
    assert (mine["ram"], mine["cores"], mine["id"]) == (2048, 20, project)
    assert get(compute, admin, project)["ram"] == 5120
    above = put(compute, admin, f"{project}?user_id={alice}", {"ram": 6000})
    assert above.status_code == 400 and "less than or equal to 5120" in above.text
    unlimited = put(compute, admin, f"{project}?user_id={alice}", {"ram": -1})
    assert unlimited.status_code == 400
    network = put(compute, admin, f"{project}?user_id={alice}", {"floating_ips": 1})
    assert network.status_code == 400
    assert put(compute, member_a, f"{project}?user_id={alice}", {"ram": 1}).status_code == 403


def test_the_users_share_is_enforced_and_reset(compute: Compute, admin: dict[str, str],
                                               member_a: dict[str, str]) -> None:
    project, alice = member_a["project_id"], member_a["user_id"]
    user = compute.cloud.identity.create_user(SYSTEM, "carol", "pw-carol",
                                              default_project_id=project)
    compute.cloud.identity.grant(SYSTEM, project, user.id.hex, role_id("member").hex)
    compute.cloud.sync_read_models()
    carol = {"token": password_token(compute.client, "carol", "pw-carol", "project-a")}
    assert put(compute, admin, f"{project}?user_id={alice}", {"instances": 1}).status_code == 200
    compute.active(member_a)
    refused = compute.boot(member_a)
    assert refused.status_code == 403, refused.text
    compute.active(carol)  # the project has room, and carol has no limit of her own
    compute.cloud.sync_read_models()
    detail = get(compute, admin, f"{project}/detail?user_id={alice}")
    assert detail["instances"] == {"limit": 1, "in_use": 1, "reserved": 0}
    assert get(compute, admin, f"{project}/detail")["instances"]["in_use"] == 2
    below = put(compute, admin, f"{project}?user_id={alice}", {"instances": 0})
    assert below.status_code == 400 and "already used" in below.text
    reset = compute.client.delete(f"{QS}/{project}?user_id={alice}", headers=auth(admin))
    assert reset.status_code == 202
    compute.cloud.sync_read_models()
    assert get(compute, admin, f"{project}?user_id={alice}")["instances"] == 10
    assert compute.boot(member_a).status_code == 202
