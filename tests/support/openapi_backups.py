"""The OpenAPI check of the volume backup bodies (test_openapi_responses.py's volume test)."""

from __future__ import annotations

import base64
import json
import uuid

from tests.support.openapi_checks import Checked
from tests.support.volumes_api import WORKER, Volumes


def check_backup_bodies(volumes: Volumes, checked: Checked, admin: dict[str, str],
                        project: str, volume_id: str) -> None:
    """An administrator's backup of its available volume, at a microversion that shows the
    project, metadata and user; its export imported again under a new id."""
    backups = "/volume/v3/{project_id}/backups"
    one = f"{backups}/{{backup_id}}"
    backup = checked.call("post", backups, admin, project_id=project, json={"backup": {
        "volume_id": volume_id, "name": "b", "metadata": {"k": "v"}}})["backup"]
    volumes.cloud.volume_backups.backup_created(WORKER, backup["id"], 1)
    volumes.cloud.sync_read_models()
    shown = checked.call("get", one, admin, project_id=project, backup_id=backup["id"])
    assert shown["backup"]["status"] == "available" and shown["backup"]["metadata"] == {
        "k": "v"}
    checked.call("put", one, admin, project_id=project, backup_id=backup["id"],
                 json={"backup": {"description": "d"}})
    checked.call("get", backups, admin, project_id=project)
    checked.call("get", f"{backups}/detail", admin, project_id=project)
    record = checked.call("get", f"{one}/export_record", admin, project_id=project,
                          backup_id=backup["id"])["backup-record"]
    decoded = json.loads(base64.b64decode(record["backup_url"]))
    decoded["id"] = str(uuid.uuid4())
    imported = checked.call("post", f"{backups}/import_record", admin, project_id=project,
                            json={"backup-record": {
                                "backup_service": record["backup_service"],
                                "backup_url": base64.b64encode(
                                    json.dumps(decoded).encode()).decode()}})["backup"]
    assert imported["id"] == decoded["id"]
    restored = checked.call("post", f"{one}/restore", admin, project_id=project,
                            backup_id=backup["id"], json={"restore": {}})["restore"]
    assert restored["backup_id"] == backup["id"]
