"""Schema evolution: events stored by an older class version still load, upcast, everywhere.

`Flavor.Created` is at class version 2: version 2 added `disabled` (Nova's flavor column, shown as
`OS-FLV-DISABLED:disabled`). A version-1 event is written here exactly as the old class stored it
(topic + state without `disabled` and without `class_version`), then read back through the
aggregate, through a projection rebuilt from event zero by `skyledger projections rebuild`, and
through the API. A version-2 event round-trips with its own value. Both stores.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent
from fastapi.testclient import TestClient

from domain.catalog.flavor import Flavor
from domain.network.floating import FloatingIp
from domain.network.pool import EXTERNAL_NETWORK_ID
from domain.storage.volume import Volume
from ops.bootstrap import Cloud
from ops.cli import main
from projections.flavors import FlavorViews
from projections.volumes import VolumeViews
from tests.support.cli import cli_env
from tests.support.read_models import admin_context
from tests.support.volumes_api import project_of


def admin_project(cloud: Cloud) -> str:
    return project_of(cloud, {})

CREATED_TOPIC = "domain.catalog.flavor:Flavor.Created"


def stored_state(cloud: Cloud, stored: StoredEvent) -> dict[str, Any]:
    mapper = cloud.app.mapper
    state = stored.state
    if mapper.cipher:
        state = mapper.cipher.decrypt(state)
    if mapper.compressor:
        state = mapper.compressor.decompress(state)
    return dict(mapper.transcoder.decode(state))


def encoded(cloud: Cloud, state: dict[str, Any]) -> bytes:
    mapper = cloud.app.mapper
    data = mapper.transcoder.encode(state)
    if mapper.compressor:
        data = mapper.compressor.compress(data)
    if mapper.cipher:
        data = mapper.cipher.encrypt(data)
    return bytes(data)


def record_v1_flavor(cloud: Cloud, flavorid: str) -> Flavor:
    """Store a flavor's Created event in the version-1 format: what the store holds for flavors
    made before `disabled` existed. Built from a v2 event with the new parts taken out, so every
    other field is encoded by the application's own transcoder."""
    flavor = Flavor(flavorid, f"legacy-{flavorid}", 256, 1, 1, 0, 0, 1.0, True, "from v1")
    stored = cloud.app.mapper.to_stored_event(flavor.collect_events()[0])
    state = stored_state(cloud, stored)
    assert state.pop("class_version") == 2 and state.pop("disabled") is False
    cloud.app.recorder.insert_events([StoredEvent(
        originator_id=stored.originator_id, originator_version=stored.originator_version,
        topic=stored.topic, state=encoded(cloud, state))])
    return flavor


def stored_created(cloud: Cloud, flavor: Flavor) -> dict[str, Any]:
    (stored,) = cloud.app.recorder.select_events(flavor.id, lte=1)
    assert stored.topic == CREATED_TOPIC
    return stored_state(cloud, stored)


def rebuild_flavors(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The operator's `skyledger projections rebuild flavors`, in-process on the test's store."""
    for key, value in cli_env(database_url, tmp_path).items():
        monkeypatch.setenv(key, value)
    assert main(["projections", "rebuild", "flavors"]) == 0


def show(client: TestClient, admin: dict[str, str], flavorid: str) -> dict[str, Any]:
    response = client.get(f"/compute/v2.1/flavors/{flavorid}", headers=admin)
    assert response.status_code == 200, response.text
    return dict(response.json()["flavor"])


def test_v1_created_event_is_upcast_for_aggregate_projection_and_api(
    cloud: Cloud, client: TestClient, admin: dict[str, str], database_url: str,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    legacy = record_v1_flavor(cloud, "v1-legacy")
    # The premise: the store really holds the old shape, with no version and no new field.
    state = stored_created(cloud, legacy)
    assert "disabled" not in state and "class_version" not in state

    loaded = cloud.flavors.get("v1-legacy")
    assert loaded.disabled is False  # the upcaster's default
    assert (loaded.name, loaded.ram, loaded.description) == ("legacy-v1-legacy", 256, "from v1")
    assert loaded.version == 1

    rebuild_flavors(database_url, tmp_path, monkeypatch)
    row = FlavorViews(cloud.store).get("v1-legacy")
    assert row is not None and row["disabled"] is False and row["description"] == "from v1"
    assert show(client, admin, "v1-legacy")["OS-FLV-DISABLED:disabled"] is False

    # The old event still takes later events on top: the aggregate evolves past it.
    cloud.flavors.set_extra_specs(admin_context(cloud), "v1-legacy", {"hw:cpu_policy": "shared"})
    reloaded = cloud.flavors.get("v1-legacy")
    assert reloaded.version == 2 and reloaded.extra_specs == {"hw:cpu_policy": "shared"}
    assert reloaded.disabled is False


def test_v2_created_event_round_trips_with_its_own_value(
    cloud: Cloud, client: TestClient, admin: dict[str, str], database_url: str,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    flavor = Flavor("v2-off", "v2-off", 256, 1, 1, 0, 0, 1.0, True, None, disabled=True)
    cloud.app.save(flavor)
    state = stored_created(cloud, flavor)
    assert state["class_version"] == 2 and state["disabled"] is True
    assert cloud.flavors.get("v2-off").disabled is True

    record_v1_flavor(cloud, "v1-beside")  # both versions in one log, one rebuild
    rebuild_flavors(database_url, tmp_path, monkeypatch)
    views = FlavorViews(cloud.store)
    assert [views.get(f)["disabled"] for f in ("v2-off", "v1-beside", "1")] == [True, False, False]
    assert show(client, admin, "v2-off")["OS-FLV-DISABLED:disabled"] is True


def test_v1_volume_requested_is_of_the_default_type(
    cloud: Cloud, client: TestClient, admin: dict[str, str], database_url: str,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`Volume.Requested` is at class version 3: version 2 added `volume_type_id`, version 3
    `snapshot_id` and `source_volid`. A volume requested before volume types existed (a v1
    event) loads, projects and shows as of `__DEFAULT__`, made from no snapshot or volume."""
    volume = Volume("p1", "u1", "old", None, 1, "nova", None, {}, "host-1")
    stored = cloud.app.mapper.to_stored_event(volume.collect_events()[0])
    state = stored_state(cloud, stored)
    assert state.pop("class_version") == 3 and state.pop("volume_type_id") is None
    assert state.pop("snapshot_id") is None and state.pop("source_volid") is None
    cloud.app.recorder.insert_events([StoredEvent(
        originator_id=stored.originator_id, originator_version=stored.originator_version,
        topic=stored.topic, state=encoded(cloud, state))])

    loaded = cloud.app.repository.get(volume.id)
    assert loaded.volume_type_id is None and loaded.name == "old"
    assert (loaded.snapshot_id, loaded.source_volid) == (None, None)
    for key, value in cli_env(database_url, tmp_path).items():
        monkeypatch.setenv(key, value)
    assert main(["projections", "rebuild", "volumes"]) == 0
    row = VolumeViews(cloud.store).get(volume.id.hex)
    assert row is not None and row["volume_type_id"] is None
    shown = client.get(f"/volume/v3/{admin_project(cloud)}/volumes/{volume.id}?all_tenants=1",
                       headers=admin)
    assert shown.status_code == 200, shown.text
    assert shown.json()["volume"]["volume_type"] == "__DEFAULT__"


def test_v1_status_reset_dropped_the_attachment(
    cloud: Cloud, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`Volume.StatusReset` is at class version 2, which added `detached`: before it, every
    reset dropped the volume's attachment, so a v1 reset loads and projects as detached."""
    volume = Volume("p1", "u1", "old", None, 1, "nova", None, {}, "host-1")
    volume.created("/pool/old")
    volume.record_attach(None, "elsewhere", "/dev/vdb", "rw")
    volume.reset_status("error", detach=True)
    events = volume.collect_events()
    stored = [cloud.app.mapper.to_stored_event(e) for e in events]
    state = stored_state(cloud, stored[-1])
    assert state.pop("class_version") == 2 and state.pop("detached") is True
    stored[-1] = StoredEvent(originator_id=stored[-1].originator_id,
                             originator_version=stored[-1].originator_version,
                             topic=stored[-1].topic, state=encoded(cloud, state))
    cloud.app.recorder.insert_events(stored)

    loaded = cloud.app.repository.get(volume.id)
    assert (loaded.status.value, loaded.attachment) == ("error", None)
    for key, value in cli_env(database_url, tmp_path).items():
        monkeypatch.setenv(key, value)
    assert main(["projections", "rebuild", "volumes"]) == 0
    row = VolumeViews(cloud.store).get(volume.id.hex)
    assert row is not None and (row["status"], row["attachment"]) == ("error", None)


def test_v1_floating_ip_allocated_is_of_the_public_pool(
    cloud: Cloud, client: TestClient, admin: dict[str, str], database_url: str,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`FloatingIp.Allocated` is at class version 2, which added `floating_network_id`: every
    floating IP allocated before came from the `public` pool, and loads, projects and shows so."""
    floating = FloatingIp(admin_project(cloud), "203.0.113.77", "0" * 32)
    stored = cloud.app.mapper.to_stored_event(floating.collect_events()[0])
    state = stored_state(cloud, stored)
    assert state.pop("class_version") == 2 and state.pop("floating_network_id") == "0" * 32
    cloud.app.recorder.insert_events([StoredEvent(
        originator_id=stored.originator_id, originator_version=stored.originator_version,
        topic=stored.topic, state=encoded(cloud, state))])

    loaded = cloud.app.repository.get(floating.id)
    assert loaded.floating_network_id == EXTERNAL_NETWORK_ID
    for key, value in cli_env(database_url, tmp_path).items():
        monkeypatch.setenv(key, value)
    assert main(["projections", "rebuild", "networks"]) == 0
    shown = client.get(f"/network/v2.0/floatingips/{floating.id}", headers=admin)
    assert shown.status_code == 200, shown.text
    assert shown.json()["floatingip"]["floating_network_id"] == str(UUID(EXTERNAL_NETWORK_ID))
