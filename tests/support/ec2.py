"""The EC2 front end under test (served on a loopback port by tests/support/live_server.py,
since botocore needs a real HTTP endpoint): EC2 credentials made through the identity API as
`openstack ec2 credentials create` makes them, and an unmodified boto3 client signed with
them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from fastapi.testclient import TestClient

from domain.context import SYSTEM
from domain.identity.role import role_id
from tests.support.identity import password_token

if TYPE_CHECKING:
    from ops.bootstrap import Cloud


def ec2_credentials(client: TestClient, who: dict[str, str]) -> tuple[str, str]:
    """(access, secret) of a new EC2 credential of `who` on their project."""
    response = client.post(f"/identity/v3/users/{who['user_id']}/credentials/OS-EC2",
                           headers={"X-Auth-Token": who["token"]},
                           json={"tenant_id": who["project_id"]})
    assert response.status_code == 201, response.text
    credential = response.json()["credential"]
    return credential["access"], credential["secret"]


def ec2_client(url: str, access: str, secret: str, region: str = "RegionOne") -> Any:
    return boto3.client("ec2", endpoint_url=f"{url}/ec2/", region_name=region,
                        aws_access_key_id=access, aws_secret_access_key=secret,
                        config=Config(retries={"total_max_attempts": 1}))


def reader_of_a(cloud: Cloud, client: TestClient, member_a: dict[str, str]) -> dict[str, str]:
    """A user holding only the reader role on member A's project."""
    user = cloud.identity.create_user(SYSTEM, "rita", "pw-rita",
                                      default_project_id=member_a["project_id"])
    cloud.identity.grant(SYSTEM, member_a["project_id"], user.id.hex, role_id("reader").hex)
    cloud.sync_read_models()
    return {"user_id": user.id.hex, "project_id": member_a["project_id"],
            "token": password_token(client, "rita", "pw-rita", member_a["project"])}
