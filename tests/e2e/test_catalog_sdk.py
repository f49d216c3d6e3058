"""Images, keypairs and quotas through openstacksdk (and the `openstack` CLI) as the admin of a
real `skyledger serve`, the way a user of an OpenStack cloud would drive them."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import openstack
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from openstack import exceptions

from tests.support.disk_images import tiny_qcow2
from tests.support.server_process import Server

# Nova's default quotas (nova.conf [quota]) as a fresh project sees them.
NOVA_DEFAULTS = {"instances": 10, "cores": 20, "ram": 51200, "key_pairs": 100,
                 "metadata_items": 128, "server_groups": 10, "server_group_members": 10}


def openstack_cli(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(server.clouds_yaml)}
    cli = Path(sys.executable).with_name("openstack")
    return subprocess.run([str(cli), "--os-cloud", "skyledger", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def md5_fingerprint(public_key: str) -> str:
    """Nova's fingerprint of an OpenSSH public key: md5 of the key blob, colon-separated."""
    digest = hashlib.md5(base64.b64decode(public_key.split()[1])).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def new_public_key() -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH,
                            serialization.PublicFormat.OpenSSH).decode() + " e2e@test"


# Images ----------------------------------------------------------------------------------------


def test_image_upload_download_round_trip(conn: openstack.connection.Connection) -> None:
    data = tiny_qcow2(os.urandom(3 * 1024 * 1024 + 17))  # more than one chunk each way
    image = conn.image.create_image(name="e2e-bytes", data=data, disk_format="qcow2",
                                    container_format="bare", allow_duplicates=True)
    try:
        image = conn.image.wait_for_status(image, status="active", wait=30, interval=0.2)
        assert image.size == len(data)
        assert image.checksum == hashlib.md5(data).hexdigest()
        assert image.hash_algo == "sha512"
        assert image.hash_value == hashlib.sha512(data).hexdigest()
        assert (image.disk_format, image.container_format) == ("qcow2", "bare")
        assert image.owner == conn.current_project_id
        # openstacksdk 4 answers a requests.Response; it checks the Content-MD5 on the way.
        response = conn.image.download_image(image)
        assert response.headers["Content-MD5"] == image.checksum
        downloaded = response.content
        assert downloaded == data
        assert hashlib.md5(downloaded).hexdigest() == image.checksum
    finally:
        conn.image.delete_image(image)


def test_image_from_a_file_list_find_update_delete(
    conn: openstack.connection.Connection, tmp_path: Path
) -> None:
    path = tmp_path / "guest.qcow2"
    path.write_bytes(tiny_qcow2(os.urandom(4096)))
    image = conn.image.create_image(name="e2e-file", filename=str(path), disk_format="qcow2",
                                    container_format="bare", allow_duplicates=True)
    # The sdk answers the image as created (queued); the PUT of the data has happened by then.
    image = conn.image.wait_for_status(image, status="active", wait=30, interval=0.2)
    assert image.status == "active" and image.size == path.stat().st_size
    assert image.checksum == hashlib.md5(path.read_bytes()).hexdigest()

    assert image.id in [i.id for i in conn.image.images()]
    assert [i.id for i in conn.image.images(name="e2e-file")] == [image.id]
    assert conn.image.find_image("e2e-file", ignore_missing=False).id == image.id
    assert conn.image.find_image(image.id, ignore_missing=False).name == "e2e-file"
    with pytest.raises(exceptions.NotFoundException):
        conn.image.find_image("e2e-no-such-image", ignore_missing=False)

    conn.image.update_image(image, os_distro="cirros", min_ram=64, e2e_tier="gold")
    conn.image.add_tag(image, "e2e")
    shown = conn.image.get_image(image)
    assert shown.os_distro == "cirros" and shown.min_ram == 64
    assert shown.properties["e2e_tier"] == "gold", "an extra property, kept as given"
    assert shown.tags == ["e2e"]
    assert [i.id for i in conn.image.images(tag="e2e")] == [image.id]
    assert [i.id for i in conn.image.images(os_distro="cirros")] == [image.id]
    conn.image.update_image(image, e2e_tier="silver")
    assert conn.image.get_image(image).properties["e2e_tier"] == "silver"

    out = tmp_path / "back.qcow2"
    conn.image.download_image(image, output=str(out))
    assert out.read_bytes() == path.read_bytes()

    conn.image.delete_image(image)
    with pytest.raises(exceptions.NotFoundException):
        conn.image.get_image(image.id)
    with pytest.raises(exceptions.NotFoundException):
        conn.image.find_image("e2e-file", ignore_missing=False)
    assert image.id not in [i.id for i in conn.image.images()]
    with pytest.raises(exceptions.NotFoundException):
        conn.image.delete_image(image.id, ignore_missing=False)


def test_image_create_then_upload(conn: openstack.connection.Connection) -> None:
    image = conn.image.create_image(name="e2e-queued", disk_format="raw",
                                    container_format="bare", allow_duplicates=True)
    try:
        assert image.status == "queued" and image.size is None
        image.data = b"raw disk bytes"
        image.upload(conn.image)  # PUT /v2/images/{id}/file
        image = conn.image.wait_for_status(image, status="active", wait=30, interval=0.2)
        assert conn.image.download_image(image).content == b"raw disk bytes"
    finally:
        conn.image.delete_image(image)


def test_openstack_cli_image_show(server: Server, conn: openstack.connection.Connection) -> None:
    image = conn.image.create_image(name="e2e-cli", data=tiny_qcow2(b"cli image"),
                                    disk_format="qcow2",
                                    container_format="bare", allow_duplicates=True)
    try:
        result = openstack_cli(server, "image", "show", "e2e-cli", "-f", "json")
        assert result.returncode == 0, result.stderr
        shown = json.loads(result.stdout)
        assert shown["id"] == image.id and shown["status"] == "active"
        assert shown["checksum"] == hashlib.md5(tiny_qcow2(b"cli image")).hexdigest()
    finally:
        conn.image.delete_image(image)


# Keypairs --------------------------------------------------------------------------------------


def test_generated_keypair(conn: openstack.connection.Connection) -> None:
    created = conn.compute.create_keypair(name="e2e-generated")
    try:
        assert created.private_key and "PRIVATE KEY" in created.private_key
        assert created.public_key.startswith("ssh-")
        assert created.fingerprint == md5_fingerprint(created.public_key)
        private = serialization.load_ssh_private_key(created.private_key.encode(), None) \
            if "OPENSSH" in created.private_key else \
            serialization.load_pem_private_key(created.private_key.encode(), None)
        derived = private.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                    serialization.PublicFormat.OpenSSH).decode()
        assert created.public_key.split()[:2] == derived.split()[:2], "a matching pair"

        shown = conn.compute.get_keypair("e2e-generated")
        assert shown.private_key is None, "the private key is shown only once"
        assert shown.fingerprint == created.fingerprint
        assert shown.public_key == created.public_key
        assert shown.user_id == conn.current_user_id
    finally:
        conn.compute.delete_keypair("e2e-generated")


def test_imported_keypair_list_get_delete(conn: openstack.connection.Connection) -> None:
    public_key = new_public_key()
    imported = conn.compute.create_keypair(name="e2e-imported", public_key=public_key)
    assert imported.private_key is None
    assert imported.public_key == public_key
    assert imported.fingerprint == md5_fingerprint(public_key)

    listed = {k.name: k for k in conn.compute.keypairs()}
    assert listed["e2e-imported"].fingerprint == imported.fingerprint
    assert conn.compute.get_keypair("e2e-imported").fingerprint == md5_fingerprint(public_key)
    assert conn.compute.find_keypair("e2e-imported", ignore_missing=False).public_key == public_key

    with pytest.raises(exceptions.ConflictException):
        conn.compute.create_keypair(name="e2e-imported", public_key=new_public_key())
    with pytest.raises(exceptions.BadRequestException):
        conn.compute.create_keypair(name="e2e-bad", public_key="ssh-rsa not-a-key")
    assert "e2e-bad" not in [k.name for k in conn.compute.keypairs()]

    conn.compute.delete_keypair("e2e-imported")
    with pytest.raises(exceptions.NotFoundException):
        conn.compute.get_keypair("e2e-imported")
    assert "e2e-imported" not in [k.name for k in conn.compute.keypairs()]
    with pytest.raises(exceptions.NotFoundException):
        conn.compute.delete_keypair("e2e-imported", ignore_missing=False)


# Quotas ----------------------------------------------------------------------------------------


def test_quota_defaults_and_keypair_usage(conn: openstack.connection.Connection) -> None:
    project = conn.current_project_id
    quotas = conn.compute.get_quota_set(project)
    assert {k: quotas[k] for k in NOVA_DEFAULTS} == NOVA_DEFAULTS
    defaults = conn.compute.get_quota_set_defaults(project)
    assert {k: defaults[k] for k in NOVA_DEFAULTS} == NOVA_DEFAULTS

    before = conn.compute.get_quota_set(project, usage=True).usage["key_pairs"]
    conn.compute.create_keypair(name="e2e-counted-1")
    conn.compute.create_keypair(name="e2e-counted-2", public_key=new_public_key())
    try:
        detail = conn.compute.get_quota_set(project, usage=True)
        assert detail.usage["key_pairs"] == before + 2
        assert detail.key_pairs == 100
        assert detail.usage["instances"] == 0
    finally:
        conn.compute.delete_keypair("e2e-counted-1")
        conn.compute.delete_keypair("e2e-counted-2")
    assert conn.compute.get_quota_set(project, usage=True).usage["key_pairs"] == before


def test_update_quota_shows_in_limits(conn: openstack.connection.Connection) -> None:
    project = conn.current_project_id
    limits = conn.compute.get_limits().absolute
    assert (limits.instances, limits.total_cores, limits.total_ram, limits.keypairs) == (
        10, 20, 51200, 100)
    try:
        updated = conn.compute.update_quota_set(project, instances=7, key_pairs=42)
        assert (updated.instances, updated.key_pairs) == (7, 42)
        quotas = conn.compute.get_quota_set(project)
        assert (quotas.instances, quotas.key_pairs, quotas.cores) == (7, 42, 20)
        limits = conn.compute.get_limits().absolute
        assert (limits.instances, limits.keypairs, limits.total_cores) == (7, 42, 20)
        with pytest.raises(exceptions.BadRequestException):
            conn.compute.update_quota_set(project, instances=-2)
        assert conn.compute.get_quota_set(project).instances == 7, "a bad value changes nothing"
    finally:
        conn.compute.revert_quota_set(project)
    assert conn.compute.get_quota_set(project).instances == 10
    assert conn.compute.get_limits().absolute.instances == 10


def test_openstack_cli_quota_show(server: Server, conn: openstack.connection.Connection) -> None:
    result = openstack_cli(server, "quota", "show", "--compute", "admin", "-f", "json")
    assert result.returncode == 0, result.stderr
    values = {row["Resource"]: row["Limit"] for row in json.loads(result.stdout)}
    assert (values["instances"], values["cores"], values["ram"]) == (10, 20, 51200)
    assert (values["key-pairs"], values["server-groups"], values["properties"]) == (100, 10, 128)
