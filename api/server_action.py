"""What a handler of `POST /servers/{id}/action` is given (api/routers/compute_server_actions.py
dispatches; the floating-IP and image actions live in routers of their own and take it too)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Response

from api.auth import Caller
from api.deps import CloudServices
from api.microversions import Version
from api.policy import PolicyEngine


@dataclass(frozen=True)
class Act:
    """Everything an action handler needs."""

    cloud: CloudServices
    caller: Caller
    engine: PolicyEngine
    version: Version
    server: dict[str, Any]
    value: Any

    @property
    def id(self) -> str:
        return str(self.server["id"])

    def accepted(self) -> Response:
        return Response(status_code=202)
