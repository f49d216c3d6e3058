"""EC2 DescribeImages through boto3: the images Glance shows the project, as `ami-…`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from botocore.exceptions import ClientError

from tests.support.compute_api import Compute


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
