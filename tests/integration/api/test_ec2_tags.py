"""EC2 tags through boto3: an instance's are its server metadata, a volume's its volume
metadata, so `/servers/{id}/metadata` shows what CreateTags set."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from tests.support.compute_api import Compute


def test_tags_on_instances_and_volumes(ec2: Any, compute: Compute, client: TestClient,
                                       member_a: dict[str, str]) -> None:
    ami = "ami-" + UUID(compute.image).hex[:17]
    instance = ec2.run_instances(ImageId=ami, InstanceType="m1.tiny", MinCount=1,
                                 MaxCount=1)["Instances"][0]["InstanceId"]
    server_id = client.get("/compute/v2.1/servers", headers={"X-Auth-Token": member_a["token"]}
                           ).json()["servers"][0]["id"]
    compute.spawned(server_id)
    volume = ec2.create_volume(Size=1, AvailabilityZone="nova")["VolumeId"]
    ec2.create_tags(Resources=[instance, volume],
                    Tags=[{"Key": "role", "Value": "web"}, {"Key": "team", "Value": "a"}])
    metadata = client.get(f"/compute/v2.1/servers/{server_id}/metadata",
                          headers={"X-Auth-Token": member_a["token"]}).json()["metadata"]
    assert metadata == {"role": "web", "team": "a"}
    described = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]
    assert described["Instances"][0]["Tags"] == [{"Key": "role", "Value": "web"},
                                                 {"Key": "team", "Value": "a"}]
    on_volume = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [volume]}])
    assert [(t["Key"], t["ResourceType"]) for t in on_volume["Tags"]] == [
        ("role", "volume"), ("team", "volume")]
    ec2.delete_tags(Resources=[instance], Tags=[{"Key": "role"}, {"Key": "team", "Value": "b"}])
    assert ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": ["instance"]}]
                             )["Tags"] == [{"Key": "team", "ResourceId": instance,
                                            "ResourceType": "instance", "Value": "a"}]
    with pytest.raises(ClientError) as bad:
        ec2.create_tags(Resources=["sg-123"], Tags=[{"Key": "k", "Value": "v"}])
    assert bad.value.response["Error"]["Code"] == "InvalidID"


def test_the_name_tag_names_the_server(ec2: Any, compute: Compute, client: TestClient,
                                       member_a: dict[str, str]) -> None:
    """A Name tag at launch (TagSpecifications) or later (CreateTags) is the server's name in
    the OpenStack API too; the tags given at launch are the instance's tags and filter it."""
    ami = "ami-" + UUID(compute.image).hex[:17]
    run = ec2.run_instances(ImageId=ami, InstanceType="m1.tiny", MinCount=1, MaxCount=1,
                            TagSpecifications=[{"ResourceType": "instance", "Tags": [
                                {"Key": "Name", "Value": "web 1"},
                                {"Key": "team", "Value": "a"}]}])
    instance = run["Instances"][0]["InstanceId"]
    assert run["Instances"][0]["Tags"] == [{"Key": "Name", "Value": "web 1"},
                                           {"Key": "team", "Value": "a"}]

    def servers() -> list[dict[str, str]]:
        return list(client.get("/compute/v2.1/servers",
                               headers={"X-Auth-Token": member_a["token"]}).json()["servers"])

    assert [s["name"] for s in servers()] == ["web 1"]
    compute.spawned(servers()[0]["id"])
    for name, values in (("tag:Name", ["web 1"]), ("tag-key", ["team"])):
        found = ec2.describe_instances(Filters=[{"Name": name, "Values": values}])
        assert [r["Instances"][0]["InstanceId"] for r in found["Reservations"]] == [instance]
    assert ec2.describe_instances(
        Filters=[{"Name": "tag:Name", "Values": ["web 2"]}])["Reservations"] == []
    ec2.create_tags(Resources=[instance], Tags=[{"Key": "Name", "Value": "web 2"}])
    assert [s["name"] for s in servers()] == ["web 2"]
    before = compute.cloud.app.recorder.max_notification_id()
    for tags, kind in (([{"Key": "Name", "Value": " padded"}], "instance"),
                       ([{"Key": "Name", "Value": "x"}], "volume")):
        with pytest.raises(ClientError) as bad:
            ec2.run_instances(ImageId=ami, InstanceType="m1.tiny", MinCount=1, MaxCount=1,
                              TagSpecifications=[{"ResourceType": kind, "Tags": tags}])
        assert bad.value.response["Error"]["Code"] == "InvalidParameterValue", kind
    with pytest.raises(ClientError) as bad_name:
        ec2.create_tags(Resources=[instance], Tags=[{"Key": "Name", "Value": ""}])
    assert bad_name.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert compute.cloud.app.recorder.max_notification_id() == before
