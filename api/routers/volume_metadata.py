"""Block Storage metadata of volumes (`/volumes/{volume_id}/metadata`) and snapshots
(`/snapshots/{snapshot_id}/metadata`), one route set for both kinds: the metadata as a whole
(show, merge with POST, replace with PUT) and item by item (`/metadata/{key}`).

Reads come from each kind's read model; every change goes through the metadata service, which
merges on the aggregate itself (domain/services/storage/metadata.py), so concurrent requests
keep each other's items."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict

from api.auth import Caller
from api.bodies.volume_snapshots import visible_snapshot
from api.bodies.volumes import PREFIX, check_path_project
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.routers.compute_servers import caught_up
from api.routers.volumes import Metadata, owned_by, visible
from domain.errors import InvalidInput, NotFound
from domain.services.storage.metadata import Kind
from projections.store import Row

router = APIRouter(prefix=PREFIX)

_READER, _OWNER = "rule:admin_or_reader", "rule:admin_or_member"
RULES = [
    policy.RuleDefault("volume:get_volume_metadata", _READER),
    policy.RuleDefault("volume:create_volume_metadata", _OWNER),
    policy.RuleDefault("volume:update_volume_metadata", _OWNER),
    policy.RuleDefault("volume:delete_volume_metadata", _OWNER),
    policy.RuleDefault("volume:get_snapshot_metadata", _READER),
    policy.RuleDefault("volume:update_snapshot_metadata", _OWNER),
    policy.RuleDefault("volume:delete_snapshot_metadata", _OWNER),
]


class MetadataBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metadata: Metadata


class ItemBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    meta: Metadata


@dataclass(frozen=True)
class Holder:
    """What holds metadata: its kind, its collection's path and id parameter, its read
    model's lookup, and its policy for each action (Cinder's snapshots merge under update)."""

    kind: Kind
    collection: str
    param: str
    visible: Callable[[CloudServices, Caller, str], Row]
    rules: dict[str, str]
    tag: str

    def allowed(self, cloud: CloudServices, caller: Caller, engine: Any, project_id: str,
                ref: str, action: str) -> Row:
        check_path_project(project_id, caller)
        row = self.visible(cloud, caller, ref)
        engine.enforce(self.rules[action], owned_by(row["project_id"]), caller.creds)
        return row

    def missing(self, ref: str, key: str) -> NotFound:
        return NotFound(f"{self.kind.capitalize()} {ref} has no metadata with key {key}.")


HOLDERS = (
    Holder("volume", "volumes", "volume_id", visible,
           {a: f"volume:{a}_volume_metadata" for a in ("get", "create", "update", "delete")},
           "volume: metadata"),
    Holder("snapshot", "snapshots", "snapshot_id", visible_snapshot,
           {"get": "volume:get_snapshot_metadata", "create": "volume:update_snapshot_metadata",
            "update": "volume:update_snapshot_metadata",
            "delete": "volume:delete_snapshot_metadata"}, "volume: snapshot metadata"),
)


def add_routes(h: Holder) -> None:
    path = f"/{h.collection}/{{{h.param}}}/metadata"

    def changed(cloud: CloudServices, caller: Caller, row: Row, items: dict[str, str],
                replace: bool = False) -> dict[str, str]:
        metadata = cloud.volume_metadata.set_metadata(caller.ctx, h.kind, row["id"], items,
                                                      replace)
        caught_up(cloud)
        return metadata

    def show(project_id: str, ref: str, cloud: CloudDep, caller: CallerDep,
             engine: PolicyDep) -> dict[str, Any]:
        row = h.allowed(cloud, caller, engine, project_id, ref, "get")
        return {"metadata": dict(row["metadata"] or {})}

    def merge(project_id: str, ref: str, body: MetadataBody, cloud: CloudDep,
              caller: CallerDep, engine: PolicyDep) -> dict[str, Any]:
        """Cinder's create: the keys given are added or changed, the others kept."""
        row = h.allowed(cloud, caller, engine, project_id, ref, "create")
        return {"metadata": changed(cloud, caller, row, body.metadata)}

    def replace(project_id: str, ref: str, body: MetadataBody, cloud: CloudDep,
                caller: CallerDep, engine: PolicyDep) -> dict[str, Any]:
        row = h.allowed(cloud, caller, engine, project_id, ref, "update")
        return {"metadata": changed(cloud, caller, row, body.metadata, replace=True)}

    def show_item(project_id: str, ref: str, key: str, cloud: CloudDep, caller: CallerDep,
                  engine: PolicyDep) -> dict[str, Any]:
        row = h.allowed(cloud, caller, engine, project_id, ref, "get")
        metadata = row["metadata"] or {}
        if key not in metadata:
            raise h.missing(ref, key)
        return {"meta": {key: metadata[key]}}

    def update_item(project_id: str, ref: str, key: str, body: ItemBody, cloud: CloudDep,
                    caller: CallerDep, engine: PolicyDep) -> dict[str, Any]:
        if list(body.meta) != [key]:
            raise InvalidInput("Request body and URI mismatch" if key not in body.meta
                               else "Request body contains too many items")
        row = h.allowed(cloud, caller, engine, project_id, ref, "update")
        changed(cloud, caller, row, body.meta)
        return {"meta": dict(body.meta)}

    def delete_item(project_id: str, ref: str, key: str, cloud: CloudDep, caller: CallerDep,
                    engine: PolicyDep) -> Response:
        row = h.allowed(cloud, caller, engine, project_id, ref, "delete")
        if key not in (row["metadata"] or {}):
            raise h.missing(ref, key)
        cloud.volume_metadata.delete_metadata_item(caller.ctx, h.kind, row["id"], key)
        caught_up(cloud)
        return Response(status_code=200)

    for method, suffix, endpoint in (("GET", "", show), ("POST", "", merge),
                                     ("PUT", "", replace), ("GET", "/{key}", show_item),
                                     ("PUT", "/{key}", update_item),
                                     ("DELETE", "/{key}", delete_item)):
        # The id is the path's `volume_id` or `snapshot_id`: given as an object (this module's
        # annotations are strings, which FastAPI would read in the module's globals).
        endpoint.__annotations__["ref"] = Annotated[str, Path(alias=h.param)]
        router.add_api_route(path + suffix, endpoint, methods=[method], tags=[h.tag],
                             name=f"{endpoint.__name__} {h.kind} metadata")


for _holder in HOLDERS:
    add_routes(_holder)
