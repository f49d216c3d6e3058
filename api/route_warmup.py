"""Every route's lazy FastAPI state, built when a server starts instead of by its first caller.

FastAPI 0.165 builds a route's dependency and validation state on the first request that walks
past it; a request that no route matches walks all ~600. Left to the first caller, the first
request to a late route (anything under /ec2, or a 404) costs about a second of CPU on an idle
host and over five on a busy one: enough for a client's timeout to give up on a server that is
answering. `warm_at_start` walks them once in the app's lifespan, before uvicorn serves the
socket. It is for served apps only: the tests build an app per test in-process, where a
second per app would cost minutes and no client times out."""

from __future__ import annotations

from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

# No route serves this path, so matching it visits every route.
UNROUTED_PATH = "/.route-warm-up"


async def walk_all_routes(app: FastAPI) -> None:
    """Matches one request against the bare router: no middleware, so no metrics, request id
    or log line for it; no `app` in the scope, so the router's 404 is a plain response."""
    scope: MutableMapping[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": UNROUTED_PATH, "raw_path": UNROUTED_PATH.encode(),
        "root_path": "", "query_string": b"", "headers": [], "client": None,
        "server": ("warm-up", 0)}

    async def receive() -> MutableMapping[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        pass

    await app.router(scope, receive, send)


def warm_at_start(app: FastAPI) -> FastAPI:
    """`app`, whose lifespan (whatever it was) now starts by walking every route."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(served: FastAPI) -> AsyncIterator[Any]:
        await walk_all_routes(served)
        async with inner(served) as state:
            yield state

    app.router.lifespan_context = lifespan
    return app
