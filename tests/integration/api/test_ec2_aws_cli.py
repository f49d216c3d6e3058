"""The AWS CLI, unmodified, driving the EC2 front end with EC2 credentials made through the
identity API: regions, run-instances, describe-instances, terminate-instances, and an EC2
error as the CLI reports it. The servers it makes are the OpenStack API's too."""

from __future__ import annotations

from uuid import UUID

from fastapi.testclient import TestClient

from tests.support.aws_cli import AwsCli
from tests.support.compute_api import Compute


def test_aws_cli_session(ec2_url: str, ec2_keys: tuple[str, str], compute: Compute,
                         client: TestClient, member_a: dict[str, str]) -> None:
    aws = AwsCli(ec2_url, *ec2_keys)
    regions = aws("ec2", "describe-regions")["Regions"]
    assert [r["RegionName"] for r in regions] == ["RegionOne"]
    assert regions[0]["Endpoint"]

    ami = "ami-" + UUID(compute.image).hex[:17]
    run = aws("ec2", "run-instances", "--image-id", ami, "--instance-type", "m1.tiny",
              "--count", "2")
    ids = sorted(i["InstanceId"] for i in run["Instances"])
    assert len(ids) == 2 and run["OwnerId"] == member_a["project_id"]
    listed = client.get("/compute/v2.1/servers",
                        headers={"X-Auth-Token": member_a["token"]}).json()["servers"]
    uuids = {"i-" + UUID(s["id"]).hex[:17]: s["id"] for s in listed}
    assert set(ids) <= set(uuids), "the OpenStack API lists the servers the CLI made"
    for i in ids:
        compute.spawned(uuids[i])

    described = aws("ec2", "describe-instances", "--instance-ids", *ids)["Reservations"]
    assert [r["ReservationId"] for r in described] == [run["ReservationId"]]
    assert sorted((i["InstanceId"], i["State"]["Name"]) for i in described[0]["Instances"]) \
        == [(i, "running") for i in ids]
    running = aws("ec2", "describe-instances", "--filters",
                  "Name=instance-state-name,Values=running",
                  "--query", "Reservations[].Instances[].InstanceId")
    assert sorted(running) == ids

    gone = aws("ec2", "terminate-instances", "--instance-ids", *ids)["TerminatingInstances"]
    assert {t["CurrentState"]["Name"] for t in gone} == {"shutting-down"}
    for i in ids:
        compute.deleted(uuids[i])
    assert aws("ec2", "describe-instances")["Reservations"] == []


def test_aws_cli_reports_ec2_errors(ec2_url: str, ec2_keys: tuple[str, str]) -> None:
    code, _, err = AwsCli(ec2_url, *ec2_keys).run(
        "ec2", "describe-instances", "--instance-ids", "i-00000000000000000")
    assert code != 0 and "InvalidInstanceID.NotFound" in err
    code, _, err = AwsCli(ec2_url, ec2_keys[0], "not-the-secret").run("ec2", "describe-regions")
    assert code != 0 and "SignatureDoesNotMatch" in err
