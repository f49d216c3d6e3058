"""Compute `/os-server-external-events`: the events Neutron, Cinder or Ironic post about servers,
for services only (Nova's default is the `service` role; an admin without it is refused).
Which names a request may use grows with the microversion, as Nova's schemas have it. Each
event gets Nova's code and status; the answer is 200 when all were accepted, else 207. What an
accepted event does here: domain/compute/external_events.py."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CallerDep, CloudDep, PolicyDep
from api.microversions import ComputeVersion, Version
from domain.errors import InvalidInput
from domain.services.compute.external_events import ExternalEventService, Posted

router = APIRouter(prefix="/compute/v2.1", tags=["compute: server external events"])

RULES = [policy.RuleDefault("os_compute_api:os-server-external-events:create", "role:service")]

# The names each microversion adds (Nova's create, create_v251, _v276, _v282, _v293).
NAMES_SINCE = {"network-changed": "2.1", "network-vif-plugged": "2.1",
               "network-vif-unplugged": "2.1", "network-vif-deleted": "2.1",
               "volume-extended": "2.51", "power-update": "2.76",
               "accelerator-request-bound": "2.82", "volume-reimaged": "2.93"}


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    server_uuid: str
    status: Literal["failed", "completed", "in-progress"] = "completed"
    tag: str | None = Field(default=None, max_length=255)


class EventsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    events: list[Event] = Field(min_length=1)


def checked(event: Event, version: Version) -> Posted:
    names = [n for n, since in NAMES_SINCE.items() if version >= since]
    if event.name not in names:
        raise InvalidInput(f"Invalid input for field/attribute name. Value: {event.name}. "
                           f"'{event.name}' is not one of {names}")
    try:
        server_id = UUID(event.server_uuid)
    except ValueError:
        raise InvalidInput(f"Invalid input for field/attribute server_uuid. Value: "
                           f"{event.server_uuid}. '{event.server_uuid}' is not a 'uuid'") from None
    return Posted(server_id, event.name, event.status, event.tag)


@router.post("/os-server-external-events")
def create(body: EventsRequest, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
           version: ComputeVersion) -> JSONResponse:
    engine.enforce("os_compute_api:os-server-external-events:create", {}, caller.creds)
    posted = [checked(event, version) for event in body.events]  # all checked before any saved
    verdicts = ExternalEventService(cloud.app).record(caller.ctx, posted)
    answered: list[dict[str, Any]] = []
    for event, verdict in zip(body.events, verdicts, strict=True):
        answer = event.model_dump(exclude_none=True)
        answered.append({**answer, "status": verdict.status, "code": verdict.code})
    status = 200 if all(v.code == 200 for v in verdicts) else 207
    return JSONResponse({"events": answered}, status_code=status)
