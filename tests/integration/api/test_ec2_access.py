"""Who may do what through EC2: the OpenStack API's policy rules and project scoping, reached
through an access key. Another project's member sees and changes nothing of project A's; a
reader of A reads but is refused every change (UnauthorizedOperation); no refusal records an
event."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from ops.bootstrap import Cloud
from tests.support.compute_api import Compute
from tests.support.ec2 import ec2_client, ec2_credentials, reader_of_a
from tests.support.keypairs_api import NOVA_KEY


def refused(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as error:
        call(**kwargs)
    return str(error.value.response["Error"]["Code"])


@pytest.fixture
def a_things(ec2: Any, compute: Compute) -> dict[str, str]:
    """Project A's instance, volume, address and key pair, made through EC2."""
    ec2.import_key_pair(KeyName="alices", PublicKeyMaterial=NOVA_KEY.encode())
    ami = "ami-" + UUID(compute.image).hex[:17]
    run = ec2.run_instances(ImageId=ami, InstanceType="m1.tiny", MinCount=1, MaxCount=1)
    return {"instance": run["Instances"][0]["InstanceId"], "ami": ami,
            "volume": ec2.create_volume(Size=1, AvailabilityZone="nova")["VolumeId"],
            "address": ec2.allocate_address(Domain="vpc")["AllocationId"]}


def test_another_project_sees_and_changes_nothing(
        ec2: Any, ec2_url: str, a_things: dict[str, str], client: TestClient,
        member_b: dict[str, str], cloud: Cloud) -> None:
    b = ec2_client(ec2_url, *ec2_credentials(client, member_b))
    before = cloud.app.recorder.max_notification_id()
    assert b.describe_instances()["Reservations"] == []
    assert b.describe_volumes()["Volumes"] == []
    assert b.describe_addresses()["Addresses"] == []
    assert b.describe_key_pairs()["KeyPairs"] == []
    instance = a_things["instance"]
    for call, kwargs in ((b.describe_instances, {"InstanceIds": [instance]}),
                         (b.stop_instances, {"InstanceIds": [instance]}),
                         (b.terminate_instances, {"InstanceIds": [instance]}),
                         (b.get_console_output, {"InstanceId": instance})):
        assert refused(call, **kwargs) == "InvalidInstanceID.NotFound"
    assert refused(b.delete_volume, VolumeId=a_things["volume"]) == "InvalidVolume.NotFound"
    assert refused(b.release_address,
                   AllocationId=a_things["address"]) == "InvalidAllocationID.NotFound"
    assert cloud.app.recorder.max_notification_id() == before
    assert [r["Instances"][0]["InstanceId"] for r in ec2.describe_instances()["Reservations"]] \
        == [instance]


def test_a_reader_reads_and_changes_nothing(
        ec2: Any, ec2_url: str, a_things: dict[str, str], client: TestClient, cloud: Cloud,
        member_a: dict[str, str]) -> None:
    reader = ec2_client(ec2_url, *ec2_credentials(client, reader_of_a(cloud, client, member_a)))
    assert [r["Instances"][0]["InstanceId"] for r in reader.describe_instances()["Reservations"]] \
        == [a_things["instance"]]
    assert [v["VolumeId"] for v in reader.describe_volumes()["Volumes"]] == [a_things["volume"]]
    before = cloud.app.recorder.max_notification_id()
    for call, kwargs in (
            (reader.run_instances, {"ImageId": a_things["ami"], "InstanceType": "m1.tiny",
                                    "MinCount": 1, "MaxCount": 1}),
            (reader.stop_instances, {"InstanceIds": [a_things["instance"]]}),
            (reader.reboot_instances, {"InstanceIds": [a_things["instance"]]}),
            (reader.terminate_instances, {"InstanceIds": [a_things["instance"]]}),
            (reader.create_volume, {"Size": 1, "AvailabilityZone": "nova"}),
            (reader.delete_volume, {"VolumeId": a_things["volume"]}),
            (reader.allocate_address, {"Domain": "vpc"}),
            (reader.release_address, {"AllocationId": a_things["address"]})):
        assert refused(call, **kwargs) == "UnauthorizedOperation", call
    assert cloud.app.recorder.max_notification_id() == before
