"""Block Storage `/volume/v3/{project_id}/volumes`: the volume lifecycle through the API, with
the storage worker's outcomes reported through the volume service, on both stores."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from ops.bootstrap import Cloud
from projections.volumes import VolumeViews
from tests.support.compute_api import OPERATOR, auth, make_image
from tests.support.volumes_api import WORKER, Volumes

CINDER_FIELDS = {"id", "name", "description", "status", "size", "availability_zone",
                 "created_at", "updated_at", "attachments", "bootable", "encrypted",
                 "multiattach", "metadata", "links", "user_id",
                 "volume_type", "snapshot_id", "source_volid", "consistencygroup_id",
                 "replication_status", "migration_status"}


def limits(volumes: Volumes, who: dict[str, str]) -> dict[str, Any]:
    return volumes.listed(who, "limits")["limits"]["absolute"]  # type: ignore[no-any-return]


def test_volume_lifecycle(volumes: Volumes, member_a: dict[str, str]) -> None:
    response = volumes.create(member_a, size="2", name="data", description="my data",
                              metadata={"tier": "gold"})
    assert response.status_code == 202, response.text
    made = response.json()["volume"]
    assert set(made) >= CINDER_FIELDS
    # Admin-only attributes (Cinder's policy defaults), and fields of later microversions
    # (3.13 group_id ... 3.65 consumes_quota), are not in a member's 3.0 body.
    assert not set(made) & {"os-vol-host-attr:host", "os-vol-tenant-attr:tenant_id",
                            "group_id", "shared_targets", "volume_type_id", "consumes_quota",
                            "cluster_name", "provider_id"}
    assert (made["status"], made["size"], made["bootable"], made["attachments"]) == (
        "creating", 2, "false", [])
    assert made["metadata"] == {"tier": "gold"} and made["availability_zone"] == "nova"
    volume_id = made["id"]
    assert made["links"][0]["href"].endswith(f"/volume/v3/{member_a['project_id']}/volumes/"
                                             f"{volume_id}")
    assert limits(volumes, member_a)["totalGigabytesUsed"] == 2

    volumes.report("created", volume_id, "/pool/x")
    assert volumes.show(member_a, volume_id)["status"] == "available"
    brief = volumes.listed(member_a, "volumes")["volumes"]
    assert brief == [{"id": volume_id, "name": "data", "links": made["links"]}]

    renamed = volumes.client.put(volumes.url(member_a, f"volumes/{volume_id}"),
                                 headers=auth(member_a),
                                 json={"volume": {"name": "db", "description": None}})
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["volume"]["name"], renamed.json()["volume"]["description"]) == (
        "db", None)

    assert volumes.action(member_a, volume_id, {"os-extend": {"new_size": 5}}).status_code == 202
    assert volumes.show(member_a, volume_id)["status"] == "extending"
    assert limits(volumes, member_a)["totalGigabytesUsed"] == 5  # claimed at the request
    volumes.report("extended", volume_id, 5)
    shown = volumes.show(member_a, volume_id)
    assert (shown["status"], shown["size"]) == ("available", 5)

    deleted = volumes.client.delete(volumes.url(member_a, f"volumes/{volume_id}"),
                                    headers=auth(member_a))
    assert deleted.status_code == 202, deleted.text
    assert volumes.show(member_a, volume_id)["status"] == "deleting"
    assert limits(volumes, member_a)["totalVolumesUsed"] == 1  # until the backend confirms
    volumes.report("deleted", volume_id)
    gone = volumes.get(member_a, volume_id)
    assert gone.status_code == 404
    assert gone.json() == {"itemNotFound": {"code": 404, "message":
                                            f"Volume {volume_id} could not be found."}}
    assert volumes.listed(member_a)["volumes"] == []
    assert limits(volumes, member_a)["totalVolumesUsed"] == 0
    assert limits(volumes, member_a)["totalGigabytesUsed"] == 0


def test_failed_backend_actions_show_cinders_error_statuses(
        volumes: Volumes, member_a: dict[str, str]) -> None:
    broken = volumes.made(member_a, size=3)
    volumes.report("create_failed", broken, "pool is full")
    assert volumes.show(member_a, broken)["status"] == "error"
    assert limits(volumes, member_a)["totalGigabytesUsed"] == 3  # held until deleted, as Cinder
    grown = volumes.ready(member_a, size=1)
    volumes.action(member_a, grown, {"os-extend": {"new_size": 4}})
    volumes.report("extend_failed", grown, "no space")
    shown = volumes.show(member_a, grown)
    assert (shown["status"], shown["size"]) == ("error_extending", 1)
    assert limits(volumes, member_a)["totalGigabytesUsed"] == 4  # the extra 3 went back
    for volume_id in (broken, grown):  # both statuses may be deleted
        response = volumes.client.delete(volumes.url(member_a, f"volumes/{volume_id}"),
                                         headers=auth(member_a))
        assert response.status_code == 202, response.text
    volumes.report("delete_failed", broken, "busy")
    assert volumes.show(member_a, broken)["status"] == "error_deleting"


def test_volume_from_an_image(cloud: Cloud, volumes: Volumes,
                              member_a: dict[str, str]) -> None:
    image = make_image(cloud)
    cloud.sync_read_models()
    created = volumes.create(member_a, size=1, imageRef=image).json()["volume"]
    # Cinder's volume_image_metadata extension adds to shows and lists, not to a create.
    assert "volume_image_metadata" not in created
    volume = volumes.show(member_a, created["id"])
    assert volume["bootable"] == "true"
    assert volume["volume_image_metadata"]["image_id"] == image
    assert volume["volume_image_metadata"]["disk_format"] == "qcow2"
    assert volumes.aggregate(volume["id"]).image["content_hash"]  # what the worker converts


def test_quota_refusals_are_cinders_413(volumes: Volumes, admin: dict[str, str],
                                        member_a: dict[str, str]) -> None:
    quota = volumes.url(admin, f"os-quota-sets/{member_a['project_id']}")
    response = volumes.client.put(quota, headers=admin,
                                  json={"quota_set": {"volumes": 2, "gigabytes": "5"}})
    assert response.status_code == 200, response.text
    assert response.json()["quota_set"]["volumes"] == 2
    first = volumes.ready(member_a, size=3)
    too_big = volumes.create(member_a, size=3)
    assert too_big.status_code == 413 and too_big.headers["Retry-After"] == "0"
    assert too_big.json() == {"overLimit": {"code": 413, "retryAfter": "0", "message": (
        "VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed "
        "gigabytes quota. Requested 3G, quota is 5G and 3G has been consumed.")}}
    volumes.made(member_a, size=1)
    too_many = volumes.create(member_a, size=1)
    assert too_many.status_code == 413
    assert too_many.json()["overLimit"]["message"] == (
        "VolumeLimitExceeded: Maximum number of volumes allowed (2) exceeded for quota "
        "'volumes'.")
    assert len(volumes.listed(member_a)["volumes"]) == 2
    extend = volumes.action(member_a, first, {"os-extend": {"new_size": 9}})
    assert extend.status_code == 413
    assert extend.json()["overLimit"]["message"].endswith(
        "Requested 6G, quota is 5G and 4G has been consumed.")
    assert volumes.show(member_a, first)["status"] == "available"
    shown = volumes.client.get(quota, headers=admin, params={"usage": "true"}).json()
    assert shown["quota_set"]["gigabytes"] == {"limit": 5, "in_use": 4, "reserved": 0,
                                               "allocated": 0}


def test_quota_sets_need_an_admin_and_known_keys(volumes: Volumes, admin: dict[str, str],
                                                 member_a: dict[str, str]) -> None:
    mine = volumes.url(member_a, f"os-quota-sets/{member_a['project_id']}")
    shown = volumes.client.get(mine, headers=auth(member_a))
    assert shown.status_code == 200
    assert shown.json()["quota_set"]["volumes"] == 10
    assert shown.json()["quota_set"]["gigabytes"] == 1000
    refused = volumes.client.put(mine, headers=auth(member_a),
                                 json={"quota_set": {"volumes": 100}})
    assert refused.status_code == 403
    theirs = volumes.url(admin, f"os-quota-sets/{member_a['project_id']}")
    for bad in ({"instances": 3}, {"volumes": -2}, {"gigabytes": "lots"}):
        response = volumes.client.put(theirs, headers=admin, json={"quota_set": bad})
        assert response.status_code == 400, (bad, response.text)
        assert "badRequest" in response.json()
    assert volumes.client.get(mine, headers=auth(member_a)).json()["quota_set"]["volumes"] == 10


def test_every_cinder_quota_is_set_and_reset(volumes: Volumes, admin: dict[str, str],
                                             member_a: dict[str, str]) -> None:
    theirs = volumes.url(admin, f"os-quota-sets/{member_a['project_id']}")
    wanted = {"gigabytes": 1009, "volumes": 11, "snapshots": 11, "backups": 11,
              "backup_gigabytes": 1009, "per_volume_gigabytes": 2, "groups": 3}
    response = volumes.client.put(theirs, headers=admin, json={"quota_set": wanted})
    assert response.status_code == 200, response.text
    answer = response.json()["quota_set"]
    assert {k: answer[k] for k in wanted} == wanted
    assert answer["volumes___DEFAULT__"] == -1  # and the default volume type's
    too_big = volumes.create(member_a, size=3)  # larger than one volume may be
    assert too_big.status_code == 413, too_big.text
    assert "VolumeSizeExceedsLimit" in too_big.json()["overLimit"]["message"]
    volume_id = volumes.ready(member_a, size=2)
    assert volumes.action(member_a, volume_id, {"os-extend": {"new_size": 3}}).status_code == 413
    assert volumes.client.delete(theirs, headers=admin).status_code == 200
    shown = volumes.client.get(theirs, headers=admin).json()["quota_set"]
    assert (shown["volumes"], shown["per_volume_gigabytes"], shown["snapshots"]) == (10, -1, 10)
    defaults = volumes.client.get(volumes.url(admin, "os-quota-class-sets/default"),
                                  headers=admin)
    assert defaults.status_code == 200, defaults.text
    assert defaults.json()["quota_class_set"]["id"] == "default"
    assert defaults.json()["quota_class_set"]["gigabytes"] == 1000


def test_list_filters_and_pages(volumes: Volumes, admin: dict[str, str],
                                member_a: dict[str, str], member_b: dict[str, str]) -> None:
    made = [volumes.made(member_a, name=f"v{i}") for i in range(4)]
    volumes.report("created", made[1], "/pool/1")
    theirs = volumes.made(member_b, name="b")
    assert [v["id"] for v in volumes.listed(member_a)["volumes"]] == made[::-1]
    assert [v["id"] for v in volumes.listed(member_a, name="v2")["volumes"]] == [made[2]]
    assert [v["id"] for v in volumes.listed(member_a, status="available")["volumes"]] == [made[1]]
    page = volumes.listed(member_a, limit=2)
    assert [v["id"] for v in page["volumes"]] == [made[3], made[2]]
    assert page["volumes_links"][0]["rel"] == "next"
    rest = volumes.listed(member_a, limit=2, marker=made[2])
    assert [v["id"] for v in rest["volumes"]] == [made[1], made[0]]
    # all_tenants is for administrators; a member's is ignored, as in Cinder
    assert theirs not in [v["id"] for v in volumes.listed(member_a, all_tenants=1)["volumes"]]
    everyone = {v["id"] for v in volumes.listed(admin, all_tenants=1)["volumes"]}
    assert {*made, theirs} <= everyone
    only_b = volumes.listed(admin, all_tenants=1, project_id=member_b["project_id"])
    assert [v["id"] for v in only_b["volumes"]] == [theirs]
    assert "os-vol-host-attr:host" in only_b["volumes"][0]


def test_read_model_follows_the_aggregate(cloud: Cloud, volumes: Volumes,
                                          member_a: dict[str, str]) -> None:
    """Every status the projection derives is the aggregate's own, field by field."""
    plain = volumes.ready(member_a, name="plain", metadata={"a": "b"})
    grown = volumes.ready(member_a)
    volumes.action(member_a, grown, {"os-extend": {"new_size": 3}})
    failed = volumes.made(member_a)
    volumes.report("create_failed", failed, "boom")
    volumes.client.put(volumes.url(member_a, f"volumes/{plain}"), headers=auth(member_a),
                       json={"volume": {"metadata": {}, "name": "renamed"}})
    reset = volumes.made(member_a)
    cloud.volumes.reset_status(OPERATOR, reset, "error")
    cloud.sync_read_models()
    views = VolumeViews(cloud.store)
    for volume_id in (plain, grown, failed, reset):
        row = views.get(volume_id.replace("-", ""))
        volume = volumes.aggregate(volume_id)
        assert row is not None
        for field in ("name", "description", "metadata", "size", "path", "extending_to",
                      "attachment", "fault", "bootable", "host", "project_id"):
            assert row[field] == getattr(volume, field), (volume_id, field)
        assert row["status"] == volume.status.value


def test_reset_status_is_for_administrators(volumes: Volumes, admin: dict[str, str],
                                            member_a: dict[str, str]) -> None:
    volume_id = volumes.made(member_a)
    body = {"os-reset_status": {"status": "available"}}
    assert volumes.action(member_a, volume_id, body).status_code == 403
    assert volumes.show(member_a, volume_id)["status"] == "creating"
    # Cinder: the project in the URL is the token's, administrators' too
    foreign = volumes.client.post(volumes.url(member_a, f"volumes/{volume_id}/action"),
                                  headers=admin, json=body)
    assert foreign.status_code == 400
    assert foreign.json()["badRequest"]["message"] == "Malformed request url"
    assert volumes.action(admin, volume_id, body).status_code == 202
    assert volumes.show(member_a, volume_id)["status"] == "available"


def test_volume_api_answers_with_request_ids(client: TestClient, volumes: Volumes,
                                             member_a: dict[str, str]) -> None:
    response = volumes.create(member_a)
    assert response.headers["X-Openstack-Request-Id"].startswith("req-")


def test_volume_fields_follow_the_microversion_and_the_role(
        volumes: Volumes, member_a: dict[str, str], admin: dict[str, str]) -> None:
    """Cinder adds fields by microversion (3.13 group_id, 3.21 provider_id, 3.48 service_uuid
    and shared_targets, 3.61 cluster_name, 3.63 volume_type_id, 3.64 encryption_key_id, 3.65
    consumes_quota); host, provider and cluster are for administrators only, the tenant for them
    and the owner."""
    volume_id = volumes.made(member_a)

    def shown(who: dict[str, str], version: str) -> dict[str, Any]:
        headers = {**auth(who), "OpenStack-API-Version": f"volume {version}"}
        response = volumes.client.get(volumes.url(who, f"volumes/{volume_id}"), headers=headers)
        assert response.status_code == 200, response.text
        assert response.headers["OpenStack-API-Version"] == f"volume {version}"
        return response.json()["volume"]  # type: ignore[no-any-return]

    later = {"group_id", "service_uuid", "shared_targets", "volume_type_id",
             "encryption_key_id", "consumes_quota"}
    admin_only = {"os-vol-host-attr:host", "provider_id", "cluster_name"}
    assert not set(shown(admin, "3.0")) & (later | {"provider_id", "cluster_name"})
    assert set(shown(member_a, "3.65")) >= later
    assert not set(shown(member_a, "3.65")) & admin_only
    # Cinder's volume_tenant_attribute policy is a project reader's: the owner sees its own.
    assert shown(member_a, "3.0")["os-vol-tenant-attr:tenant_id"] == member_a["project_id"]
    newest = shown(admin, "3.65")
    assert set(newest) >= later | admin_only | {"os-vol-tenant-attr:tenant_id"}
    assert newest["consumes_quota"] is True
    assert set(shown(admin, "3.48")) & later == {"group_id", "service_uuid", "shared_targets"}
    too_new = volumes.client.get(volumes.url(member_a, f"volumes/{volume_id}"),
                                 headers={**auth(member_a), "OpenStack-API-Version": "volume 3.99"})
    assert too_new.status_code == 406


def test_sorted_lists(volumes: Volumes, member_a: dict[str, str]) -> None:
    made = [volumes.made(member_a, name=name, size=size)
            for name, size in (("b", 2), ("a", 3), ("c", 1))]
    by = {"id": sorted(made), "name": [made[1], made[0], made[2]]}
    for key, expected in by.items():
        listed = volumes.listed(member_a, sort=f"{key}:asc")["volumes"]
        assert [v["id"] for v in listed] == expected, key
        old_style = volumes.listed(member_a, sort_key=key, sort_dir="desc")["volumes"]
        assert [v["id"] for v in old_style] == expected[::-1], key
    sizes = volumes.listed(member_a, sort="size:desc,name")["volumes"]
    assert [v["size"] for v in sizes] == [3, 2, 1]
    page = volumes.listed(member_a, sort="id:asc", limit=1, marker=sorted(made)[0])["volumes"]
    assert [v["id"] for v in page] == [sorted(made)[1]]
    for bad in ({"sort": "colour:asc"}, {"sort": "id:up"}, {"sort": "id", "sort_key": "id"}):
        response = volumes.client.get(volumes.url(member_a, "volumes"), params=bad,
                                      headers=auth(member_a))
        assert response.status_code == 400, bad


def test_an_empty_volume_id_is_not_found(volumes: Volumes, member_a: dict[str, str]) -> None:
    for method in ("GET", "PUT", "DELETE"):
        response = volumes.client.request(method, volumes.url(member_a, "volumes/"),
                                          headers=auth(member_a), json={"volume": {}})
        assert response.status_code == 404, (method, response.text)


def test_metadata_routes(volumes: Volumes, member_a: dict[str, str],
                         member_b: dict[str, str]) -> None:
    volume_id = volumes.made(member_a, metadata={"a": "1"})
    url = volumes.url(member_a, f"volumes/{volume_id}/metadata")
    headers = auth(member_a)
    merged = volumes.client.post(url, headers=headers, json={"metadata": {"b": "2"}})
    assert merged.json() == {"metadata": {"a": "1", "b": "2"}}
    replaced = volumes.client.put(url, headers=headers, json={"metadata": {"c": "3"}})
    assert replaced.json() == {"metadata": {"c": "3"}}
    item = volumes.client.put(f"{url}/d", headers=headers, json={"meta": {"d": "4"}})
    assert item.json() == {"meta": {"d": "4"}}
    assert volumes.client.get(f"{url}/d", headers=headers).json() == {"meta": {"d": "4"}}
    assert volumes.client.put(f"{url}/e", headers=headers,
                              json={"meta": {"d": "4"}}).status_code == 400
    assert volumes.client.delete(f"{url}/c", headers=headers).status_code == 200
    assert volumes.client.delete(f"{url}/c", headers=headers).status_code == 404
    assert volumes.client.get(url, headers=headers).json() == {"metadata": {"d": "4"}}
    assert volumes.show(member_a, volume_id)["metadata"] == {"d": "4"}
    assert volumes.client.get(volumes.url(member_b, f"volumes/{volume_id}/metadata"),
                              headers=auth(member_b)).status_code == 404


def test_with_count_gives_the_filtered_total_from_3_45(volumes: Volumes,
                                                      member_a: dict[str, str]) -> None:
    made = [volumes.made(member_a, name="counted") for _ in range(3)]
    volumes.made(member_a, name="other")
    at = {**auth(member_a), "OpenStack-API-Version": "volume 3.45"}
    for path in ("volumes", "volumes/detail"):
        page = volumes.client.get(volumes.url(member_a, path), headers=at,
                                  params={"with_count": "true", "name": "counted", "limit": 2})
        assert page.status_code == 200, page.text
        assert (len(page.json()["volumes"]), page.json()["count"]) == (2, 3)
    assert {v["id"] for v in volumes.listed(member_a, name="counted")["volumes"]} == set(made)
    older = volumes.client.get(volumes.url(member_a), params={"with_count": "true"}, headers={
        **auth(member_a), "OpenStack-API-Version": "volume 3.44"})
    assert "count" not in older.json()
    unasked = volumes.client.get(volumes.url(member_a), headers=at, params={"with_count": "no"})
    assert "count" not in unasked.json()
    bad = volumes.client.get(volumes.url(member_a), headers=at, params={"with_count": "maybe"})
    assert bad.status_code == 400
    assert bad.json()["badRequest"]["message"] == "Value 'maybe' for 'with_count' is not a boolean."


def test_an_in_use_volume_is_extended_from_3_42(volumes: Volumes,
                                                member_a: dict[str, str]) -> None:
    volume_id = volumes.ready(member_a)
    attached = volumes.action(member_a, volume_id, {"os-attach": {
        "host_name": "elsewhere", "mountpoint": "/dev/vdb"}})
    assert attached.status_code == 202, attached.text
    below = volumes.action(member_a, volume_id, {"os-extend": {"new_size": 2}})
    assert below.status_code == 400
    assert "must be available to extend" in below.json()["badRequest"]["message"]
    at = {**auth(member_a), "OpenStack-API-Version": "volume 3.42"}
    extend = volumes.client.post(volumes.url(member_a, f"volumes/{volume_id}/action"),
                                 headers=at, json={"os-extend": {"new_size": 2}})
    assert extend.status_code == 202, extend.text
    extending = volumes.show(member_a, volume_id)
    assert extending["status"] == "extending" and len(extending["attachments"]) == 1
    assert limits(volumes, member_a)["totalGigabytesUsed"] == 2
    volumes.report("extended", volume_id, 2)
    grown = volumes.show(member_a, volume_id)
    assert (grown["status"], grown["size"], len(grown["attachments"])) == ("in-use", 2, 1)


def test_a_volume_from_a_backup_restores_it_3_47(volumes: Volumes,
                                                 member_a: dict[str, str]) -> None:
    source = volumes.ready(member_a, size=2)
    made = volumes.client.post(volumes.url(member_a, "backups"), headers=auth(member_a),
                               json={"backup": {"volume_id": source}})
    assert made.status_code == 202, made.text
    backup_id = made.json()["backup"]["id"]
    volumes.cloud.volume_backups.backup_created(WORKER, backup_id, 1)
    volumes.cloud.sync_read_models()
    at = {**auth(member_a), "OpenStack-API-Version": "volume 3.47"}
    small = volumes.client.post(volumes.url(member_a), headers=at,
                                json={"volume": {"size": 1, "backup_id": backup_id}})
    assert small.status_code == 400, small.text
    created = volumes.client.post(volumes.url(member_a), headers=at, json={"volume": {
        "size": None, "backup_id": backup_id, "name": "from-backup"}})
    assert created.status_code == 202, created.text
    volume = created.json()["volume"]
    assert (volume["name"], volume["size"], volume["status"]) == (
        "from-backup", 2, "restoring-backup")
    assert limits(volumes, member_a)["totalGigabytesUsed"] == 4
