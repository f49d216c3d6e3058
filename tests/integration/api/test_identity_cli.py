"""The real `openstack` CLI (python-openstackclient, keystoneauth) against a live server.

The CLI runs in-process (one import, then ~0.1 s per command) against uvicorn on a free port;
one event store is enough here, since what is checked is the HTTP contract the CLI relies on.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from ops.bootstrap import build
from ops.first_start import ensure_bootstrapped
from tests.support.live_server import free_socket, served, url_of
from tests.support.settings import make_settings

# osc-lib and openstacksdk warn about their own deprecations; nothing here to act on.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def live_url(tmp_path: Path) -> Iterator[str]:
    sock = free_socket()
    cloud = build(make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'events.sqlite'}",
                                public_url=url_of(sock)), follow=False)
    ensure_bootstrapped(cloud)
    try:
        with served(create_app(cloud), sock) as url:
            yield url
    finally:
        cloud.close()


def openstack(url: str, *argv: str, user: str = "admin", password: str = "admin-secret",
              project: str = "admin") -> Any:
    """Run one `openstack` command in-process; JSON output decoded when `-f json` is asked."""
    from openstackclient.shell import main

    auth = ["--os-auth-url", f"{url}/identity/v3", "--os-identity-api-version", "3",
            "--os-username", user, "--os-password", password, "--os-project-name", project,
            "--os-user-domain-name", "Default", "--os-project-domain-name", "Default"]
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            code = main([*auth, *argv])
    finally:  # cliff reconfigures the root logger; leave it as the other tests expect it
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]
    assert code == 0, f"openstack {' '.join(argv)} failed: {out.getvalue()}"
    return json.loads(out.getvalue()) if "json" in argv else out.getvalue()


def test_openstack_cli_project_user_role_flow(live_url: str) -> None:
    created = openstack(live_url, "project", "create", "--description", "demo project", "demo",
                        "-f", "json")
    assert (created["name"], created["domain_id"], created["enabled"]) == ("demo", "default", True)
    assert "demo" in [p["Name"] for p in openstack(live_url, "project", "list", "-f", "json")]
    assert openstack(live_url, "project", "show", "demo", "-f", "json")["id"] == created["id"]

    user = openstack(live_url, "user", "create", "--password", "s3cret", "--project", "demo",
                     "dana", "-f", "json")
    assert user["default_project_id"] == created["id"] and "password" not in user
    openstack(live_url, "role", "add", "--project", "demo", "--user", "dana", "member")
    [assignment] = openstack(live_url, "role", "assignment", "list", "--user", "dana", "--names",
                             "-f", "json")
    assert (assignment["Role"], assignment["User"], assignment["Project"]) == \
        ("member", "dana@Default", "demo@Default")

    # keystoneauth as the new user: a token scoped to the project, and the user's own projects.
    issued = openstack(live_url, "token", "issue", "-f", "json", user="dana", password="s3cret",
                       project="demo")
    assert (issued["project_id"], issued["user_id"]) == (created["id"], user["id"])
    mine = openstack(live_url, "project", "list", "--my-projects", "-f", "json", user="dana",
                     password="s3cret", project="demo")
    assert [p["Name"] for p in mine] == ["demo"]

    openstack(live_url, "project", "delete", "demo")
    assert "demo" not in [p["Name"] for p in openstack(live_url, "project", "list", "-f", "json")]


def test_ec2_credentials_from_the_cli_sign_boto3_requests(live_url: str) -> None:
    """The README's EC2 path: `openstack ec2 credentials create`, then boto3 with the pair."""
    from tests.support.ec2 import ec2_client

    made = openstack(live_url, "ec2", "credentials", "create", "-f", "json")
    ec2 = ec2_client(live_url, made["access"], made["secret"])
    assert [r["RegionName"] for r in ec2.describe_regions()["Regions"]] == ["RegionOne"]
    assert made["access"] in openstack(live_url, "ec2", "credentials", "list", "-f", "value")
