"""createImage of a volume-backed server, as Nova's compute API `snapshot_volume_backed` does it.

There is no disk file to copy: each volume of the server gets a Cinder snapshot (forced, the
volumes being in use), and the image is a bucket of properties with no data. Its
`block_device_mapping` (JSON, Glance keeping properties as strings) maps each snapshot back to
a volume of the same size at the same device, with `bdm_v2` and `root_device_name`; the image is
active at once with size 0, as Nova's "force activate" upload of empty data (raw, bare) makes it.

The image, the snapshots, their volumes, the project's quota ledger and the server's event
(`Instance.VolumesSnapshotted`, its createImage action) are saved together: no image maps a
snapshot that was never taken, and no snapshot is taken for an image that was refused. The
storage worker then copies each volume as for any snapshot (domain/process/storage).
"""

from __future__ import annotations

import json
from typing import Any

from domain.app import SkyLedger
from domain.catalog.image import Image
from domain.compute.instance import ROOT_DEVICE, Instance
from domain.context import RequestContext
from domain.errors import InvalidInput
from domain.services.quotas import default_limits, open_ledger
from domain.services.storage.lookup import live
from domain.services.storage.snapshots import SnapshotRequest, snapshot_of
from domain.storage.snapshot import Snapshot
from domain.storage.volume import Volume

# Image properties Nova sets anew on every volume-backed snapshot (cleaned before filling).
MAPPING_PROPERTIES = ("block_device_mapping", "bdm_v2", "root_device_name")


def volume_backed_image(app: SkyLedger, ctx: RequestContext, instance: Instance,
                        base: Image) -> tuple[Image, list[Any]]:
    """The image, and the snapshots and other aggregates it changed: to save together.
    `base`: the snapshot image a file-backed server would get (image_capture's
    snapshot_image), whose name and properties this one takes."""
    name = base.name or ""
    instance.check_can("snapshot", ctx.is_admin, shown_as="createImage")  # Nova's 409 first
    properties = {k: v for k, v in base.properties.items() if k not in MAPPING_PROPERTIES}
    ledger = open_ledger(app, str(ctx.project_id))
    snapshots: list[Snapshot] = []
    volumes: list[Volume] = []
    mapping: list[dict[str, Any]] = []
    # The root volume first, as Nova's BDM list has the boot device first.
    for volume_id, device in sorted(instance.volumes.items(), key=lambda v: v[1] != ROOT_DEVICE):
        volume = live(app, volume_id, Volume)
        if not isinstance(volume, Volume):
            raise InvalidInput(f"Volume {volume_id} of the server could not be found.")
        snapshot = snapshot_of(ctx, volume, ledger, SnapshotRequest(
            volume.id.hex, name=f"snapshot for {name}", description=volume.description,
            force=True), default_limits(app))
        snapshots.append(snapshot)
        volumes.append(volume)
        mapping.append(snapshot_mapping(snapshot, volume, device))
    properties["root_device_name"] = ROOT_DEVICE
    if mapping:
        properties["block_device_mapping"] = json.dumps(mapping)
        properties["bdm_v2"] = "True"
    min_disk = max(int(instance.image.get("min_disk") or 0), int(instance.flavor.get("disk") or 0))
    image = Image(name, base.owner, "private", "raw", "bare", min_disk, base.min_ram, False, [],
                  properties)
    image.activate_empty()
    instance.snapshot_volumes(ctx.is_admin, image.id.hex, [s.id.hex for s in snapshots])
    return image, [instance, *snapshots, *volumes, ledger]


def snapshot_mapping(snapshot: Snapshot, volume: Volume, device: str) -> dict[str, Any]:
    """Nova's block_device.snapshot_from_bdm(...).get_image_mapping() for one volume."""
    return {"source_type": "snapshot", "destination_type": "volume",
            "snapshot_id": str(snapshot.id), "volume_id": None, "image_id": None,
            "volume_size": volume.size, "device_name": device,
            "boot_index": 0 if device == ROOT_DEVICE else None,
            "delete_on_termination": bool(volume.delete_on_termination),
            "no_device": None, "disk_bus": None, "device_type": None, "guest_format": None,
            "tag": None, "volume_type": None}
