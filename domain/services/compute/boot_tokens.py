"""Idempotent boots (EC2's ClientToken): a boot that carries a token the project used before
answers the instances that token made, if the request is the same; the token of a new boot is
saved with it (domain/compute/boot_token.py)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any
from uuid import UUID

from domain.app import SkyLedger
from domain.compute.boot_token import BootToken, boot_token_id
from domain.compute.instance import Instance


def request_digest(request: Any) -> str:
    """What a boot request asks for, the token aside (a dataclass: BootRequest)."""
    asked = dataclasses.asdict(dataclasses.replace(request, client_token=None))
    text = json.dumps(asked, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def replayed(app: SkyLedger, project_id: str, request: Any) -> list[Instance] | None:
    """The instances an earlier boot with this request's token made (deleted ones too), or None
    when the token is new. The same token with another request is TokenReused."""
    if request.client_token is None:
        return None
    token = app.find(boot_token_id(project_id, request.client_token))
    if not isinstance(token, BootToken):
        return None
    token.check_same_request(request_digest(request))
    return [app.repository.get(UUID(i)) for i in token.instance_ids]


def issued(project_id: str, request: Any, instances: list[Instance]) -> list[BootToken]:
    """The token to save with a new boot's instances (none when the request has none)."""
    if request.client_token is None:
        return []
    return [BootToken(project_id, request.client_token, request_digest(request),
                      [i.id.hex for i in instances])]
