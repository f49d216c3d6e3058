"""EC2 security groups through boto3: the project's Neutron groups and rules, the same ones
`/security-groups` lists; instances started in a group."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from tests.support.compute_api import Compute


def code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_group_session(ec2: Any, compute: Compute, client: TestClient,
                       member_a: dict[str, str]) -> None:
    web = ec2.create_security_group(GroupName="web", Description="web servers")["GroupId"]
    db = ec2.create_security_group(GroupName="db", Description="databases")["GroupId"]
    assert web.startswith("sg-")
    neutron = client.get("/network/v2.0/security-groups",
                         headers={"X-Auth-Token": member_a["token"]}).json()["security_groups"]
    assert {"web", "db"} <= {g["name"] for g in neutron}
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
         "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1}])
    ec2.authorize_security_group_ingress(GroupId=db, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
         "UserIdGroupPairs": [{"GroupId": web}]}])
    shown = {g["GroupName"]: g for g in ec2.describe_security_groups(
        GroupIds=[web, db])["SecurityGroups"]}
    ssh = [p for p in shown["web"]["IpPermissions"] if p["IpProtocol"] == "tcp"]
    assert [(p["FromPort"], p["ToPort"], p["IpRanges"]) for p in ssh] == [
        (22, 22, [{"CidrIp": "10.0.0.0/8"}])]
    assert shown["db"]["IpPermissions"][0]["UserIdGroupPairs"][0]["GroupId"] == web
    assert shown["web"]["IpPermissionsEgress"], "Neutron's default egress rules"
    with pytest.raises(ClientError) as duplicate:
        ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
             "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    assert code(duplicate) == "InvalidPermission.Duplicate"

    ami = "ami-" + UUID(compute.image).hex[:17]
    run = ec2.run_instances(ImageId=ami, InstanceType="m1.tiny", MinCount=1, MaxCount=1,
                            SecurityGroupIds=[web])
    server_id = client.get("/compute/v2.1/servers", headers={"X-Auth-Token": member_a["token"]}
                           ).json()["servers"][0]["id"]
    in_groups = client.get(f"/compute/v2.1/servers/{server_id}/os-security-groups",
                           headers={"X-Auth-Token": member_a["token"]}).json()
    assert [g["name"] for g in in_groups["security_groups"]] == ["web"]
    assert run["Instances"][0]["InstanceId"] == "i-" + UUID(server_id).hex[:17]

    ec2.revoke_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
         "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    left = ec2.describe_security_groups(GroupNames=["web"])["SecurityGroups"][0]
    assert [p["IpProtocol"] for p in left["IpPermissions"]] == ["icmp"]
    with pytest.raises(ClientError) as absent:
        ec2.revoke_security_group_ingress(GroupId=web, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
             "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    assert code(absent) == "InvalidPermission.NotFound"
    ec2.revoke_security_group_ingress(GroupId=db, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
         "UserIdGroupPairs": [{"GroupId": web}]}])
    ec2.delete_security_group(GroupId=db)
    assert [g["GroupName"] for g in ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["db", "web"]}])["SecurityGroups"]] == ["web"]
    with pytest.raises(ClientError) as unknown:
        ec2.describe_security_groups(GroupIds=["sg-00000000000000000"])
    assert code(unknown) == "InvalidGroup.NotFound"
