"""EC2 DescribeImages through boto3: the images Glance shows the project, as `ami-…`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from tests.support.compute_api import WORKER, Compute, make_image


def test_describe_images(ec2: Any, compute: Compute) -> None:
    ami = "ami-" + UUID(compute.image).hex[:17]
    images = {i["ImageId"]: i for i in ec2.describe_images()["Images"]}
    assert images[ami]["State"] == "available" and images[ami]["Name"] == "cirros"
    assert images[ami]["Public"] is True
    assert [i["ImageId"] for i in ec2.describe_images(ImageIds=[ami])["Images"]] == [ami]
    named = ec2.describe_images(Filters=[{"Name": "name", "Values": ["cirros"]}])["Images"]
    assert [i["ImageId"] for i in named] == [ami]
    assert ec2.describe_images(Owners=["self"])["Images"] == []
    with pytest.raises(ClientError) as unknown:
        ec2.describe_images(ImageIds=["ami-00000000000000000"])
    assert unknown.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"


def test_pages_with_next_token(ec2: Any, compute: Compute) -> None:
    for n in range(4):
        make_image(compute.cloud, f"image-{n}")
    compute.cloud.sync_read_models()
    everything = [i["ImageId"] for i in ec2.describe_images()["Images"]]
    assert len(everything) == 5
    seen, token = [], None
    for _ in range(3):
        page = ec2.describe_images(MaxResults=2, **({"NextToken": token} if token else {}))
        seen += [i["ImageId"] for i in page["Images"]]
        token = page.get("NextToken")
    assert seen == everything and token is None
    for kwargs, expected in (
            ({"ImageIds": everything[:1], "MaxResults": 2}, "InvalidParameterCombination"),
            ({"MaxResults": 2, "NextToken": "ami-00000000000000000"}, "InvalidPaginationToken"),
            ({"MaxResults": 0}, "InvalidParameterValue")):
        with pytest.raises(ClientError) as refused:
            ec2.describe_images(**kwargs)
        assert refused.value.response["Error"]["Code"] == expected, kwargs


def test_create_and_deregister_image(ec2: Any, compute: Compute, client: TestClient,
                                     member_a: dict[str, str]) -> None:
    ami = "ami-" + UUID(compute.image).hex[:17]
    instance = ec2.run_instances(ImageId=ami, InstanceType="m1.tiny", MinCount=1,
                                 MaxCount=1)["Instances"][0]["InstanceId"]
    server_id = client.get("/compute/v2.1/servers", headers={"X-Auth-Token": member_a["token"]}
                           ).json()["servers"][0]["id"]
    compute.spawned(server_id)
    made = ec2.create_image(InstanceId=instance, Name="golden", Description="from ec2")
    image = ec2.describe_images(ImageIds=[made["ImageId"]])["Images"][0]
    assert (image["Name"], image["State"], image["OwnerId"]) == (
        "golden", "pending", member_a["project_id"])
    blob = compute.cloud.blobs.put(iter([b"qcow2 bytes of the root disk"]), 2**20)
    compute.cloud.outcomes.action_succeeded(WORKER, UUID(server_id), "snapshot", blob)
    compute.cloud.sync_read_models()
    assert ec2.describe_images(Owners=["self"])["Images"][0]["State"] == "available"
    ec2.deregister_image(ImageId=made["ImageId"])
    assert ec2.describe_images(Owners=["self"])["Images"] == []
    with pytest.raises(ClientError) as public:
        ec2.deregister_image(ImageId=ami)  # the operator's public image: not a member's
    assert public.value.response["Error"]["Code"] == "UnauthorizedOperation"
