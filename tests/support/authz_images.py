"""The image service's part of the authorisation matrix's world (tests/support/authz_world.py):
A's imported image and its task, the operator's metadata definitions, and a body for each
mutating image route."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.support.images_api import auth

if TYPE_CHECKING:
    from tests.support.authz_world import World


def imported_image_task(world: World) -> str:
    """A private image of A's, staged and imported: the id of its import task."""
    image = world.created("POST", "/image/v2/images", {
        "name": "secret-imported-a", "visibility": "private", "disk_format": "raw",
        "container_format": "bare"}, None)
    url = f"/image/v2/images/{image['id']}"
    staged = world.client.put(f"{url}/stage", content=b"a's bytes", headers={
        **auth(world.a), "Content-Type": "application/octet-stream"})
    assert staged.status_code == 204, staged.text
    world.created("POST", f"{url}/import", {"method": {"name": "glance-direct"}}, None)
    task_id: str = world.created("GET", f"{url}/tasks", None, "tasks")[0]["id"]
    world.secret(image["id"], "secret-imported-a")
    return task_id


def operator_metadefs(world: World, admin: dict[str, str]) -> None:
    """A private metadata definition namespace of the operator's, one definition of each kind."""
    namespace = "OS::Matrix::Private"
    world.created("POST", "/image/v2/metadefs/namespaces", {
        "namespace": namespace, "visibility": "private",
        "resource_type_associations": [{"name": "OS::Glance::Image"}],
        "objects": [{"name": "matrix-object"}], "tags": [{"name": "matrix-tag"}],
        "properties": {"matrix-property": {"title": "p", "type": "string"}}}, None, admin)
    world.keep(namespace=namespace, object_name="matrix-object", tag_name="matrix-tag",
               property_name="matrix-property", resource_type="OS::Glance::Image",
               kind="namespace")


def image_bodies(other_project: str) -> dict[str, Any]:
    return {
        "POST /image/v2/images": {"name": "matrix-image"},
        "PATCH /image/v2/images/{image_id}": [{"op": "replace", "path": "/name",
                                               "value": "changed"}],
        "DELETE /image/v2/images/{image_id}": None,
        "PUT /image/v2/images/{image_id}/tags/{tag}": None,
        "DELETE /image/v2/images/{image_id}/tags/{tag}": None,
        "DELETE /image/v2/stores/{store_id}/{image_id}": None,
        "PUT /image/v2/images/{image_id}/file": b"matrix bytes",
        "PUT /image/v2/images/{image_id}/stage": b"matrix bytes",
        "POST /image/v2/images/{image_id}/import": {"method": {"name": "glance-direct"}},
        "POST /image/v2/images/{image_id}/actions/deactivate": None,
        "POST /image/v2/images/{image_id}/actions/reactivate": None,
        "POST /image/v2/images/{image_id}/members": {"member": other_project},
        "PUT /image/v2/images/{image_id}/members/{member_id}": {"status": "accepted"},
        "DELETE /image/v2/images/{image_id}/members/{member_id}": None,
        "DELETE /image/v2/images/": None,
        "POST /image/v2/tasks": {"type": "import", "input": {}},
        "POST /image/v2/metadefs/namespaces": {"namespace": "OS::Matrix::New"},
        "PUT /image/v2/metadefs/namespaces/{namespace}": {"description": "changed"},
        "DELETE /image/v2/metadefs/namespaces/{namespace}": None,
        "POST /image/v2/metadefs/namespaces/{namespace}/objects": {"name": "o"},
        "PUT /image/v2/metadefs/namespaces/{namespace}/objects/{object_name}": {"name": "o"},
        "DELETE /image/v2/metadefs/namespaces/{namespace}/objects/{object_name}": None,
        "POST /image/v2/metadefs/namespaces/{namespace}/properties": {
            "name": "p", "title": "p", "type": "string"},
        "PUT /image/v2/metadefs/namespaces/{namespace}/properties/{property_name}": {
            "name": "p", "title": "p", "type": "string"},
        "DELETE /image/v2/metadefs/namespaces/{namespace}/properties/{property_name}": None,
        "POST /image/v2/metadefs/namespaces/{namespace}/tags": {"tags": [{"name": "t"}]},
        "DELETE /image/v2/metadefs/namespaces/{namespace}/tags": None,
        "POST /image/v2/metadefs/namespaces/{namespace}/tags/{tag_name}": None,
        "PUT /image/v2/metadefs/namespaces/{namespace}/tags/{tag_name}": {"name": "t"},
        "DELETE /image/v2/metadefs/namespaces/{namespace}/tags/{tag_name}": None,
        "POST /image/v2/metadefs/namespaces/{namespace}/resource_types": {"name": "r"},
        "DELETE /image/v2/metadefs/namespaces/{namespace}/resource_types/{resource_type}": None,
    }
