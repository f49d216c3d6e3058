"""Concurrent volume requests on PostgreSQL, through the API: quota and attachments hold.

Creates race on the project's quota ledger (saved with each new volume): exactly the limit, of
the totals or of the volume's type, is admitted, the rest get Cinder's 413. Attaches of one
volume to many servers race on the volume (saved with each attach request): exactly one wins,
the rest get Nova's 400 (InvalidVolume).
Attaches of many volumes to one server race on the instance: each gets its own device.
"""

from __future__ import annotations

from collections import Counter

import pytest
from fastapi.testclient import TestClient

from ops.bootstrap import Cloud
from projections.quotas import QuotaViews
from projections.volumes import VolumeViews
from tests.integration.races import fire_together
from tests.support.compute_api import SERVERS, Compute, auth
from tests.support.volumes_api import Volumes

THREADS, ATTEMPTS = 12, 60


@pytest.fixture
def database_url(pg_schema_url: str) -> str:
    """PostgreSQL only: this is about concurrent writers on the production store."""
    return pg_schema_url


@pytest.mark.parametrize(("limits", "size", "admitted", "message"), [
    ({"volumes": 7}, 1, 7,
     "VolumeLimitExceeded: Maximum number of volumes allowed (7) exceeded for quota 'volumes'."),
    ({"volumes": 100, "gigabytes": 10}, 2, 5,
     "VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes "
     "quota. Requested 2G, quota is 10G and 10G has been consumed."),
    # A volume type's own quota, claimed with the totals in the same ledger save.
    ({"volumes___DEFAULT__": 4}, 1, 4,
     "VolumeLimitExceeded: Maximum number of volumes allowed (4) exceeded for quota "
     "'volumes___DEFAULT__'."),
])
def test_concurrent_creates_admit_exactly_the_quota(
        cloud: Cloud, client: TestClient, volumes: Volumes, admin: dict[str, str],
        member_a: dict[str, str], limits: dict[str, int], size: int, admitted: int,
        message: str) -> None:
    quota = volumes.url(admin, f"os-quota-sets/{member_a['project_id']}")
    assert client.put(quota, headers=admin, json={"quota_set": limits}).status_code == 200
    refusals: Counter[str] = Counter()

    def attempt(_: None, call: int) -> str:
        response = volumes.create(member_a, size=size, name=f"v{call}")
        if response.status_code == 413:
            refusals[response.json()["overLimit"]["message"]] += 1
        return str(response.status_code)

    outcomes = fire_together([None] * THREADS, ATTEMPTS, attempt)
    assert outcomes == Counter({"202": admitted, "413": ATTEMPTS - admitted})
    assert refusals == Counter({message: ATTEMPTS - admitted})
    project = member_a["project_id"]
    ledger = cloud.quotas.ledger(project)
    assert (ledger.used("volumes"), ledger.used("gigabytes")) == (admitted, admitted * size)
    cloud.sync_read_models()
    assert len(VolumeViews(cloud.store).list(project)) == admitted
    assert QuotaViews(cloud.store).usage(project)["gigabytes"] == admitted * size


def test_one_volume_attached_to_many_servers_at_once_goes_to_exactly_one(
        cloud: Cloud, compute: Compute, volumes: Volumes,
        member_a: dict[str, str]) -> None:
    servers = [compute.active(member_a) for _ in range(8)]
    volume_id = volumes.ready(member_a)

    def attempt(server_id: str, _: int) -> str:
        response = compute.client.post(f"{SERVERS}/{server_id}/os-volume_attachments",
                                       json={"volumeAttachment": {"volumeId": volume_id}},
                                       headers=auth(member_a))
        return str(response.status_code)

    outcomes = fire_together(servers, len(servers), attempt)
    assert outcomes == Counter({"200": 1, "400": len(servers) - 1})
    holders = [s for s in servers if compute.instance(s).volumes]
    assert len(holders) == 1
    assert volumes.aggregate(volume_id).attachment["server_id"] == holders[0].replace("-", "")
    cloud.sync_read_models()
    rows = VolumeViews(cloud.store).list(member_a["project_id"])
    assert [r["attachment"]["server_id"] for r in rows] == [holders[0].replace("-", "")]


def test_many_volumes_attached_to_one_server_at_once_get_distinct_devices(
        cloud: Cloud, compute: Compute, volumes: Volumes,
        member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    made = [volumes.ready(member_a) for _ in range(8)]

    def attempt(volume_id: str, _: int) -> str:
        response = compute.client.post(f"{SERVERS}/{server_id}/os-volume_attachments",
                                       json={"volumeAttachment": {"volumeId": volume_id}},
                                       headers=auth(member_a))
        return str(response.status_code)

    assert fire_together(made, len(made), attempt) == Counter({"200": len(made)})
    devices = compute.instance(server_id).volumes
    assert sorted(devices.values()) == [f"/dev/vd{c}" for c in "bcdefghi"]
    assert {volumes.aggregate(v).attachment["device"] for v in made} == set(devices.values())


def test_concurrent_metadata_merges_keep_every_item(
        cloud: Cloud, client: TestClient, volumes: Volumes, member_a: dict[str, str]) -> None:
    """Every POST /metadata adds its own key; merged on the volume itself, none is lost (from
    the read model, a merge that read it before another's commit dropped that one's key)."""
    volume_id = volumes.made(member_a)
    url = volumes.url(member_a, f"volumes/{volume_id}/metadata")

    def attempt(_: None, call: int) -> str:
        response = client.post(url, headers=auth(member_a), json={"metadata": {f"k{call}": "v"}})
        return str(response.status_code)

    outcomes = fire_together([None] * THREADS, ATTEMPTS, attempt)
    assert outcomes == Counter({"200": ATTEMPTS})
    shown = client.get(url, headers=auth(member_a)).json()["metadata"]
    assert shown == {f"k{call}": "v" for call in range(ATTEMPTS)}
