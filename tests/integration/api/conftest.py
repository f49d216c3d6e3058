"""The EC2 front end's fixtures (tests/support/ec2.py): the cloud's app on a loopback port and
a boto3 client signed with member A's EC2 credentials. Imported when used: the other API tests
need neither boto3 nor uvicorn."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from ops.bootstrap import Cloud
    from tests.support.compute_api import Compute
    from tests.support.volumes_api import Volumes


@pytest.fixture
def ec2_url(cloud: Cloud) -> Iterator[str]:
    from api.app import create_app
    from tests.support.live_server import served

    with served(create_app(cloud)) as url:
        yield url


@pytest.fixture
def ec2_keys(client: TestClient, member_a: dict[str, str]) -> tuple[str, str]:
    from tests.support.ec2 import ec2_credentials

    return ec2_credentials(client, member_a)


@pytest.fixture
def ec2(ec2_url: str, ec2_keys: tuple[str, str]) -> Any:
    from tests.support.ec2 import ec2_client

    return ec2_client(ec2_url, *ec2_keys)


@pytest.fixture
def ec2_things(ec2: Any, compute: Compute, volumes: Volumes) -> dict[str, str]:
    """Project A's instance, volumes, addresses, group, snapshot and image, made through EC2
    (tests/support/ec2_actions.py)."""
    from tests.support.ec2_actions import make_things

    return make_things(ec2, compute, volumes)
