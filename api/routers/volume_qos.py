"""Block Storage `/qos-specs` (administrators only): QoS specs, their keys and their
associations with volume types. Reads come from the qos-specs read model; changes go through
the type service, which saves an association on both sides at once.

Nothing enforces the limits yet: a front-end consumer would be libvirt's <iotune> on the
attached disk, a back-end one the pool's; both are recorded and shown as Cinder does.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller
from api.bodies.volumes import PREFIX, check_path_project, dashed
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.policy import PolicyEngine
from api.responses.volume_types import QosAssociations, QosSpecsList, QosSpecsSet, QosSpecsShow
from api.routers.compute_servers import caught_up
from domain.errors import InvalidInput, NotFound
from domain.storage.qos_specs import CONSUMERS, DEFAULT_CONSUMER
from projections.qos_specs import QosSpecsViews
from projections.store import Row

router = APIRouter(prefix=PREFIX, tags=["volume: qos-specs"])

RULES = [policy.RuleDefault(f"volume_extension:qos_specs_manage:{action}", "rule:admin_api")
         for action in ("create", "get", "get_all", "update", "delete")]
Text = Annotated[str, Field(max_length=255)]


class KeysBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    keys: list[Annotated[str, Field(min_length=1, max_length=255)]]


def enforce(engine: PolicyEngine, caller: Caller, action: str) -> None:
    engine.enforce(f"volume_extension:qos_specs_manage:{action}",
                   {"project_id": caller.project_id}, caller.creds)


def qos_key(ref: str) -> str:
    try:
        return UUID(ref).hex
    except ValueError:
        raise NotFound(f"QoS Specs {ref} could not be found.") from None


def found(cloud: CloudServices, ref: str) -> Row:
    row = QosSpecsViews(cloud.store).get(qos_key(ref))
    if row is None:
        raise NotFound(f"QoS Specs {ref} could not be found.")
    return row


def qos_body(row: Row) -> dict[str, Any]:
    return {"id": dashed(row["id"]), "name": row["name"], "consumer": row["consumer"],
            "specs": row["specs"]}


def specs_of(body: Any, create: bool) -> tuple[dict[str, str], str | None]:
    """Cinder's qos_specs body: string values; `name` (on create) and `consumer` apart."""
    if not isinstance(body, dict) or not isinstance(body.get("qos_specs"), dict) or \
            set(body) != {"qos_specs"}:
        raise InvalidInput("Invalid input received: a qos_specs object is required.")
    values = dict(body["qos_specs"])
    consumer = values.pop("consumer", None)
    if consumer is not None and consumer not in CONSUMERS:
        raise InvalidInput(f"Invalid input received: Valid consumer of QoS specs are: "
                           f"{list(CONSUMERS)}")
    if not all(isinstance(k, str) and 0 < len(k) <= 255 and isinstance(v, str) and
               len(v) <= 255 for k, v in values.items()):
        raise InvalidInput("Invalid input received: qos specs keys and values must be "
                           "strings of at most 255 characters.")
    if create and not values.get("name", "").strip():
        raise InvalidInput("Invalid input received: a qos specs name is required.")
    return values, consumer


@router.get("/qos-specs", response_model=QosSpecsList)
def index(project_id: str, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep) -> dict[str, Any]:
    check_path_project(project_id, caller)
    enforce(engine, caller, "get_all")
    return {"qos_specs": [qos_body(r) for r in QosSpecsViews(cloud.store).list()]}


def shown(cloud: CloudServices, request: Request, row: Row) -> dict[str, Any]:
    base = cloud.settings.public_url
    ident = dashed(row["id"])
    project = request.path_params["project_id"]
    return {"qos_specs": qos_body(row), "links": [
        {"href": f"{base}/volume/v3/{project}/qos-specs/{ident}", "rel": "self"},
        {"href": f"{base}/volume/{project}/qos-specs/{ident}", "rel": "bookmark"}]}


@router.post("/qos-specs", response_model=QosSpecsShow)
def create(project_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, body: Annotated[Any, Body()] = None) -> dict[str, Any]:
    check_path_project(project_id, caller)
    enforce(engine, caller, "create")
    values, consumer = specs_of(body, create=True)
    name = values.pop("name").strip()
    qos = cloud.volume_types.create_qos(caller.ctx, name, consumer or DEFAULT_CONSUMER, values)
    caught_up(cloud)
    return shown(cloud, request, found(cloud, qos.id.hex))


@router.get("/qos-specs/{qos_id}", response_model=QosSpecsShow)
def show(project_id: str, qos_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep) -> dict[str, Any]:
    check_path_project(project_id, caller)
    enforce(engine, caller, "get")
    return shown(cloud, request, found(cloud, qos_id))


@router.put("/qos-specs/{qos_id}", response_model=QosSpecsSet)
def set_keys(project_id: str, qos_id: str, cloud: CloudDep, caller: CallerDep,
             engine: PolicyDep, body: Annotated[Any, Body()] = None) -> dict[str, Any]:
    """Cinder answers with the body it was given."""
    check_path_project(project_id, caller)
    enforce(engine, caller, "update")
    values, consumer = specs_of(body, create=False)
    cloud.volume_types.set_qos(caller.ctx, qos_key(qos_id), values, consumer)
    return {"qos_specs": body["qos_specs"]}


@router.put("/qos-specs/{qos_id}/delete_keys", status_code=202)
def delete_keys(project_id: str, qos_id: str, body: KeysBody, cloud: CloudDep,
                caller: CallerDep, engine: PolicyDep) -> Response:
    check_path_project(project_id, caller)
    enforce(engine, caller, "delete")
    cloud.volume_types.unset_qos_keys(caller.ctx, qos_key(qos_id), body.keys)
    return Response(status_code=202)


@router.delete("/qos-specs/{qos_id}", status_code=202)
def delete(project_id: str, qos_id: str, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, force: str = "false") -> Response:
    check_path_project(project_id, caller)
    enforce(engine, caller, "delete")
    if force.lower() not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        raise InvalidInput(f"Invalid value '{force}' for force.")
    cloud.volume_types.delete_qos(caller.ctx, qos_key(qos_id),
                                  force.lower() in ("true", "1", "yes", "on"))
    return Response(status_code=202)


@router.get("/qos-specs/{qos_id}/associations", response_model=QosAssociations)
def associations(project_id: str, qos_id: str, cloud: CloudDep, caller: CallerDep,
                 engine: PolicyDep) -> dict[str, Any]:
    check_path_project(project_id, caller)
    enforce(engine, caller, "get_all")
    row = found(cloud, qos_id)
    return {"qos_associations": [
        {"association_type": "volume_type", "id": dashed(t["id"]), "name": t["name"]}
        for t in QosSpecsViews(cloud.store).associations(row["id"])]}


def type_param(vol_type_id: str | None) -> str:
    if not vol_type_id:
        raise InvalidInput("Volume Type id must not be None.")
    try:
        return UUID(vol_type_id).hex
    except ValueError:
        raise NotFound(f"Volume type {vol_type_id} could not be found.") from None


@router.get("/qos-specs/{qos_id}/associate", status_code=202)
def associate(project_id: str, qos_id: str, cloud: CloudDep, caller: CallerDep,
              engine: PolicyDep, vol_type_id: str | None = None) -> Response:
    check_path_project(project_id, caller)
    enforce(engine, caller, "update")
    cloud.volume_types.associate_qos(caller.ctx, qos_key(qos_id), type_param(vol_type_id))
    caught_up(cloud)  # a command behind a GET: the middleware catches up after writes only
    return Response(status_code=202)


@router.get("/qos-specs/{qos_id}/disassociate", status_code=202)
def disassociate(project_id: str, qos_id: str, cloud: CloudDep, caller: CallerDep,
                 engine: PolicyDep, vol_type_id: str | None = None) -> Response:
    check_path_project(project_id, caller)
    enforce(engine, caller, "update")
    cloud.volume_types.disassociate_qos(caller.ctx, qos_key(qos_id), type_param(vol_type_id))
    caught_up(cloud)  # a command behind a GET: the middleware catches up after writes only
    return Response(status_code=202)


@router.get("/qos-specs/{qos_id}/disassociate_all", status_code=202)
def disassociate_all(project_id: str, qos_id: str, cloud: CloudDep, caller: CallerDep,
                     engine: PolicyDep) -> Response:
    check_path_project(project_id, caller)
    enforce(engine, caller, "update")
    cloud.volume_types.disassociate_all_qos(caller.ctx, qos_key(qos_id))
    caught_up(cloud)  # a command behind a GET: the middleware catches up after writes only
    return Response(status_code=202)
