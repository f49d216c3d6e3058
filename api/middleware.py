"""Per-request plumbing: the request id, the microversion headers (api/microversions.py) and
read-your-writes after commands (input limits: api/limits.py)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from api.microversions import echo_headers
from domain.app import tracking_writes
from domain.context import new_request_id, request_id_bound

log = logging.getLogger(__name__)
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


async def catch_up(request: Request) -> None:
    """The command's events are stored; bring the read models up to them so that the caller's
    next GET sees what it just did. A read model that cannot follow must not turn a command that
    succeeded into an error: the followers keep retrying and `projections status` shows the lag."""
    try:
        await run_in_threadpool(request.app.state.cloud.catch_up_for_reads)
    except Exception:  # noqa: BLE001
        log.exception("read models could not catch up after %s", request.state.request_id)


async def respond(request: Request,
                  call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    response = await call_next(request)
    if request.method in WRITES and response.status_code < 400:
        await catch_up(request)
    response.headers["X-Openstack-Request-Id"] = request.state.request_id
    response.headers.update(echo_headers(request.url.path, request.headers.items()))
    if request.url.path.startswith("/compute"):
        response.headers["X-Compute-Request-Id"] = request.state.request_id
    return response


def install(app: FastAPI) -> None:
    @app.middleware("http")
    async def per_request(request: Request,
                          call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request.state.request_id = new_request_id()
        with request_id_bound(request.state.request_id), tracking_writes():  # JSON log lines
            return await respond(request, call_next)
