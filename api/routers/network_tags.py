"""Networking `/network/v2.0/{resources}/{id}/tags[/{tag}]`: Neutron's `standard-attr-tag`
on networks, subnets, ports, routers and subnet pools (neutron/extensions/tagging.py: index
200, show 204, update 201, update_all 200, delete 204, delete_all 204).

A read finds the resource in its read model as its own show would (another project's is not
found); a change goes to `TagService`, which checks the resource's aggregate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict

from api.auth import Caller
from api.bodies.networks import PREFIX, parse_ref, target, views, visible
from api.bodies.routers import visible_router
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.routers.network_ports import visible_port
from api.routers.network_subnets import find_subnet
from domain.errors import NotFound
from domain.network.tags import TAGGED_KINDS
from projections.resource_tags import ResourceTagViews
from projections.store import Row

router = APIRouter(prefix=PREFIX, tags=["network: tags"])

# neutron/conf/policies/{network,subnet,port,router,subnetpool}.py: reading tags follows
# reading the resource, changing them follows changing it (owners and admins).
RULES = [rule for kind in TAGGED_KINDS for rule in (
    policy.RuleDefault(f"get_{kind}_tags", "rule:admin_or_reader"),
    policy.RuleDefault(f"create_{kind}_tags", "rule:admin_or_member"),
    policy.RuleDefault(f"update_{kind}_tags", "rule:admin_or_member"),
    policy.RuleDefault(f"delete_{kind}_tags", "rule:admin_or_member"),
)]


class TagsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tags: list[Any]


def _network(cloud: CloudServices, caller: Caller, ref: str) -> Row:
    return visible(views(cloud).network(parse_ref(ref, "Network")), caller, "Network", ref)


def _pool(cloud: CloudServices, caller: Caller, ref: str) -> Row:
    row = views(cloud).subnet_pool(parse_ref(ref, "Subnet pool"))
    if row is not None and row["shared"]:
        return row
    return visible(row, caller, "Subnet pool", ref)


FINDERS: dict[str, Callable[[CloudServices, Caller, str], Row]] = {
    "networks": _network, "subnets": find_subnet, "ports": visible_port,
    "routers": visible_router, "subnetpools": _pool,
}


def resource(cloud: CloudServices, caller: Caller, kind: str, ref: str) -> tuple[str, Row]:
    """(hex id, row) of the resource the caller sees, after catching the read models up."""
    cloud.catch_up_for_reads()
    row = FINDERS[kind](cloud, caller, ref)
    return str(row["id"]).replace("-", ""), row


def _tags(cloud: CloudServices, kind: str, hex_id: str) -> list[str]:
    return ResourceTagViews(cloud.store).tags(kind, hex_id)


def _network_of(kind: str, row: Row) -> str | None:
    return str(row["network_id"]) if kind == "subnets" else None


# The path parameter each collection's own routes name its resource by (the subnets': `ref`).
PARAMS = {"networks": "network_id", "subnets": "ref", "ports": "port_id",
          "routers": "router_id", "subnetpools": "pool_id"}


def add_routes(kind: str) -> None:
    """The six tag routes of one collection. Its resource's path parameter is read from the
    request, so that every collection's routes name it as its own routes do."""
    param = PARAMS[kind]
    base = f"/{kind}/{{{param}}}/tags"

    def index(request: Request, cloud: CloudDep, caller: CallerDep,
              engine: PolicyDep) -> dict[str, Any]:
        hex_id, row = resource(cloud, caller, kind, request.path_params[param])
        engine.enforce(f"get_{kind}_tags", target(row), caller.creds)
        return {"tags": _tags(cloud, kind, hex_id)}

    def show(request: Request, tag: str, cloud: CloudDep, caller: CallerDep,
             engine: PolicyDep) -> Response:
        hex_id, row = resource(cloud, caller, kind, request.path_params[param])
        engine.enforce(f"get_{kind}_tags", target(row), caller.creds)
        if tag not in _tags(cloud, kind, hex_id):
            raise NotFound(f"Tag {tag} could not be found.")
        return Response(status_code=204)

    def update_all(request: Request, body: TagsBody, cloud: CloudDep, caller: CallerDep,
                   engine: PolicyDep) -> dict[str, Any]:
        hex_id, row = resource(cloud, caller, kind, request.path_params[param])
        engine.enforce(f"update_{kind}_tags", target(row), caller.creds)
        tags = cloud.tags.replace_tags(caller.ctx, kind, hex_id, body.tags,
                                       _network_of(kind, row))
        return {"tags": tags}

    def update(request: Request, tag: str, cloud: CloudDep, caller: CallerDep,
               engine: PolicyDep) -> Response:
        hex_id, row = resource(cloud, caller, kind, request.path_params[param])
        engine.enforce(f"create_{kind}_tags", target(row), caller.creds)
        cloud.tags.add_tag(caller.ctx, kind, hex_id, tag, _network_of(kind, row))
        return Response(status_code=201)

    def delete_all(request: Request, cloud: CloudDep, caller: CallerDep,
                   engine: PolicyDep) -> Response:
        hex_id, row = resource(cloud, caller, kind, request.path_params[param])
        engine.enforce(f"delete_{kind}_tags", target(row), caller.creds)
        cloud.tags.replace_tags(caller.ctx, kind, hex_id, [], _network_of(kind, row))
        return Response(status_code=204)

    def delete(request: Request, tag: str, cloud: CloudDep, caller: CallerDep,
               engine: PolicyDep) -> Response:
        hex_id, row = resource(cloud, caller, kind, request.path_params[param])
        engine.enforce(f"delete_{kind}_tags", target(row), caller.creds)
        cloud.tags.remove_tag(caller.ctx, kind, hex_id, tag, _network_of(kind, row))
        return Response(status_code=204)

    router.add_api_route(base, index, methods=["GET"])
    router.add_api_route(base + "/{tag}", show, methods=["GET"], status_code=204)
    router.add_api_route(base, update_all, methods=["PUT"])
    router.add_api_route(base + "/{tag}", update, methods=["PUT"], status_code=201)
    router.add_api_route(base, delete_all, methods=["DELETE"], status_code=204)
    router.add_api_route(base + "/{tag}", delete, methods=["DELETE"], status_code=204)


for _kind in TAGGED_KINDS:
    add_routes(_kind)
