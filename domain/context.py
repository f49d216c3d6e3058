"""Who and why: the request context every event records in its `meta`.

The API layer (or the CLI, or a worker) binds a context for the duration of a command; the base
aggregate copies it into each event it triggers, so the audit trail needs no extra bookkeeping.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field


def new_request_id() -> str:
    return f"req-{uuid.uuid4()}"


@dataclass(frozen=True)
class RequestContext:
    user_id: str | None = None
    project_id: str | None = None
    request_id: str = field(default_factory=new_request_id)
    roles: tuple[str, ...] = ()

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    def as_meta(self) -> dict[str, str | None]:
        meta = asdict(self)
        meta.pop("roles")
        return meta


SYSTEM = RequestContext(user_id="skyledger-system", project_id=None, request_id="req-system")

_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "skyledger_request_context", default=SYSTEM
)


def current() -> RequestContext:
    return _current.get()


@contextmanager
def bound(ctx: RequestContext) -> Iterator[RequestContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


# The id of the API request being served, bound by the API middleware for the whole request (the
# context above is bound only while a command runs, so the middleware's own log lines would
# otherwise carry no id). Log formatters read it through `current_request_id`.
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "skyledger_log_request_id", default=None)


@contextmanager
def request_id_bound(request_id: str) -> Iterator[None]:
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


def current_request_id() -> str | None:
    """The API request's id, else the id of a bound domain context (a worker acting for a
    request), else None."""
    bound_id = _request_id.get()
    if bound_id is not None:
        return bound_id
    ctx = current()
    return None if ctx is SYSTEM else ctx.request_id
