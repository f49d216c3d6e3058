"""The AWS CLI, unmodified, driving the EC2 front end with EC2 credentials made through the
identity API, the whole session issue 20 names: import a key, run two instances, see them
running, tag them, read a console, attach a volume, associate an address, stop, start, and
terminate; the servers it makes are the OpenStack API's too. The compute and storage workers'
outcomes are stood in for as in the other API tests (tests/support/compute_api.py,
volumes_api.py); an EC2 error as the CLI reports it."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from fastapi.testclient import TestClient

from tests.support.aws_cli import AwsCli
from tests.support.compute_api import Compute
from tests.support.keypairs_api import NOVA_KEY
from tests.support.volumes_api import Volumes


def ec2_id(prefix: str, uuid: str) -> str:
    return f"{prefix}-" + UUID(uuid).hex[:17]


def server_ids(client: TestClient, who: dict[str, str]) -> dict[str, str]:
    """`i-…` → uuid of every server the OpenStack API lists for `who`."""
    listed = client.get("/compute/v2.1/servers", headers={"X-Auth-Token": who["token"]}).json()
    return {ec2_id("i", s["id"]): s["id"] for s in listed["servers"]}


def states(aws: AwsCli, ids: list[str]) -> list[str]:
    found = aws("ec2", "describe-instances", "--instance-ids", *ids,
                "--query", "Reservations[].Instances[].[InstanceId,State.Name]")
    by_id = dict(map(tuple, found))
    return [by_id[i] for i in ids]


def test_aws_cli_session(ec2_url: str, ec2_keys: tuple[str, str], compute: Compute,
                         volumes: Volumes, client: TestClient, member_a: dict[str, str],
                         tmp_path: Path) -> None:
    aws = AwsCli(ec2_url, *ec2_keys)
    regions = aws("ec2", "describe-regions")["Regions"]
    assert [r["RegionName"] for r in regions] == ["RegionOne"] and regions[0]["Endpoint"]
    key = tmp_path / "mine.pub"
    key.write_text(NOVA_KEY)
    imported = aws("ec2", "import-key-pair", "--key-name", "mine",
                   "--public-key-material", f"fileb://{key}")
    assert imported["KeyName"] == "mine" and imported["KeyFingerprint"]

    run = aws("ec2", "run-instances", "--image-id", ec2_id("ami", compute.image),
              "--instance-type", "m1.tiny", "--count", "2", "--key-name", "mine",
              "--user-data", "#!/bin/sh\necho hi\n")
    ids = sorted(i["InstanceId"] for i in run["Instances"])
    assert len(ids) == 2 and run["OwnerId"] == member_a["project_id"]
    uuids = server_ids(client, member_a)
    assert set(ids) <= set(uuids), "the OpenStack API lists the servers the CLI made"
    for i in ids:
        compute.spawned(uuids[i])
    assert states(aws, ids) == ["running", "running"]
    running = aws("ec2", "describe-instances", "--filters",
                  "Name=instance-state-name,Values=running",
                  "--query", "Reservations[].Instances[].InstanceId")
    assert sorted(running) == ids

    aws("ec2", "create-tags", "--resources", *ids, "--tags", "Key=role,Value=web")
    tagged = aws("ec2", "describe-instances", "--filters", "Name=tag:role,Values=web",
                 "--query", "Reservations[].Instances[].InstanceId")
    assert sorted(tagged) == ids
    console = aws("ec2", "get-console-output", "--instance-id", ids[0])
    assert console["InstanceId"] == ids[0]

    made = aws("ec2", "create-volume", "--size", "1", "--availability-zone", "nova")
    volume_uuid = next(v["id"] for v in volumes.listed(member_a)["volumes"]
                       if ec2_id("vol", v["id"]) == made["VolumeId"])
    volumes.report("created", volume_uuid, f"/pool/{volume_uuid}")
    attaching = aws("ec2", "attach-volume", "--volume-id", made["VolumeId"],
                    "--instance-id", ids[0], "--device", "/dev/sdc")
    assert (attaching["InstanceId"], attaching["State"]) == (ids[0], "attaching")
    volumes.report("attached", volume_uuid, volumes.attachment_id(volume_uuid),
                   compute.instance(uuids[ids[0]]).host, "/dev/vdc")
    attached = aws("ec2", "describe-volumes", "--volume-ids", made["VolumeId"])["Volumes"][0]
    assert attached["State"] == "in-use" and attached["Attachments"][0]["InstanceId"] == ids[0]

    address = aws("ec2", "allocate-address", "--domain", "vpc")
    association = aws("ec2", "associate-address", "--allocation-id", address["AllocationId"],
                      "--instance-id", ids[1])["AssociationId"]
    public = aws("ec2", "describe-instances", "--instance-ids", ids[1], "--query",
                 "Reservations[0].Instances[0].PublicIpAddress")
    assert public == address["PublicIp"]

    stopping = aws("ec2", "stop-instances", "--instance-ids", ids[0])["StoppingInstances"]
    assert stopping[0]["CurrentState"]["Name"] == "stopping"
    compute.succeeded(uuids[ids[0]], "stop")
    assert states(aws, ids) == ["stopped", "running"]
    aws("ec2", "start-instances", "--instance-ids", ids[0])
    compute.succeeded(uuids[ids[0]], "start")
    assert states(aws, ids) == ["running", "running"]

    aws("ec2", "disassociate-address", "--association-id", association)
    aws("ec2", "release-address", "--allocation-id", address["AllocationId"])
    assert aws("ec2", "detach-volume", "--volume-id", made["VolumeId"])["State"] == "detaching"
    volumes.report("detached", volume_uuid, volumes.attachment_id(volume_uuid))
    aws("ec2", "delete-volume", "--volume-id", made["VolumeId"])
    gone = aws("ec2", "terminate-instances", "--instance-ids", *ids)["TerminatingInstances"]
    assert {t["CurrentState"]["Name"] for t in gone} == {"shutting-down"}
    for i in ids:
        compute.deleted(uuids[i])
    assert aws("ec2", "describe-instances")["Reservations"] == []
    assert not set(ids) & set(server_ids(client, member_a))


def test_aws_cli_reports_ec2_errors(ec2_url: str, ec2_keys: tuple[str, str]) -> None:
    code, _, err = AwsCli(ec2_url, *ec2_keys).run(
        "ec2", "describe-instances", "--instance-ids", "i-00000000000000000")
    assert code != 0 and "InvalidInstanceID.NotFound" in err
    code, _, err = AwsCli(ec2_url, ec2_keys[0], "not-the-secret").run("ec2", "describe-regions")
    assert code != 0 and "SignatureDoesNotMatch" in err
