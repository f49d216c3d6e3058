"""`DryRun=true` on every EC2 action: the caller's permission is checked and the answer is
EC2's DryRunOperation (412) when the action would have been allowed, UnauthorizedOperation
(403) when not; nothing is recorded either way. The table names every action that changes
something, so a new one cannot be left out."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from api.ec2.ids import resolved
from api.ec2.router import ACTIONS
from ops.bootstrap import Cloud
from tests.support.compute_api import Compute
from tests.support.ec2 import ec2_client, ec2_credentials, reader_of_a
from tests.support.keypairs_api import NOVA_KEY
from tests.support.volumes_api import Volumes

RULE = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
         "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]


@pytest.fixture
def things(ec2: Any, compute: Compute, volumes: Volumes) -> dict[str, str]:
    """Project A's things, made for real, for the dry runs to name."""

    def volume() -> str:
        made = str(ec2.create_volume(Size=1, AvailabilityZone="nova")["VolumeId"])
        key = resolved(compute.cloud.store, "volumes", "vol", made, "NotFound")
        volumes.report("created", str(UUID(key)), f"/pool/{key}")
        return made

    ec2.import_key_pair(KeyName="held", PublicKeyMaterial=NOVA_KEY.encode())
    ami = "ami-" + UUID(compute.image).hex[:17]
    instance = ec2.run_instances(ImageId=ami, InstanceType="m1.tiny", MinCount=1,
                                 MaxCount=1)["Instances"][0]["InstanceId"]
    compute.spawned(resolved(compute.cloud.store, "servers", "i", instance, "NotFound"))
    attached = volume()
    ec2.attach_volume(VolumeId=attached, InstanceId=instance, Device="/dev/vdb")
    free = volume()
    bound = ec2.allocate_address(Domain="vpc")["AllocationId"]
    group = ec2.create_security_group(GroupName="web", Description="web")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=RULE)
    ec2.authorize_security_group_egress(GroupId=group, IpPermissions=RULE)
    return {"ami": ami, "instance": instance, "attached": attached, "free": free,
            "address": ec2.allocate_address(Domain="vpc")["AllocationId"],
            "association": ec2.associate_address(AllocationId=bound,
                                                 InstanceId=instance)["AssociationId"],
            "group": group, "snapshot": ec2.create_snapshot(VolumeId=free)["SnapshotId"],
            "image": ec2.create_image(InstanceId=instance, Name="mine")["ImageId"]}


def changes(t: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Every changing action, with parameters that would succeed for project A's member."""
    instances = {"InstanceIds": [t["instance"]]}
    return {
        "RunInstances": {"ImageId": t["ami"], "InstanceType": "m1.tiny", "MinCount": 1,
                         "MaxCount": 1},
        "StartInstances": instances, "StopInstances": instances,
        "RebootInstances": instances, "TerminateInstances": instances,
        "CreateImage": {"InstanceId": t["instance"], "Name": "again"},
        "DeregisterImage": {"ImageId": t["image"]},
        "CreateKeyPair": {"KeyName": "new"},
        "ImportKeyPair": {"KeyName": "new", "PublicKeyMaterial": NOVA_KEY.encode()},
        "DeleteKeyPair": {"KeyName": "held"},
        "AllocateAddress": {"Domain": "vpc"},
        "AssociateAddress": {"AllocationId": t["address"], "InstanceId": t["instance"]},
        "DisassociateAddress": {"AssociationId": t["association"]},
        "ReleaseAddress": {"AllocationId": t["address"]},
        "CreateVolume": {"Size": 1, "AvailabilityZone": "nova"},
        "AttachVolume": {"VolumeId": t["free"], "InstanceId": t["instance"],
                         "Device": "/dev/vdc"},
        "DetachVolume": {"VolumeId": t["attached"]},
        "DeleteVolume": {"VolumeId": t["free"]},
        "CreateSnapshot": {"VolumeId": t["free"]},
        "DeleteSnapshot": {"SnapshotId": t["snapshot"]},
        "CreateSecurityGroup": {"GroupName": "db", "Description": "db"},
        "DeleteSecurityGroup": {"GroupId": t["group"]},
        "AuthorizeSecurityGroupIngress": {"GroupId": t["group"], "IpPermissions": [
            {**RULE[0], "FromPort": 80, "ToPort": 80}]},
        "AuthorizeSecurityGroupEgress": {"GroupId": t["group"], "IpPermissions": [
            {**RULE[0], "FromPort": 80, "ToPort": 80}]},
        "RevokeSecurityGroupIngress": {"GroupId": t["group"], "IpPermissions": RULE},
        "RevokeSecurityGroupEgress": {"GroupId": t["group"], "IpPermissions": RULE},
        "CreateTags": {"Resources": [t["instance"], t["attached"]],
                       "Tags": [{"Key": "env", "Value": "dev"}]},
        "DeleteTags": {"Resources": [t["instance"]], "Tags": [{"Key": "env"}]},
    }


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


def test_a_permitted_dry_run_changes_nothing(ec2: Any, things: dict[str, str],
                                             cloud: Cloud) -> None:
    before = cloud.app.recorder.max_notification_id()
    for action, params in changes(things).items():
        assert dry_run(ec2, action, params) == (412, "DryRunOperation"), action
    for action in ("DescribeInstances", "DescribeVolumes", "DescribeRegions"):
        assert dry_run(ec2, action, {}) == (412, "DryRunOperation"), action
    assert cloud.app.recorder.max_notification_id() == before
    held = ec2.describe_instances(InstanceIds=[things["instance"]])["Reservations"]
    assert held[0]["Instances"][0]["State"]["Name"] == "running"
    assert ec2.describe_instances()["Reservations"] == held


def test_a_refused_dry_run_is_unauthorized(ec2_url: str, things: dict[str, str],
                                           client: TestClient, cloud: Cloud,
                                           member_a: dict[str, str]) -> None:
    reader = ec2_client(ec2_url, *ec2_credentials(client, reader_of_a(cloud, client,
                                                                      member_a)))
    before = cloud.app.recorder.max_notification_id()
    asked = changes(things)
    for action in ("RunInstances", "TerminateInstances", "CreateVolume", "DeleteVolume",
                   "AllocateAddress", "CreateTags"):
        assert dry_run(reader, action, asked[action]) == (403, "UnauthorizedOperation"), action
    assert dry_run(reader, "DescribeInstances", {}) == (412, "DryRunOperation")
    assert cloud.app.recorder.max_notification_id() == before
