"""Structured logs: one JSON object per line, carrying the request id of the request being served.

Enabled by SKYLEDGER_LOG_FORMAT=json (`skyledger serve`). Log shippers (journald, Loki, ELK)
then index `request_id`, so a line can be traced to the request's events in `skyledger audit`.
"""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from domain.context import SYSTEM, current

# Set by the API middleware for the whole request (the domain context is bound only while a
# command runs, so the middleware's own lines would otherwise carry no id).
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "skyledger_log_request_id", default=None)


@contextmanager
def request_id_bound(request_id: str) -> Iterator[None]:
    token = REQUEST_ID.set(request_id)
    try:
        yield
    finally:
        REQUEST_ID.reset(token)


def current_request_id() -> str | None:
    """The API request's id, else the id of a bound domain context (a worker acting for a
    request), else None."""
    bound = REQUEST_ID.get()
    if bound is not None:
        return bound
    ctx = current()
    return None if ctx is SYSTEM else ctx.request_id


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure(level: str, log_format: str) -> None:
    """Root logging for a skyledger process: `json` lines, or the plain text default."""
    if log_format == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    else:
        logging.basicConfig(
            level=level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
