"""Structured logs: one JSON object per line, carrying the request id of the request being served.

Enabled by SKYLEDGER_LOG_FORMAT=json (`skyledger serve`). Log shippers (journald, Loki, ELK)
then index `request_id`, so a line can be traced to the request's events in `skyledger audit`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as LibraryJsonFormatter

from domain.context import current_request_id

# The record attributes each line carries, in this order, under these names; a traceback, if
# any, follows as "exception".
FIELDS = {"asctime": "time", "levelname": "level", "name": "logger", "message": "message",
          "request_id": "request_id"}


class JsonFormatter(LibraryJsonFormatter):
    """python-json-logger's formatter with our field names, ISO-8601 UTC times to the
    millisecond and the current request id. A log call's `extra` fields are added too, except
    uvicorn's `color_message` (the message again, with terminal colour codes)."""

    def __init__(self) -> None:
        super().__init__(list(FIELDS), rename_fields={**FIELDS, "exc_info": "exception"},
                         reserved_attrs=[*RESERVED_ATTRS, "color_message"])

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord,
                   message_dict: dict[str, Any]) -> None:
        super().add_fields(log_data, record, message_dict)
        log_data["request_id"] = log_data.get("request_id") or current_request_id()


def configure(level: str, log_format: str) -> None:
    """Root logging for a skyledger process: `json` lines, or the plain text default."""
    if log_format == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    else:
        logging.basicConfig(
            level=level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
