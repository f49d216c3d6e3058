"""Bad boots: Nova's 400s (and its 403s for quota), never a 500, and nothing is created."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ops.bootstrap import Cloud
from projections.quotas import QuotaViews
from tests.support.compute_api import SERVERS, WORKER, Compute, auth

BAD_SERVERS: list[tuple[str, dict[str, Any]]] = [
    ("unknown field", {"colour": "red"}),
    ("unknown flavor", {"flavorRef": "no-such-flavor"}),
    ("flavor of the wrong type", {"flavorRef": {"id": "1"}}),
    ("image not a uuid", {"imageRef": "cirros"}),
    ("unknown image", {"imageRef": "6f1c3a57-2b0e-4d6e-9a53-5b1c0f3e2a10"}),
    ("no image", {"imageRef": ""}),
    ("negative min_count", {"min_count": -1}),
    ("zero max_count", {"max_count": 0}),
    ("min over max", {"min_count": 3, "max_count": 2}),
    ("boolean count", {"min_count": True}),
    ("name too long", {"name": "x" * 256}),
    ("empty name", {"name": ""}),
    ("name with trailing blank", {"name": "web "}),
    ("user_data not base64", {"user_data": "not base64!"}),
    ("metadata value not text", {"metadata": {"a": 1}}),
    ("metadata key invalid", {"metadata": {"a/b": "c"}}),
    ("unknown keypair", {"key_name": "nobody"}),
    ("unknown zone", {"availability_zone": "moon"}),
    ("networks as text before 2.37", {"networks": "auto"}),
    ("description before 2.19", {"description": "web"}),
    ("bad access IP", {"accessIPv4": "1.2.3"}),
    ("bad disk config", {"OS-DCF:diskConfig": "SOMETIMES"}),
]


def usage(cloud: Cloud, project_id: str) -> dict[str, int]:
    return QuotaViews(cloud.store).usage(project_id)


def test_bad_boot_is_400_and_creates_nothing(compute: Compute,
                                            member_a: dict[str, str]) -> None:
    for case, fields in BAD_SERVERS:
        response = compute.boot(member_a, **fields)
        assert response.status_code == 400, (case, response.text)
        assert response.json()["badRequest"]["code"] == 400, case
    listed = compute.client.get(SERVERS, headers=auth(member_a)).json()["servers"]
    assert listed == [] and usage(compute.cloud, member_a["project_id"])["instances"] == 0


def test_bad_bodies_and_hints(compute: Compute, member_a: dict[str, str]) -> None:
    headers = auth(member_a)
    for body in ({}, {"server": "vm"}, {"server": {"name": "vm"}}, [],
                 {"server": {"name": "vm", "flavorRef": "1", "imageRef": compute.image},
                  "os:scheduler_hints": {"group": "not-a-uuid"}},
                 {"server": {"name": "vm", "flavorRef": "1", "imageRef": compute.image},
                  "os:scheduler_hints": {"group": "6f1c3a57-2b0e-4d6e-9a53-5b1c0f3e2a10"}}):
        response = compute.client.post(SERVERS, json=body, headers=headers)
        assert response.status_code == 400, (body, response.text)
    malformed = compute.client.post(SERVERS, content=b"{not json", headers={
        **headers, "Content-Type": "application/json"})
    assert malformed.status_code == 400
    assert usage(compute.cloud, member_a["project_id"])["instances"] == 0


def test_networks_follow_the_microversion(compute: Compute, member_a: dict[str, str]) -> None:
    missing = compute.boot(member_a, version="2.37")
    assert missing.status_code == 400 and "networks" in missing.json()["badRequest"]["message"]
    for networks in ("auto", "none"):
        assert compute.boot(member_a, version="2.37", networks=networks).status_code == 202
    unknown = [{"uuid": "6f1c3a57-2b0e-4d6e-9a53-5b1c0f3e2a10"}]
    refused = compute.boot(member_a, version="2.37", networks=unknown)
    assert refused.status_code == 400 and "could not be found" in refused.text
    described = compute.boot(member_a, version="2.19", description="web tier")
    assert described.status_code == 202
    server = compute.show(member_a, described.json()["server"]["id"], version="2.19")
    assert server["description"] == "web tier"


def test_metadata_over_the_quota_is_nova_s_403(compute: Compute, member_a: dict[str, str]) -> None:
    # Nova refuses too many metadata items as a quota error (MetadataLimitExceeded): 403.
    response = compute.boot(member_a, metadata={f"k{i}": "v" for i in range(129)})
    assert response.status_code == 403
    assert response.json()["forbidden"]["message"] == "Maximum number of metadata items exceeds 128"
    assert usage(compute.cloud, member_a["project_id"])["instances"] == 0


def test_instance_quota_is_403_in_nova_s_words(compute: Compute, member_a: dict[str, str],
                                               admin: dict[str, str]) -> None:
    quota = {"quota_set": {"instances": 2}}
    url = f"/compute/v2.1/os-quota-sets/{member_a['project_id']}"
    assert compute.client.put(url, json=quota, headers=admin).status_code == 200
    assert compute.boot(member_a, max_count=2).status_code == 202
    response = compute.boot(member_a)
    assert response.status_code == 403
    assert response.json()["forbidden"]["message"] == (
        "Quota exceeded for instances: Requested 1, but already used 2 of 2 instances")
    assert usage(compute.cloud, member_a["project_id"])["instances"] == 2


def test_max_count_is_cut_to_the_quota_but_not_below_min(compute: Compute,
                                                         member_a: dict[str, str],
                                                         admin: dict[str, str]) -> None:
    url = f"/compute/v2.1/os-quota-sets/{member_a['project_id']}"
    compute.client.put(url, json={"quota_set": {"instances": 3}}, headers=admin)
    assert compute.boot(member_a, min_count=4, max_count=5).status_code == 403
    assert compute.boot(member_a, min_count=2, max_count=5).status_code == 202
    assert usage(compute.cloud, member_a["project_id"])["instances"] == 3


def test_text_with_nul_is_kept_on_both_stores(compute: Compute, member_a: dict[str, str]) -> None:
    # PostgreSQL text cannot hold NUL; the read model keeps free text inside JSON, escaped.
    response = compute.boot(member_a, version="2.19", metadata={"k": "a\x00b"},
                            description="x\x00y")
    assert response.status_code == 202, response.text
    server = compute.show(member_a, response.json()["server"]["id"], version="2.19")
    assert (server["metadata"], server["description"]) == ({"k": "a\x00b"}, "x\x00y")


def test_the_boot_image_mapping_openstack_cli_sends_is_accepted(
        compute: Compute, member_a: dict[str, str]) -> None:
    image_bdm = {"uuid": compute.image, "boot_index": 0, "source_type": "image",
                 "destination_type": "local", "delete_on_termination": True}
    response = compute.boot(member_a, version="2.61", networks="none",
                            block_device_mapping_v2=[image_bdm])
    assert response.status_code == 202, response.text
    server = compute.show(member_a, response.json()["server"]["id"])
    assert server["image"]["id"] == compute.image


def test_snapshot_mappings_are_refused_until_volume_snapshots(
        compute: Compute, member_a: dict[str, str]) -> None:
    # Boot from volume is tested in test_boot_from_volume*.py.
    head = compute.cloud.app.head()
    volume_bdm = {"uuid": compute.image, "boot_index": 0, "source_type": "snapshot",
                  "destination_type": "volume", "volume_size": 1}
    response = compute.boot(member_a, version="2.61", networks="none",
                            block_device_mapping_v2=[volume_bdm])
    assert response.status_code == 400
    assert "not supported yet" in response.json()["badRequest"]["message"]
    assert compute.cloud.app.head() == head


def test_auto_network_gives_each_server_a_fixed_ip(compute: Compute,
                                                   member_a: dict[str, str]) -> None:
    ids = [compute.booted(member_a, networks="auto", version="2.37") for _ in range(2)]
    addresses = [compute.show(member_a, i)["addresses"] for i in ids]
    [[first], [second]] = [list(a.values())[0] for a in addresses]
    assert first["OS-EXT-IPS:type"] == "fixed" and first["addr"] != second["addr"]
    assert first["OS-EXT-IPS-MAC:mac_addr"].startswith("fa:16:3e:")
    for server_id in ids:
        compute.client.delete(f"{SERVERS}/{server_id}", headers={"X-Auth-Token": member_a["token"]})
        compute.cloud.outcomes.deleted(WORKER, UUID(server_id))  # as the host's worker would
    compute.cloud.sync_read_models()
    usage_now = usage(compute.cloud, member_a["project_id"])
    assert usage_now.get("fixed_ips", 0) == 0 and usage_now["instances"] == 0
