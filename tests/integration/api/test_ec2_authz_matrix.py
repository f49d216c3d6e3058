"""Every EC2 action that changes something (tests/support/ec2_actions.py), called for real by
those who may not: a reader of project A is refused each one (UnauthorizedOperation) but for
its own key pairs, and another project's member finds none of A's things (their
`….NotFound`); neither records an event nor touches A member's key pair. The table is the one
test_ec2_dry_run.test_every_change_is_named checks is complete."""

from __future__ import annotations

from typing import Any

from botocore import xform_name
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from ops.bootstrap import Cloud
from tests.support.ec2 import ec2_client, ec2_credentials, reader_of_a
from tests.support.ec2_actions import changes

# Key pairs are their user's own, whatever the role (Nova's os-keypairs policy): these act on
# the caller's, never on member A's "held" (and DeleteKeyPair of a name the caller does not
# have answers true, as AWS's does).
USERS_OWN = frozenset({"CreateKeyPair", "ImportKeyPair", "DeleteKeyPair"})
# Made in the caller's own project, naming none of A's things: another project's member may.
OWN_CREATES = USERS_OWN | {"RunInstances", "AllocateAddress", "CreateVolume",
                           "CreateSecurityGroup"}


def held_key(ec2: Any) -> list[str]:
    return [k["KeyName"] for k in ec2.describe_key_pairs()["KeyPairs"]]


def refusal(client: Any, action: str, params: dict[str, Any]) -> str:
    """The EC2 error code of the call, or "done" if it was carried out."""
    try:
        getattr(client, xform_name(action))(**params)
    except ClientError as refused:
        return str(refused.response["Error"]["Code"])
    return "done"


def test_a_reader_is_refused_every_change(ec2: Any, ec2_url: str, ec2_things: dict[str, str],
                                          client: TestClient, cloud: Cloud,
                                          member_a: dict[str, str]) -> None:
    reader = ec2_client(ec2_url, *ec2_credentials(client, reader_of_a(cloud, client,
                                                                      member_a)))
    before = cloud.app.recorder.max_notification_id()
    found = {action: refusal(reader, action, params)
             for action, params in changes(ec2_things).items() if action not in USERS_OWN}
    assert found == dict.fromkeys(found, "UnauthorizedOperation")
    assert cloud.app.recorder.max_notification_id() == before
    assert refusal(reader, "DeleteKeyPair", {"KeyName": "held"}) == "done"
    assert held_key(ec2) == ["held"]


def test_another_project_finds_none_of_a_things(ec2: Any, ec2_url: str,
                                                ec2_things: dict[str, str],
                                                client: TestClient, cloud: Cloud,
                                                member_b: dict[str, str]) -> None:
    b = ec2_client(ec2_url, *ec2_credentials(client, member_b))
    before = cloud.app.recorder.max_notification_id()
    found = {action: refusal(b, action, params)
             for action, params in changes(ec2_things).items() if action not in OWN_CREATES}
    assert all(code.endswith(".NotFound") for code in found.values()), found
    assert cloud.app.recorder.max_notification_id() == before
    assert held_key(ec2) == ["held"]
