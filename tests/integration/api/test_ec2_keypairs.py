"""EC2 key pairs through boto3: the same keypairs, quota and events as `/os-keypairs`."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from ops.bootstrap import Cloud
from tests.support.keypairs_api import NOVA_KEY


def code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_create_import_describe_delete(ec2: Any, client: TestClient,
                                       member_a: dict[str, str]) -> None:
    made = ec2.create_key_pair(KeyName="made")
    assert made["KeyMaterial"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert made["KeyPairId"].startswith("key-") and len(made["KeyPairId"]) == 21
    imported = ec2.import_key_pair(KeyName="imported", PublicKeyMaterial=NOVA_KEY.encode())
    assert imported["KeyFingerprint"] == "1e:2c:9b:56:79:4b:45:77:f9:ca:7a:98:2c:b0:d5:3c"
    listed = {k["KeyName"]: k for k in ec2.describe_key_pairs()["KeyPairs"]}
    assert set(listed) == {"made", "imported"}
    assert listed["made"]["KeyPairId"] == made["KeyPairId"]
    assert listed["imported"]["PublicKey"] == NOVA_KEY
    # The OpenStack API sees the same keypairs (the same user's).
    nova = client.get("/compute/v2.1/os-keypairs", headers={"X-Auth-Token": member_a["token"]})
    assert {k["keypair"]["name"] for k in nova.json()["keypairs"]} == {"made", "imported"}
    only = ec2.describe_key_pairs(KeyNames=["imported"])["KeyPairs"]
    assert [k["KeyName"] for k in only] == ["imported"]
    by_id = ec2.describe_key_pairs(KeyPairIds=[made["KeyPairId"]])["KeyPairs"]
    assert [k["KeyName"] for k in by_id] == ["made"]
    filtered = ec2.describe_key_pairs(Filters=[{"Name": "key-name", "Values": ["made"]}])
    assert [k["KeyName"] for k in filtered["KeyPairs"]] == ["made"]
    assert ec2.delete_key_pair(KeyName="imported")["Return"] is True
    assert ec2.delete_key_pair(KeyPairId=made["KeyPairId"])["Return"] is True
    assert ec2.describe_key_pairs()["KeyPairs"] == []
    assert ec2.delete_key_pair(KeyName="never-there")["Return"] is True


def test_refusals_change_nothing(ec2: Any, cloud: Cloud) -> None:
    ec2.create_key_pair(KeyName="one")
    before = cloud.app.recorder.max_notification_id()
    with pytest.raises(ClientError) as duplicate:
        ec2.create_key_pair(KeyName="one")
    assert code(duplicate) == "InvalidKeyPair.Duplicate"
    with pytest.raises(ClientError) as bad_name:
        ec2.create_key_pair(KeyName="no/slashes")
    assert code(bad_name) == "InvalidParameterValue"
    with pytest.raises(ClientError) as bad_key:
        ec2.import_key_pair(KeyName="bad", PublicKeyMaterial=b"ssh-rsa not-a-key")
    assert code(bad_key) == "InvalidParameterValue"
    with pytest.raises(ClientError) as unknown:
        ec2.describe_key_pairs(KeyNames=["nope"])
    assert code(unknown) == "InvalidKeyPair.NotFound"
    assert cloud.app.recorder.max_notification_id() == before


def test_quota_refusal_is_ec2s(ec2: Any, client: TestClient, admin: dict[str, str],
                               member_a: dict[str, str]) -> None:
    response = client.put(f"/compute/v2.1/os-quota-sets/{member_a['project_id']}",
                          headers=admin, json={"quota_set": {"key_pairs": 1}})
    assert response.status_code == 200, response.text
    ec2.create_key_pair(KeyName="first")
    with pytest.raises(ClientError) as full:
        ec2.create_key_pair(KeyName="second")
    assert code(full) == "ResourceLimitExceeded"
