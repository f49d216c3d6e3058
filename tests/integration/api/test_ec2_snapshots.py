"""EC2 snapshots through boto3: the project's Cinder volume snapshots; the storage worker's
outcomes stood in for as in tests/integration/api/test_volume_snapshots.py."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from botocore.exceptions import ClientError

from tests.support.volumes_api import WORKER, Volumes


def test_snapshot_session(ec2: Any, volumes: Volumes, member_a: dict[str, str]) -> None:
    volume = ec2.create_volume(Size=1, AvailabilityZone="nova")["VolumeId"]
    volume_uuid = next(v["id"] for v in volumes.listed(member_a)["volumes"]
                       if "vol-" + UUID(v["id"]).hex[:17] == volume)
    volumes.report("created", volume_uuid, f"/pool/{volume_uuid}")
    made = ec2.create_snapshot(VolumeId=volume, Description="nightly")
    assert made["SnapshotId"].startswith("snap-") and made["State"] == "pending"
    assert (made["VolumeId"], made["VolumeSize"], made["Description"]) == (volume, 1, "nightly")
    snapshot_uuid = volumes.listed(member_a, "snapshots")["snapshots"][0]["id"]
    volumes.cloud.volume_snapshots.created(WORKER, snapshot_uuid, "/pool/s")
    volumes.cloud.sync_read_models()
    shown = ec2.describe_snapshots(SnapshotIds=[made["SnapshotId"]])["Snapshots"]
    assert shown[0]["State"] == "completed"
    by_volume = ec2.describe_snapshots(Filters=[{"Name": "volume-id", "Values": [volume]}])
    assert [s["SnapshotId"] for s in by_volume["Snapshots"]] == [made["SnapshotId"]]
    ec2.delete_snapshot(SnapshotId=made["SnapshotId"])
    with pytest.raises(ClientError) as unknown:
        ec2.describe_snapshots(SnapshotIds=["snap-00000000000000000"])
    assert unknown.value.response["Error"]["Code"] == "InvalidSnapshot.NotFound"
