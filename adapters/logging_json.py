"""Structured logs: one JSON object per line, carrying the request id of the request being served.

Enabled by SKYLEDGER_LOG_FORMAT=json (`skyledger serve`). Log shippers (journald, Loki, ELK)
then index `request_id`, so a line can be traced to the request's events in `skyledger audit`.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from domain.context import current_request_id


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
