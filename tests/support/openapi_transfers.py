"""The OpenAPI check of the volume transfer bodies (test_openapi_responses.py's volume test):
a member offers a volume through each API (os-volume-transfer at 3.0, volume-transfers at
3.57) and an administrator's project accepts it."""

from __future__ import annotations

from tests.support.openapi_checks import Checked
from tests.support.volumes_api import Volumes


def check_transfer_bodies(volumes: Volumes, checked: Checked, member: dict[str, str],
                          admin: dict[str, str], project: str, admin_project: str) -> None:
    base = "/volume/v3/{project_id}"
    for kind, version in (("os-volume-transfer", "3.0"), ("volume-transfers", "3.57")):
        who = {"X-Auth-Token": member["token"], "OpenStack-API-Version": f"volume {version}"}
        volume = checked.call("post", f"{base}/volumes", who, project_id=project,
                              json={"volume": {"size": 1}})["volume"]
        volumes.report("created", volume["id"], f"/pool/{volume['id']}")
        transfers = f"{base}/{kind}"
        made = checked.call("post", transfers, who, project_id=project, json={
            "transfer": {"volume_id": volume["id"], "name": "t"}})["transfer"]
        assert len(made["auth_key"]) == 16
        shown = checked.call("get", f"{transfers}/{{transfer_id}}", who, project_id=project,
                             transfer_id=made["id"])["transfer"]
        assert "auth_key" not in shown and ("accepted" in shown) == (version == "3.57")
        checked.call("get", transfers, who, project_id=project)
        checked.call("get", f"{transfers}/detail", who, project_id=project)
        taker = {**admin, "OpenStack-API-Version": f"volume {version}"}
        checked.call("post", f"{transfers}/{{transfer_id}}/accept", taker,
                     project_id=admin_project, transfer_id=made["id"],
                     json={"accept": {"auth_key": made["auth_key"]}})
