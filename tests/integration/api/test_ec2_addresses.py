"""EC2 Elastic IPs through boto3: the project's floating IPs, the same ones `/floatingips`
lists; allocated, associated with an EC2-run instance, disassociated and released."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from tests.support.compute_api import Compute


def test_address_session(ec2: Any, compute: Compute, client: TestClient,
                         member_a: dict[str, str]) -> None:
    allocated = ec2.allocate_address(Domain="vpc")
    assert allocated["AllocationId"].startswith("eipalloc-") and allocated["Domain"] == "vpc"
    neutron = client.get("/network/v2.0/floatingips",
                         headers={"X-Auth-Token": member_a["token"]}).json()["floatingips"]
    assert [f["floating_ip_address"] for f in neutron] == [allocated["PublicIp"]]
    ami = "ami-" + UUID(compute.image).hex[:17]
    run = ec2.run_instances(ImageId=ami, InstanceType="m1.tiny", MinCount=1, MaxCount=1)
    instance = run["Instances"][0]["InstanceId"]
    with pytest.raises(ClientError) as both:
        ec2.associate_address(AllocationId=allocated["AllocationId"],
                              PublicIp=allocated["PublicIp"], InstanceId=instance)
    assert both.value.response["Error"]["Code"] == "InvalidParameterCombination"
    associated = ec2.associate_address(AllocationId=allocated["AllocationId"],
                                       InstanceId=instance)
    assert associated["AssociationId"].startswith("eipassoc-")
    shown = ec2.describe_addresses(AllocationIds=[allocated["AllocationId"]])["Addresses"]
    assert shown[0]["InstanceId"] == instance and shown[0]["PrivateIpAddress"]
    described = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]
    assert described["Instances"][0]["PublicIpAddress"] == allocated["PublicIp"]
    ec2.disassociate_address(AssociationId=associated["AssociationId"])
    assert "InstanceId" not in ec2.describe_addresses()["Addresses"][0]
    ec2.release_address(AllocationId=allocated["AllocationId"])
    assert ec2.describe_addresses()["Addresses"] == []
    with pytest.raises(ClientError) as gone:
        ec2.release_address(AllocationId=allocated["AllocationId"])
    assert gone.value.response["Error"]["Code"] == "InvalidAllocationID.NotFound"
