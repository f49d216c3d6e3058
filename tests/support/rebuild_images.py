"""The rebuild workload's part for images: test_projections_rebuild.py calls it with the cloud
(the image import process manager's outcomes are recorded through its services) and its `Api`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.backends import StoredBlob
from domain.catalog.image import Image
from domain.context import RequestContext
from ops.bootstrap import Cloud


def drive_images(cloud: Cloud, api: Any) -> None:
    made = [api("POST", "/image/v2/images",
                {"name": name, "disk_format": "raw", "container_format": "bare"})["id"]
            for name in ("rb-img1", "rb-img2", "rb-img3")]
    api("DELETE", f"/image/v2/images/{made[1]}")
    # Shared, hidden, staged and imported (a task), deactivated: every image event.
    api("POST", f"/image/v2/images/{made[0]}/members", {"member": "rb-member-1"})
    api("POST", f"/image/v2/images/{made[0]}/members", {"member": "rb-member-2"})
    api("DELETE", f"/image/v2/images/{made[0]}/members/rb-member-2")
    api("PATCH", f"/image/v2/images/{made[0]}", [{"op": "add", "path": "/os_hidden",
                                                  "value": True}],
        headers={**api.headers, "Content-Type": "application/openstack-images-v2.1-json-patch"})
    url = f"/image/v2/images/{made[2]}"
    staged = api.client.put(f"{url}/stage", content=b"rb bytes",
                            headers={**api.headers, "Content-Type": "application/octet-stream"})
    assert staged.status_code == 204, staged.text
    api("POST", f"{url}/import", {"method": {"name": "glance-direct"}})
    api("POST", f"{url}/actions/deactivate")
    drive_web_downloads(cloud, api)
    metadefs = "/image/v2/metadefs/namespaces"
    for namespace in ("rb-ns1", "rb-ns2"):
        api("POST", metadefs, {"namespace": namespace, "visibility": "public"})
    api("POST", f"{metadefs}/rb-ns1/objects", {"name": "rb-object"})
    api("POST", f"{metadefs}/rb-ns1/tags", {"tags": [{"name": "rb-a"}, {"name": "rb-b"}]})
    api("PUT", f"{metadefs}/rb-ns1/tags/rb-a", {"name": "rb-c"})
    api("DELETE", f"{metadefs}/rb-ns2")


def drive_web_downloads(cloud: Cloud, api: Any) -> None:
    """Two web-downloads: one fails (back to queued), one succeeds (active); the outcomes are
    the process manager's commands, called here as it would (no network in this workload)."""
    worker = RequestContext(user_id="image-import:rb")
    for name, outcome in (("rb-web-failed", "failed"), ("rb-web-done", "done")):
        image_id = api("POST", "/image/v2/images", {
            "name": name, "disk_format": "raw", "container_format": "bare"})["id"]
        api("POST", f"/image/v2/images/{image_id}/import", {"method": {
            "name": "web-download", "uri": f"http://rb.invalid/{name}"}})
        image = cloud.app.get(UUID(image_id), Image, "Image")
        task_id = image.properties["os_glance_import_task"]
        if outcome == "failed":
            cloud.web_downloads.failed(worker, image.id, task_id, "404 Not Found")
        else:
            blob = StoredBlob("ab" * 32, 3, "0" * 32, "1" * 128)
            assert cloud.web_downloads.downloaded(worker, image.id, task_id, blob, ["file"], [])
    cloud.sync_read_models()
