"""ops/conformance reads a Tempest run back: the table per service and the failures by cause."""

from __future__ import annotations

from pathlib import Path

from ops.tempest import results, selection

T = "tempest.api"
IMAGE_URL = "http://127.0.0.1:1/compute/v2.1/images/3f0e8b7e-54b4-4bd7-9b3c-3b1a2a4d5e6f"
SERVER_URL = "http://127.0.0.1:1/compute/v2.1/servers/0d3a5c1e-1111-2222-3333-444455556666"
JUNIT = f"""<testsuite errors="1" failures="2" tests="5">
<testcase classname="{T}.compute.flavors.test_flavors.FlavorsV2TestJSON"
          name="test_list_flavors[id-e36c0eaa,smoke]" time="0.1"/>
<testcase classname="{T}.compute.images.test_images.ImagesTestJSON"
          name="test_create_image[id-aaaa]" time="0.1"><failure>
Request (ImagesTestJSON:test_create_image): 202 POST http://127.0.0.1:1/compute/v2.1/servers 0.1s
Request (ImagesTestJSON:test_create_image): 404 GET {IMAGE_URL} 0.1s
Traceback (most recent call last):
  File "x.py", line 1, in test_create_image
tempest.lib.exceptions.NotFound: Object not found
Details: {{"itemNotFound": {{"code": 404}}}}
</failure></testcase>
<testcase classname="{T}.compute.servers.test_servers.ServersTestJSON"
          name="test_update_server_name[id-bbbb]" time="0.1"><failure>
Request (ServersTestJSON:test_update_server_name): 200 PUT {SERVER_URL} 0.1s
Traceback (most recent call last):
tempest.lib.exceptions.InvalidHTTPResponseBody: HTTP response body is invalid json or xml
Details: Additional properties are not allowed ('OS-EXT-STS:task_state' was unexpected)
</failure></testcase>
<testcase classname="{T}.network.test_routers.RoutersTest" name="test_x[id-cccc]" time="0">
<skipped>router extension not enabled</skipped></testcase>
<testcase classname="" name="setUpClass ({T}.volume.test_volumes_snapshots.VolumesSnapshotTestJSON)"
          time="0"><error>
Traceback (most recent call last):
tempest.lib.exceptions.NotFound: Object not found
</error></testcase>
</testsuite>"""
SELECTED = [
    f"{T}.compute.flavors.test_flavors.FlavorsV2TestJSON.test_list_flavors[id-e36c0eaa,smoke]",
    f"{T}.compute.images.test_images.ImagesTestJSON.test_create_image[id-aaaa]",
    f"{T}.compute.servers.test_servers.ServersTestJSON.test_update_server_name[id-bbbb]",
    f"{T}.network.test_routers.RoutersTest.test_x[id-cccc]",
    f"{T}.volume.test_volumes_snapshots.VolumesSnapshotTestJSON.test_snapshot_create[id-dddd]",
    f"{T}.volume.test_volumes_snapshots.VolumesSnapshotTestJSON.test_snapshot_list[id-eeee]",
]
TEMPEST_LOG = (
    "2026-12-06 INFO [rest_client] Request (VolumesSnapshotTestJSON:setUpClass): 404 GET "
    "http://127.0.0.1:1/volume/v3/0123456789abcdef0123456789abcdef/snapshots 0.1s\n")


def read(tmp_path: Path) -> results.Run:
    (tmp_path / "results.xml").write_text(JUNIT)
    (tmp_path / "tempest.log").write_text(TEMPEST_LOG)
    run = results.read_junit(tmp_path / "results.xml", SELECTED)
    results.read_log(tmp_path / "tempest.log", run)
    return run


def test_the_table_counts_each_outcome_per_service(tmp_path: Path) -> None:
    rows = {row[0]: row[1:] for row in results.table(read(tmp_path))}
    # selected, passed, failed, skipped, set-up errors, not run
    assert rows["compute"] == (3, 1, 2, 0, 0, 0)
    assert rows["network"] == (1, 0, 0, 1, 0, 0)
    assert rows["volume"] == (2, 0, 0, 0, 1, 2)
    assert rows["total"] == (6, 1, 2, 1, 1, 2)


def test_failures_are_grouped_by_request_schema_and_setup_cause(tmp_path: Path) -> None:
    groups = dict(results.failure_groups(read(tmp_path)))
    assert groups["GET /compute/v2.1/images/{id} -> 404"] == [SELECTED[1]]
    schema = [c for c in groups if c.startswith("schema: PUT /compute/v2.1/servers/{id}")]
    assert len(schema) == 1 and "task_state' was unexpected" in schema[0]
    # A class set-up has no captured log of its own here: its request comes from tempest.log.
    assert "GET /volume/v3/{id}/snapshots -> 404" in groups


def test_only_passed_tests_count_for_the_ratchet(tmp_path: Path) -> None:
    assert read(tmp_path).passed() == {SELECTED[0].split("[")[0]}


def test_listed_names_expand_to_full_ids_and_unknown_names_are_reported(tmp_path: Path) -> None:
    listed = tmp_path / "list.txt"
    listed.write_text(f"# a comment\n{SELECTED[3].split('[')[0]}\n\n{T}.gone.Test.test_gone\n")
    chosen = selection.by_names(SELECTED, selection.read_names(listed))
    assert chosen.ids == [SELECTED[3]]
    assert chosen.unknown == [f"{T}.gone.Test.test_gone"]


def test_interop_selection_leaves_out_flagged_tests(tmp_path: Path) -> None:
    required, flagged = tmp_path / "required.txt", tmp_path / "flagged.txt"
    required.write_text("".join(f"{t.split('[')[0]}\n" for t in SELECTED[:3]))
    flagged.write_text(f"{SELECTED[1].split('[')[0]}\n")
    assert selection.interop(SELECTED, required, flagged).ids == [SELECTED[0], SELECTED[2]]
