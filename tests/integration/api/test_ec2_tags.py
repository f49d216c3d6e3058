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
