"""Every EC2 action that changes something, with parameters naming project A's things (made
for real by the `ec2_things` fixture): the table the DryRun and authorisation tests walk, so a new
action cannot be left out of either (test_ec2_dry_run.test_every_change_is_named)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from api.ec2.ids import resolved
from tests.support.compute_api import Compute
from tests.support.keypairs_api import NOVA_KEY
from tests.support.volumes_api import Volumes

RULE = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
         "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]


def make_things(ec2: Any, compute: Compute, volumes: Volumes) -> dict[str, str]:
    """Project A's things, made for real through A member's client `ec2`, for the actions to
    name (the `ec2_things` fixture)."""

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
