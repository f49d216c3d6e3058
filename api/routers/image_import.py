"""Image v2 interoperable image import: `/info/import`, staging
(`PUT /images/{id}/stage`), `POST /images/{id}/import`, and the tasks that record imports.

Methods: `glance-direct` (the staged data becomes the image's, in the request's stores:
domain/services/image_copies.py), `copy-image` (into more stores, by the image import process
manager: domain/process/images/copy_image.py) and `web-download` (the image goes `importing`; the
image import process manager fetches the URI, which must pass the import filter, Glance's
`[import_filtering_opts]`: domain/services/image_web_download.py). `glance-download` (from
another region's Glance) is refused: this cloud has no other region to fetch from. The legacy
`POST /v2/tasks` import from a URI is refused too (Glance deprecated it for web-download)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from oslo_policy import policy
from starlette.concurrency import run_in_threadpool

from api.deps import CallerDep, CloudDep, PolicyDep
from api.image_access import authorize_change, json_body, shown
from api.image_uploads import receive
from domain.errors import InvalidInput, InvalidState, NotFound
from domain.services.image_data import IMPORT_METHODS, STORE
from projections.image_tasks import ImageTaskViews

router = APIRouter(prefix="/image/v2", tags=["image"])

RULES = [
    policy.RuleDefault("stage_image", "rule:admin_or_member", "Stage an image's data"),
    policy.RuleDefault("import_image", "rule:admin_or_member", "Import an image's data"),
    # Glance's tasks API is an operator's (tasks_api_access); an image's tasks are its readers'.
    policy.RuleDefault("get_task", "rule:admin_api", "Show a task"),
    policy.RuleDefault("add_task", "rule:admin_api", "Create a task (legacy import)"),
]
WEB_DOWNLOAD = "web-download"
COPY = "copy-image"
METHODS = (*IMPORT_METHODS, WEB_DOWNLOAD)
DOWNLOADS = ("glance-download",)
NO_NETWORK = ("Import method {} is not available: this cloud has no other region or outside"
              " service to download from. Import from a URI with web-download, or stage the"
              " data (PUT /v2/images/{{id}}/stage) and import it with glance-direct.")


@router.get("/info/import")
def info_import(caller: CallerDep) -> dict[str, Any]:
    return {"import-methods": {"description": "Import methods available.", "type": "array",
                               "value": list(METHODS)}}


@router.put("/images/{image_id}/stage", status_code=204)
async def stage(image_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
                policy: PolicyDep) -> Response:
    await receive(request, cloud, caller, policy, image_id, "stage_image", cloud.image_data.stage)
    return Response(status_code=204)


def import_request(body: Any) -> tuple[str, dict[str, Any]]:
    """The method of a valid import request, and the request as its task records it."""
    method = body.get("method") if isinstance(body, dict) else None
    name = method.get("name") if isinstance(method, dict) else None
    if not isinstance(name, str):
        raise InvalidInput("An import request needs a method: {\"method\": {\"name\": ...}}.")
    if name in DOWNLOADS:
        raise InvalidInput(NO_NETWORK.format(name))
    if name not in METHODS:
        raise InvalidInput(f"Unknown import method name '{name}'; available: "
                           f"{', '.join(METHODS)}.")
    if name == WEB_DOWNLOAD and not isinstance(body["method"].get("uri"), str):
        raise InvalidInput("URI for web-download import method needs to be specified.")
    stores = body.get("stores")
    if stores is not None and not (isinstance(stores, list)
                                   and all(isinstance(s, str) for s in stores)):
        raise InvalidInput(f"Invalid stores {stores!r}: a list of store ids.")
    if stores and body.get("all_stores"):
        raise InvalidInput("All_stores parameter can't be used with x-image-meta-store header "
                           "or stores parameter")
    return name, body


def requested_stores(body: dict[str, Any], header: str | None, known: list[str],
                     default: str) -> list[str]:
    """Glance's get_stores_from_request: `all_stores`, `stores`, the X-Image-Meta-Store header
    or the default store; one it does not have is its 409 (UnknownScheme)."""
    if body.get("all_stores"):
        return list(known)
    stores = body.get("stores") or [header or default]
    for store in stores:
        if store not in known:
            raise InvalidState(f"Store for scheme {store} not found")
    return list(dict.fromkeys(stores))


@router.post("/images/{image_id}/import", status_code=202)
async def import_image(image_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
                       policy: PolicyDep) -> Response:
    method, body = import_request(await json_body(request, ("application/json",)))
    image = await run_in_threadpool(authorize_change, cloud, caller, policy, "import_image",
                                    image_id)
    targets = requested_stores(body, request.headers.get("x-image-meta-store"),
                               cloud.image_stores.ids, cloud.image_stores.default)
    if method == WEB_DOWNLOAD:
        uri = body["method"]["uri"]
        cloud.settings.import_filter().check(uri)
        await run_in_threadpool(cloud.web_downloads.request, caller.ctx, image.id, uri, body,
                                targets)
    elif method == COPY:
        if body.get("all_stores"):  # Glance copies only to the stores it is not in yet
            targets = [s for s in targets if s not in image.stores]
        await run_in_threadpool(cloud.image_copies.request_copy, caller.ctx, image.id, body,
                                targets)
    elif targets != [STORE]:
        await run_in_threadpool(cloud.image_copies.import_staged, caller.ctx, image.id, body,
                                targets, cloud.image_stores.get)
    else:
        await run_in_threadpool(cloud.image_data.import_image, caller.ctx, image.id, method,
                                body)
    return Response(status_code=202)


@router.get("/images/{image_id}/tasks")
def image_tasks(image_id: str, cloud: CloudDep, caller: CallerDep,
                policy: PolicyDep) -> dict[str, Any]:
    row = shown(cloud, caller, policy, "get_image", image_id)
    return {"tasks": ImageTaskViews(cloud.store).of_image(row["id"])}


@router.get("/tasks/{task_id}")
def show_task(task_id: str, cloud: CloudDep, caller: CallerDep,
              policy: PolicyDep) -> dict[str, Any]:
    policy.enforce("get_task", {"project_id": caller.project_id}, caller.creds)
    task = ImageTaskViews(cloud.store).get(task_uuid(task_id))
    if task is None:
        raise NotFound(f"Task with the given ID {task_id} not found")
    return task


def task_uuid(task_id: str) -> str:
    try:
        return UUID(task_id).hex
    except ValueError:
        raise NotFound(f"Task with the given ID {task_id} not found") from None


@router.post("/tasks", status_code=201)
async def create_task(request: Request, caller: CallerDep, policy: PolicyDep) -> JSONResponse:
    """Glance's legacy tasks import from a URI: refused, web-download is its successor."""
    policy.enforce("add_task", {"project_id": caller.project_id}, caller.creds)
    body = await json_body(request, ("application/json",))
    if not isinstance(body, dict) or body.get("type") != "import":
        raise InvalidInput("Invalid type value: tasks of type 'import' only.")
    raise InvalidInput("Legacy task imports (import_from) are not available: import from a URI"
                       " with POST /v2/images/{id}/import, method web-download.")
