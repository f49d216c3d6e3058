"""Tenant isolation and role checks through openstacksdk against a real `skyledger serve`.

As admin (identity calls of the sdk) two projects get one member each, and project A a reader
too; then each of them connects with their own password, as a user of the cloud would. A member
asking for an admin action gets 403 and nothing changes; what one project (or, for keypairs, one
user) made is invisible to the other; a reader may look but not make.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import openstack
import pytest
from openstack import exceptions
from openstack.config import OpenStackConfig

from tests.support.disk_images import tiny_qcow2
from tests.support.server_process import Server

Connection = openstack.connection.Connection


def connect_as(server: Server, username: str, password: str, project_name: str) -> Connection:
    """A connection for another user through the written clouds.yaml.

    The overrides go to `get_one`, which loads the auth plugin from them. (Updating
    `region.config["auth"]` after `get_one`, as `Server.connect(**overrides)` does, leaves the
    plugin that was already loaded with the admin's credentials in place.)
    """
    auth = {"username": username, "password": password, "project_name": project_name}
    region = OpenStackConfig(config_files=[str(server.clouds_yaml)]).get_one("skyledger", auth=auth)
    return Connection(config=region)


@dataclass
class Member:
    conn: Connection
    user_id: str
    project_id: str
    username: str
    password: str
    project_name: str


@dataclass
class Tenants:
    alice: Member  # member of project A
    bob: Member  # member of project B
    rita: Member  # reader of project A


@pytest.fixture(scope="module")
def tenants(server: Server, conn: Connection) -> Tenants:
    member = conn.identity.find_role("member", ignore_missing=False)
    reader = conn.identity.find_role("reader", ignore_missing=False)
    project_a = conn.identity.create_project(name="iso-a", description="tenant A")
    project_b = conn.identity.create_project(name="iso-b", description="tenant B")

    def person(name: str, project: openstack.identity.v3.project.Project, role: object) -> Member:
        password = f"{name}-secret-pw"
        user = conn.identity.create_user(name=name, password=password,
                                         default_project_id=project.id)
        conn.identity.assign_project_role_to_user(project, user, role)
        assert conn.identity.validate_user_has_project_role(project, user, role)
        connection = connect_as(server, name, password, project.name)
        assert (connection.current_user_id, connection.current_project_id) == (
            user.id, project.id), "connected as the user asked for, not as the admin"
        return Member(connection, user.id, project.id, name, password, project.name)

    return Tenants(person("iso-alice", project_a, member), person("iso-bob", project_b, member),
                   person("iso-rita", project_a, reader))


@pytest.fixture(scope="module")
def public_image(conn: Connection) -> str:
    image = conn.image.create_image(name="iso-public", data=tiny_qcow2(b"public guest"),
                                    disk_format="qcow2",
                                    container_format="bare", visibility="public",
                                    allow_duplicates=True)
    conn.image.wait_for_status(image, status="active", wait=30, interval=0.2)
    return str(image.id)


@pytest.fixture(scope="module")
def private_image(tenants: Tenants) -> str:
    alice = tenants.alice.conn
    image = alice.image.create_image(name="iso-a-private", data=tiny_qcow2(b"alice's disk"),
                                     disk_format="qcow2", container_format="bare",
                                     allow_duplicates=True)
    alice.image.wait_for_status(image, status="active", wait=30, interval=0.2)
    return str(image.id)


# Identity ---------------------------------------------------------------------------------------


def test_members_see_their_own_project_and_user(tenants: Tenants) -> None:
    alice = tenants.alice
    assert [p.id for p in alice.conn.identity.user_projects(alice.user_id)] == [alice.project_id]
    assert alice.conn.identity.get_project(alice.project_id).name == "iso-a"
    assert alice.conn.identity.get_user(alice.user_id).name == "iso-alice"


def test_a_member_cannot_scope_a_token_to_another_project(
    server: Server, tenants: Tenants
) -> None:
    bob = tenants.bob
    intruder = connect_as(server, bob.username, bob.password, tenants.alice.project_name)
    with pytest.raises(exceptions.SDKException, match="401"):
        intruder.authorize()
    wrong_password = connect_as(server, bob.username, "not-the-password", bob.project_name)
    with pytest.raises(exceptions.SDKException, match="401"):
        wrong_password.authorize()


def test_another_projects_identity_is_hidden(tenants: Tenants) -> None:
    bob, alice = tenants.bob.conn, tenants.alice
    with pytest.raises(exceptions.ForbiddenException):
        bob.identity.get_project(alice.project_id)
    with pytest.raises(exceptions.ForbiddenException):
        bob.identity.get_user(alice.user_id)
    with pytest.raises(exceptions.ForbiddenException):
        list(bob.identity.user_projects(alice.user_id))
    with pytest.raises(exceptions.ForbiddenException):
        list(bob.identity.role_assignments(user_id=alice.user_id))


def test_member_identity_admin_actions_are_forbidden(conn: Connection, tenants: Tenants) -> None:
    alice = tenants.alice.conn
    projects_before = sorted(p.id for p in conn.identity.projects())
    users_before = sorted(u.id for u in conn.identity.users())
    with pytest.raises(exceptions.ForbiddenException):
        list(alice.identity.projects())
    with pytest.raises(exceptions.ForbiddenException):
        list(alice.identity.users())
    with pytest.raises(exceptions.ForbiddenException):
        alice.identity.create_project(name="iso-rogue")
    with pytest.raises(exceptions.ForbiddenException):
        alice.identity.create_user(name="iso-rogue", password="rogue-password")

    # openstacksdk's assign_project_role_to_user swallows the 403 (it answers None whatever the
    # status), so the proof is that the grant does not exist afterwards.
    member = conn.identity.find_role("member", ignore_missing=False)
    project_b = conn.identity.get_project(tenants.bob.project_id)
    alice.identity.assign_project_role_to_user(project_b, tenants.alice.user_id, member)
    user_a = conn.identity.get_user(tenants.alice.user_id)
    assert not conn.identity.validate_user_has_project_role(project_b, user_a, member)

    assert sorted(p.id for p in conn.identity.projects()) == projects_before
    assert sorted(u.id for u in conn.identity.users()) == users_before


# Compute and image admin actions ----------------------------------------------------------------


def test_member_admin_actions_are_forbidden_and_change_nothing(
    conn: Connection, tenants: Tenants
) -> None:
    alice, project_a = tenants.alice.conn, tenants.alice.project_id
    flavors_before = sorted(f.id for f in conn.compute.flavors(is_public=None))
    images_before = sorted(i.id for i in conn.image.images())

    with pytest.raises(exceptions.ForbiddenException):
        alice.compute.create_flavor(name="iso-rogue", ram=64, vcpus=1, disk=1)
    with pytest.raises(exceptions.ForbiddenException):
        alice.compute.delete_flavor("1", ignore_missing=False)
    with pytest.raises(exceptions.ForbiddenException):
        alice.image.create_image(name="iso-rogue-public", disk_format="qcow2",
                                 container_format="bare", visibility="public",
                                 allow_duplicates=True)
    with pytest.raises(exceptions.ForbiddenException):
        alice.compute.update_quota_set(project_a, instances=1000)
    with pytest.raises(exceptions.ForbiddenException):
        alice.compute.revert_quota_set(project_a)
    with pytest.raises(exceptions.ForbiddenException):
        list(alice.compute.hypervisors())
    with pytest.raises(exceptions.ForbiddenException):
        list(alice.compute.servers(all_projects=True))

    assert sorted(f.id for f in conn.compute.flavors(is_public=None)) == flavors_before
    assert conn.compute.get_flavor("1").name == "m1.tiny"
    assert sorted(i.id for i in conn.image.images()) == images_before
    assert conn.compute.get_quota_set(project_a).instances == 10
    assert alice.compute.get_limits().absolute.instances == 10


def test_member_cannot_publicize_own_image(tenants: Tenants, private_image: str) -> None:
    alice = tenants.alice.conn
    with pytest.raises(exceptions.ForbiddenException):
        alice.image.update_image(private_image, visibility="public")
    assert alice.image.get_image(private_image).visibility in ("private", "shared")


# Images -----------------------------------------------------------------------------------------


def test_private_image_is_invisible_to_another_project(
    conn: Connection, tenants: Tenants, private_image: str, public_image: str
) -> None:
    alice, bob = tenants.alice.conn, tenants.bob.conn
    mine = alice.image.get_image(private_image)
    assert mine.owner == tenants.alice.project_id and mine.visibility in ("private", "shared")
    assert {private_image, public_image} <= {i.id for i in alice.image.images()}
    assert alice.image.download_image(private_image).content == tiny_qcow2(b"alice's disk")

    assert public_image in {i.id for i in bob.image.images()}, "public images are for everyone"
    assert bob.image.download_image(public_image).content == tiny_qcow2(b"public guest")
    for query in ({}, {"visibility": "all"}, {"visibility": "private"},
                  {"owner": tenants.alice.project_id}, {"name": "iso-a-private"}):
        assert private_image not in {i.id for i in bob.image.images(**query)}, query
    with pytest.raises(exceptions.NotFoundException):
        bob.image.get_image(private_image)
    with pytest.raises(exceptions.NotFoundException):
        bob.image.find_image("iso-a-private", ignore_missing=False)
    with pytest.raises(exceptions.NotFoundException):
        bob.image.download_image(private_image)
    with pytest.raises(exceptions.NotFoundException):
        bob.image.update_image(private_image, name="stolen")
    with pytest.raises(exceptions.NotFoundException):
        bob.image.add_tag(private_image, "stolen")
    with pytest.raises(exceptions.NotFoundException):
        bob.image.delete_image(private_image, ignore_missing=False)
    with pytest.raises(exceptions.ForbiddenException):
        bob.image.create_image(name="iso-planted", disk_format="qcow2", container_format="bare",
                               owner=tenants.alice.project_id, allow_duplicates=True)

    after = alice.image.get_image(private_image)
    assert (after.name, after.tags, after.status) == ("iso-a-private", [], "active")
    assert "iso-planted" not in {i.name for i in conn.image.images()}
    assert private_image in {i.id for i in conn.image.images()}, "admins see every image"


def test_openstack_cli_as_another_member(server: Server, tenants: Tenants,
                                         private_image: str, public_image: str) -> None:
    bob = tenants.bob
    env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(server.clouds_yaml)}
    cli = [str(Path(sys.executable).with_name("openstack")), "--os-cloud", "skyledger",
           "--os-username", bob.username, "--os-password", bob.password,
           "--os-project-name", bob.project_name]
    listed = subprocess.run([*cli, "image", "list", "-f", "json"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    ids = {row["ID"] for row in json.loads(listed.stdout)}
    assert public_image in ids and private_image not in ids
    shown = subprocess.run([*cli, "image", "show", private_image], env=env,
                           capture_output=True, text=True, timeout=120)
    assert shown.returncode == 1 and "No Image found" in shown.stderr


# Keypairs ---------------------------------------------------------------------------------------


def test_keypairs_belong_to_their_user(conn: Connection, tenants: Tenants) -> None:
    alice, bob = tenants.alice.conn, tenants.bob.conn
    created = alice.compute.create_keypair(name="iso-key")
    try:
        assert [k.name for k in alice.compute.keypairs()] == ["iso-key"]
        assert alice.compute.get_keypair("iso-key").fingerprint == created.fingerprint

        assert "iso-key" not in [k.name for k in bob.compute.keypairs()]
        with pytest.raises(exceptions.NotFoundException):
            bob.compute.get_keypair("iso-key")
        with pytest.raises(exceptions.NotFoundException):
            bob.compute.delete_keypair("iso-key", ignore_missing=False)
        # Naming alice explicitly (microversion 2.10) is for admins only.
        with pytest.raises(exceptions.ForbiddenException):
            bob.compute.get_keypair("iso-key", user_id=tenants.alice.user_id)
        with pytest.raises(exceptions.ForbiddenException):
            list(bob.compute.keypairs(user_id=tenants.alice.user_id))
        with pytest.raises(exceptions.ForbiddenException):
            bob.compute.create_keypair(name="iso-planted", user_id=tenants.alice.user_id)

        # The same name is bob's own keypair, independent of alice's.
        own = bob.compute.create_keypair(name="iso-key")
        assert own.fingerprint != created.fingerprint
        bob.compute.delete_keypair("iso-key")
        assert alice.compute.get_keypair("iso-key").fingerprint == created.fingerprint
        assert [k.name for k in alice.compute.keypairs()] == ["iso-key"]

        admin_view = conn.compute.get_keypair("iso-key", user_id=tenants.alice.user_id)
        assert admin_view.fingerprint == created.fingerprint
    finally:
        alice.compute.delete_keypair("iso-key")


# Quotas -----------------------------------------------------------------------------------------


def test_quotas_of_another_project_are_forbidden(conn: Connection, tenants: Tenants) -> None:
    alice, bob = tenants.alice.conn, tenants.bob.conn
    project_a, project_b = tenants.alice.project_id, tenants.bob.project_id
    assert alice.compute.get_quota_set(project_a, usage=True).instances == 10
    assert bob.compute.get_quota_set(project_b).instances == 10
    with pytest.raises(exceptions.ForbiddenException):
        bob.compute.get_quota_set(project_a)
    with pytest.raises(exceptions.ForbiddenException):
        bob.compute.get_quota_set(project_a, usage=True)
    with pytest.raises(exceptions.ForbiddenException):
        bob.compute.get_limits(tenant_id=project_a)

    conn.compute.update_quota_set(project_a, instances=5)
    try:
        assert alice.compute.get_limits().absolute.instances == 5
        assert alice.compute.get_quota_set(project_a).instances == 5
        assert bob.compute.get_limits().absolute.instances == 10, "only project A changed"
    finally:
        conn.compute.revert_quota_set(project_a)
    assert alice.compute.get_limits().absolute.instances == 10


# Project-scoped compute resources ---------------------------------------------------------------


def test_servers_and_groups_stay_in_their_project(
    tenants: Tenants, private_image: str, public_image: str
) -> None:
    alice, bob = tenants.alice.conn, tenants.bob.conn
    group = alice.compute.create_server_group(name="iso-group", policies=["anti-affinity"])
    server = alice.compute.create_server(name="iso-vm", image_id=private_image, flavor_id="1",
                                         networks="none", scheduler_hints={"group": group.id})
    try:
        alice.compute.wait_for_server(server, status="ACTIVE", wait=60, interval=0.2)
        assert [s.id for s in alice.compute.servers()] == [server.id]
        assert alice.compute.get_limits().absolute.instances_used == 1

        assert server.id not in [s.id for s in bob.compute.servers()]
        assert group.id not in [g.id for g in bob.compute.server_groups()]
        with pytest.raises(exceptions.NotFoundException):
            bob.compute.get_server(server.id)
        with pytest.raises(exceptions.NotFoundException):
            bob.compute.stop_server(server.id)
        with pytest.raises(exceptions.NotFoundException):
            list(bob.compute.server_actions(server.id))
        with pytest.raises(exceptions.NotFoundException):
            bob.compute.delete_server(server.id, ignore_missing=False)
        with pytest.raises(exceptions.NotFoundException):
            bob.compute.get_server_group(group.id)
        with pytest.raises(exceptions.NotFoundException):
            bob.compute.delete_server_group(group.id, ignore_missing=False)
        # Nova answers 400 for an image or group the caller cannot see.
        with pytest.raises(exceptions.BadRequestException, match="could not be found"):
            bob.compute.create_server(name="iso-b-vm", image_id=private_image, flavor_id="1",
                                      networks="none")
        with pytest.raises(exceptions.BadRequestException, match="could not be found"):
            bob.compute.create_server(name="iso-b-vm", image_id=public_image, flavor_id="1",
                                      networks="none", scheduler_hints={"group": group.id})
        assert bob.compute.get_limits().absolute.instances_used == 0
        assert list(bob.compute.servers()) == []

        assert alice.compute.get_server(server.id).status == "ACTIVE"
        assert alice.compute.get_server_group(group.id).member_ids == [server.id]
    finally:
        alice.compute.delete_server(server)
        alice.compute.wait_for_delete(server, wait=60, interval=0.2)
        alice.compute.delete_server_group(group)


# Reader role ------------------------------------------------------------------------------------


def test_reader_lists_but_cannot_create(
    conn: Connection, tenants: Tenants, private_image: str, public_image: str
) -> None:
    rita, project_a = tenants.rita.conn, tenants.rita.project_id
    assert {private_image, public_image} <= {i.id for i in rita.image.images()}
    assert rita.image.get_image(private_image).name == "iso-a-private"
    assert rita.image.download_image(private_image).content == tiny_qcow2(b"alice's disk")
    assert rita.compute.get_quota_set(project_a).instances == 10
    assert [f.name for f in rita.compute.flavors()][:1] == ["m1.tiny"]

    images_before = sorted(i.id for i in conn.image.images())
    with pytest.raises(exceptions.ForbiddenException):
        rita.image.create_image(name="iso-reader-image", disk_format="qcow2",
                                container_format="bare", allow_duplicates=True)
    with pytest.raises(exceptions.ForbiddenException):
        rita.image.update_image(private_image, name="renamed-by-reader")
    with pytest.raises(exceptions.ForbiddenException):
        rita.image.delete_image(private_image, ignore_missing=False)
    with pytest.raises(exceptions.ForbiddenException):
        rita.compute.create_server(name="iso-reader-vm", image_id=public_image, flavor_id="1",
                                   networks="none")
    with pytest.raises(exceptions.ForbiddenException):
        rita.compute.create_server_group(name="iso-reader-group", policies=["affinity"])
    assert sorted(i.id for i in conn.image.images()) == images_before
    assert conn.image.get_image(private_image).name == "iso-a-private"
    assert list(rita.compute.servers()) == []
