"""`DryRun=true` on every EC2 action: the caller's permission is checked and the answer is
EC2's DryRunOperation (412) when the action would have been allowed, UnauthorizedOperation
(403) when not; nothing is recorded either way. The table names every action that changes
something, so a new one cannot be left out."""

from __future__ import annotations

from typing import Any

import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from api.ec2.router import ACTIONS
from ops.bootstrap import Cloud
from tests.support.ec2 import ec2_client, ec2_credentials, reader_of_a
from tests.support.ec2_actions import changes


def dry_run(client: Any, action: str, params: dict[str, Any]) -> tuple[int, str]:
    with pytest.raises(ClientError) as refused:
        getattr(client, xform_name(action))(DryRun=True, **params)
    response = refused.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], str(response["Error"]["Code"])


def test_every_change_is_named() -> None:
    reading = {a for a in ACTIONS if a.startswith(("Describe", "Get"))}
    names = ("ami", "instance", "attached", "free", "address", "association", "group",
             "snapshot", "image")
    assert set(changes(dict.fromkeys(names, "x"))) == set(ACTIONS) - reading


def test_a_permitted_dry_run_changes_nothing(ec2: Any, ec2_things: dict[str, str],
                                             cloud: Cloud) -> None:
    before = cloud.app.recorder.max_notification_id()
    for action, params in changes(ec2_things).items():
        assert dry_run(ec2, action, params) == (412, "DryRunOperation"), action
    for action in ("DescribeInstances", "DescribeVolumes", "DescribeRegions"):
        assert dry_run(ec2, action, {}) == (412, "DryRunOperation"), action
    assert cloud.app.recorder.max_notification_id() == before
    held = ec2.describe_instances(InstanceIds=[ec2_things["instance"]])["Reservations"]
    assert held[0]["Instances"][0]["State"]["Name"] == "running"
    assert ec2.describe_instances()["Reservations"] == held


def test_a_refused_dry_run_is_unauthorized(ec2_url: str, ec2_things: dict[str, str],
                                           client: TestClient, cloud: Cloud,
                                           member_a: dict[str, str]) -> None:
    reader = ec2_client(ec2_url, *ec2_credentials(client, reader_of_a(cloud, client,
                                                                      member_a)))
    before = cloud.app.recorder.max_notification_id()
    asked = changes(ec2_things)
    for action in ("RunInstances", "TerminateInstances", "CreateVolume", "DeleteVolume",
                   "AllocateAddress", "CreateTags"):
        assert dry_run(reader, action, asked[action]) == (403, "UnauthorizedOperation"), action
    assert dry_run(reader, "DescribeInstances", {}) == (412, "DryRunOperation")
    assert cloud.app.recorder.max_notification_id() == before
