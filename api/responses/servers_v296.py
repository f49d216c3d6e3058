"""Nova's server bodies from 2.96 (api-ref "Show Server Details"; Tempest's v2_96, v2_98 and
v2_100 schemas): pinned_availability_zone at 2.96, the image's properties embedded at 2.98,
scheduler_hints at 2.100. Each in GET's body (one server and the detail list), PUT's and a
rebuild's (which, as from 2.75, has its own `user_data`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from api.responses.base import MISSING, Body, Link
from api.responses.servers import (
    SERVER_MODELS,
    Server,
    ServerChanged,
    ServerRebuiltV275,
    ServerV21,
    ServerV273,
    wire,
)

NullStr = str | None


class ImageWithProperties(Body):
    id: str
    links: list[Link]
    properties: dict[str, str | None]


class ServerV296(ServerV273):
    pinned_availability_zone: str | None


class ServerV298(ServerV296):
    image: ImageWithProperties | Annotated[str, Field(pattern="^$")]  # type: ignore[assignment]


class ServerV2100(ServerV298):
    scheduler_hints: dict[str, Any]


class ServerRebuiltV296(ServerV296):
    user_data: NullStr = wire("user_data")  # type: ignore[assignment]


class ServerRebuiltV298(ServerV298):
    user_data: NullStr = wire("user_data")  # type: ignore[assignment]


class ServerRebuiltV2100(ServerV2100):
    user_data: NullStr = wire("user_data")  # type: ignore[assignment]


# Newest first, then the older ones (api/responses/servers.py).
NEWER_SERVER_MODELS: tuple[tuple[str, type[ServerV21]], ...] = (
    ("2.100", ServerV2100), ("2.98", ServerV298), ("2.96", ServerV296), *SERVER_MODELS)
REBUILT_MODELS: tuple[tuple[str, type[ServerV21]], ...] = (
    ("2.100", ServerRebuiltV2100), ("2.98", ServerRebuiltV298), ("2.96", ServerRebuiltV296),
    ("2.75", ServerRebuiltV275))
ServerNewer = ServerV2100 | ServerV298 | ServerV296 | Server
Rebuilt = ServerRebuiltV2100 | ServerRebuiltV298 | ServerRebuiltV296 | ServerRebuiltV275


class ServerShow(Body):
    server: ServerNewer


class ServerDetailList(Body):
    servers: list[ServerNewer]
    servers_links: list[Link] = MISSING  # type: ignore[assignment]


class ServerChangedShow(Body):
    server: Rebuilt | ServerNewer | ServerChanged
