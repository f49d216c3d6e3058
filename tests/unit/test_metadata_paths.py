"""The metadata service's paths (Nova's nova/api/metadata/base.py `lookup` and `ec2_md_print`)
over the config drive's documents."""

from __future__ import annotations

import json

from domain.compute.guest_metadata import config_drive_files
from domain.compute.metadata_paths import NOT_FOUND, answer
from tests.unit.test_guest_metadata import SEED, facts


def text(path: str, **changes: object) -> str:
    got = answer(path, facts(**changes), SEED)
    assert got.status == 200, path
    return got.body.decode()


def test_openstack_paths_serve_the_drive_s_documents() -> None:
    drive = config_drive_files(facts(), SEED)
    assert text("/openstack") == "latest"
    assert text("/openstack/latest/").split("\n") == [
        "meta_data.json", "vendor_data.json", "network_data.json", "user_data"]
    for name in ("meta_data.json", "network_data.json", "vendor_data.json", "user_data"):
        got = answer(f"/openstack/latest/{name}", facts(), SEED)
        assert got.body == drive[f"openstack/latest/{name}"]
        assert got.content_type == ("text/plain" if name == "user_data" else "application/json")
    assert json.loads(text("/openstack/latest/meta_data.json"))["uuid"] == facts().uuid


def test_ec2_paths_list_as_nova_prints_them() -> None:
    assert text("/") == "2009-04-04\nlatest"
    assert text("/latest") == "meta-data/\nuser-data"
    listing = text("/latest/meta-data/").split("\n")
    assert listing == sorted(listing)
    assert {"instance-id", "hostname", "local-ipv4", "public-keys/", "placement/",
            "security-groups", "block-device-mapping/"} <= set(listing)
    assert text("/latest/meta-data/instance-id") == "i-0f1e2d3c4b5a69788"
    assert text("/2009-04-04/meta-data/local-ipv4") == "10.0.0.5"
    assert text("/latest/meta-data/security-groups") == "default\nweb"
    assert text("/latest/meta-data/placement/availability-zone") == "nova"
    assert text("/latest/meta-data/ami-launch-index") == "2"
    assert text("/latest/meta-data/public-keys/") == "0=laptop"
    assert text("/latest/meta-data/public-keys/0/") == "openssh-key"
    assert text("/latest/meta-data/public-keys/0/openssh-key") == "ssh-ed25519 AAAAC3Nza laptop"
    assert text("/latest/user-data") == "#!/bin/sh\necho hi\n"


def test_what_is_not_there_is_404() -> None:
    for path in ("/openstack/2012-08-10/meta_data.json", "/openstack/latest/password",
                 "/openstack/latest/meta_data.json/uuid", "/1.0/meta-data/", "/nothing",
                 "/latest/meta-data/kernel-id", "/latest/meta-data/instance-id/more",
                 "/latest/meta-data/public-keys/1"):
        assert answer(path, facts(), SEED) == NOT_FOUND, path
    bare = facts(user_data=None, key=None)
    assert answer("/openstack/latest/user_data", bare, SEED) == NOT_FOUND
    assert answer("/latest/user-data", bare, SEED) == NOT_FOUND
    assert answer("/latest/meta-data/public-keys/", bare, SEED) == NOT_FOUND
    assert "user_data" not in answer("/openstack/latest", bare, SEED).body.decode()
