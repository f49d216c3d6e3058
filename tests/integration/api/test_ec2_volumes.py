"""EC2 volumes through boto3: the project's Cinder volumes, created, attached to an EC2-run
instance, detached and deleted; the storage and compute workers' outcomes stood in for as in
the other volume API tests (tests/support/volumes_api.py)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from botocore.exceptions import ClientError

from tests.support.compute_api import Compute
from tests.support.volumes_api import Volumes


def test_volume_session(ec2: Any, compute: Compute, volumes: Volumes,
                        member_a: dict[str, str]) -> None:
    made = ec2.create_volume(Size=1, AvailabilityZone="nova")
    assert made["VolumeId"].startswith("vol-") and made["State"] == "creating"
    listed = volumes.listed(member_a)["volumes"]
    volume_uuid = next(v["id"] for v in listed
                       if "vol-" + UUID(v["id"]).hex[:17] == made["VolumeId"])
    volumes.report("created", volume_uuid, f"/pool/{volume_uuid}")
    shown = ec2.describe_volumes(VolumeIds=[made["VolumeId"]])["Volumes"][0]
    assert (shown["State"], shown["Size"]) == ("available", 1)

    ami = "ami-" + UUID(compute.image).hex[:17]
    instance = ec2.run_instances(ImageId=ami, InstanceType="m1.tiny", MinCount=1,
                                 MaxCount=1)["Instances"][0]["InstanceId"]
    server_uuid = next(s["id"] for s in compute.client.get(
        "/compute/v2.1/servers", headers={"X-Auth-Token": member_a["token"]}).json()["servers"])
    compute.spawned(server_uuid)
    for device, why in (("/dev/hdc", "not a device name EC2 takes"),
                        ("/dev/sda", "the root disk's letter")):
        with pytest.raises(ClientError) as bad:
            ec2.attach_volume(VolumeId=made["VolumeId"], InstanceId=instance, Device=device)
        assert bad.value.response["Error"]["Code"] == "InvalidParameterValue", why
    # The letter asked for is the one the attachment gets, on the virtio bus.
    attaching = ec2.attach_volume(VolumeId=made["VolumeId"], InstanceId=instance,
                                  Device="/dev/sdc")
    assert (attaching["InstanceId"], attaching["State"]) == (instance, "attaching")
    assert attaching["Device"] == "/dev/vdc"
    with pytest.raises(ClientError) as taken:
        ec2.attach_volume(VolumeId=made["VolumeId"], InstanceId=instance, Device="/dev/xvdc")
    assert taken.value.response["Error"]["Code"] == "InvalidParameterValue"
    volumes.report("attached", volume_uuid, volumes.attachment_id(volume_uuid),
                   compute.instance(server_uuid).host, "/dev/vdc")
    attached = ec2.describe_volumes(
        Filters=[{"Name": "attachment.instance-id", "Values": [instance]}])["Volumes"]
    assert attached[0]["State"] == "in-use"
    assert attached[0]["Attachments"][0]["State"] == "attached"
    assert attached[0]["Attachments"][0]["Device"] == "/dev/vdc"
    with pytest.raises(ClientError) as busy:
        ec2.delete_volume(VolumeId=made["VolumeId"])
    assert busy.value.response["Error"]["Code"] == "VolumeInUse"
    assert ec2.detach_volume(VolumeId=made["VolumeId"])["State"] == "detaching"
    volumes.report("detached", volume_uuid, volumes.attachment_id(volume_uuid))
    assert ec2.describe_volumes()["Volumes"][0]["State"] == "available"
    ec2.delete_volume(VolumeId=made["VolumeId"])
    with pytest.raises(ClientError) as unknown:
        ec2.describe_volumes(VolumeIds=["vol-00000000000000000"])
    assert unknown.value.response["Error"]["Code"] == "InvalidVolume.NotFound"
