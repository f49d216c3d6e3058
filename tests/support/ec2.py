"""The EC2 front end under test: the app served by uvicorn on a loopback port (botocore needs a
real HTTP endpoint), EC2 credentials made through the identity API as `openstack ec2
credentials create` makes them, and an unmodified boto3 client signed with them."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import uvicorn
from botocore.config import Config
from fastapi import FastAPI
from fastapi.testclient import TestClient


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """`app` on 127.0.0.1 at a free port, for the block; its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


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
