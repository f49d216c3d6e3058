"""Nova's /v2 endpoint: the v2.0 API, which Nova serves as its v2.1 code pinned to 2.1.

Nova lists v2.0 first in its versions document (Tempest checks it) and keeps answering
/compute/v2/... with the same controllers as /v2.1 behind `LegacyV2CompatibleWrapper`: requests
are 2.1 whatever microversion headers they carry, and responses carry no microversion headers.
Rewriting the path at the ASGI edge gives exactly that without a second set of routes. What this
leaves out: Nova's legacy wrapper also strips unknown keys from request bodies instead of
refusing them; here bodies are validated as at 2.1.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LEGACY_PREFIX = "/compute/v2/"
CURRENT_PREFIX = "/compute/v2.1/"
# Version documents answer these two themselves (api/discovery.py).
VERSION_DOCUMENT_PATHS = {"/compute/v2", "/compute/v2/"}
VERSION_HEADERS = {b"openstack-api-version", b"x-openstack-nova-api-version"}


def is_legacy(path: str) -> bool:
    return path.startswith(LEGACY_PREFIX) and path not in VERSION_DOCUMENT_PATHS


def is_version_vary(name: bytes, value: bytes) -> bool:
    return name.lower() == b"vary" and b"openstack-api-version" in value.lower()


class LegacyV2:
    """ASGI middleware: /compute/v2/X becomes /compute/v2.1/X at 2.1, answered without
    microversion headers (api/middleware.py echoes them only under /compute/v2.1)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_legacy(scope["path"]):
            await self.app(scope, receive, send)
            return
        path = CURRENT_PREFIX + scope["path"][len(LEGACY_PREFIX):]
        headers = [(name, value) for name, value in scope["headers"]
                   if name.lower() not in VERSION_HEADERS]
        rewritten = {**scope, "path": path, "raw_path": path.encode(), "headers": headers}

        async def without_version_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (name, value) for name, value in message.get("headers", [])
                    if name.lower() not in VERSION_HEADERS and not is_version_vary(name, value)]
            await send(message)

        await self.app(rewritten, receive, without_version_headers)
