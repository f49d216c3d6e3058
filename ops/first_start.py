"""First start: the admin project, user and roles, Nova's default flavors, Cinder's default
volume type, and clouds.yaml."""

from __future__ import annotations

import os
import secrets
import shlex
from pathlib import Path
from typing import cast

import yaml

from domain.context import SYSTEM
from domain.identity.project import Project
from domain.identity.role import BUILTIN_ROLES, role_id
from domain.identity.user import User
from domain.naming import claim_id
from ops.bootstrap import Cloud


def ensure_bootstrapped(cloud: Cloud) -> str | None:
    """Idempotent. Returns the admin password when this call generated it (to print once)."""
    app, identity = cloud.app, cloud.identity
    for name in BUILTIN_ROLES:
        if app.find(role_id(name)) is None:
            identity.create_role(SYSTEM, name)
    project_claim = app.find(claim_id("project", "default", "admin"))
    if project_claim is None or not project_claim.is_held:
        project = identity.create_project(SYSTEM, "admin", description="Bootstrap project")
    else:
        project = cast(Project, app.find(project_claim.owner_id))  # a held claim's owner exists
    generated = None
    password = cloud.settings.admin_password
    user_claim = app.find(claim_id("user", "default", "admin"))
    if user_claim is None or not user_claim.is_held:
        if password is None:
            password = generated = secrets.token_urlsafe(18)
        user = identity.create_user(SYSTEM, "admin", password, default_project_id=project.id.hex)
    else:
        user = cast(User, app.find(user_claim.owner_id))  # as the project
        if password is not None and identity.authenticate("admin", "default", password) is None:
            identity.update_user(SYSTEM, user.id.hex, {"password": password})
    identity.grant(SYSTEM, project.id.hex, user.id.hex, role_id("admin").hex)
    # As `keystone-manage bootstrap`: the admin also holds admin on the system scope.
    identity.grant_system(SYSTEM, user.id.hex, role_id("admin").hex)
    cloud.catalog.seed_defaults(SYSTEM, cloud.settings.region)
    cloud.flavors.seed_defaults(SYSTEM)
    cloud.volume_types.seed_default(SYSTEM)
    if generated is not None or not clouds_yaml_path(cloud).exists():
        write_clouds_yaml(cloud, password)
    cloud.sync_read_models()
    return generated


def clouds_yaml_path(cloud: Cloud) -> Path:
    return cloud.settings.data_dir / "clouds.yaml"


def write_clouds_yaml(cloud: Cloud, password: str | None) -> Path:
    auth = {
        "auth_url": f"{cloud.settings.public_url}/identity/v3",
        "username": "admin",
        "project_name": "admin",
        "user_domain_name": "Default",
        "project_domain_name": "Default",
    }
    if password is not None:
        auth["password"] = password
    document = {"clouds": {"skyledger": {
        "auth": auth, "region_name": cloud.settings.region, "identity_api_version": 3,
        "interface": "public",
    }}}
    path = clouds_yaml_path(cloud)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        yaml.safe_dump(document, out, sort_keys=False)
    return path


def first_command(clouds_yaml: Path) -> str:
    """The command to try first against this server, in the shape README.md's Quick start shows:
    the checkout's ops/openstack where skyledger runs from one, else `openstack` given this
    clouds.yaml."""
    checkout = Path(__file__).resolve().parents[1]
    wrapper = checkout / "ops" / "openstack"
    if not wrapper.exists():  # installed from a wheel: no checkout around it
        return (f"OS_CLIENT_CONFIG_FILE={shlex.quote(str(clouds_yaml.absolute()))} "
                "OS_CLOUD=skyledger openstack flavor list")
    data_dir = clouds_yaml.parent.resolve()
    prefix = ("" if data_dir == checkout / "var"
              else f"SKYLEDGER_DATA_DIR={shlex.quote(str(data_dir))} ")
    command = "ops/openstack" if Path.cwd().resolve() == checkout else shlex.quote(str(wrapper))
    return f"{prefix}{command} flavor list"
