"""The JSON log formatter: one object per line, with the request id of the current request."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

from adapters.logging_json import JsonFormatter
from domain.context import RequestContext, bound, request_id_bound


def logged(message: str, *args: object, **kwargs: Any) -> dict[str, object]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("skyledger.test.json")
    logger.addHandler(handler)
    logger.propagate, logger.level = False, logging.INFO
    try:
        logger.info(message, *args, **kwargs)
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1, lines
    return json.loads(lines[0])  # type: ignore[no-any-return]


def test_a_line_carries_the_request_id_of_the_request_being_served() -> None:
    with request_id_bound("req-1234"):
        entry = logged("booted %s\non two lines", "vm-1")
    assert entry["request_id"] == "req-1234"
    assert entry["message"] == "booted vm-1\non two lines"
    assert entry["level"] == "INFO" and entry["logger"] == "skyledger.test.json"
    assert str(entry["time"]).endswith("+00:00")


def test_a_bound_domain_context_gives_its_request_id_outside_a_request() -> None:
    with bound(RequestContext(user_id="compute:h1", request_id="req-worker")):
        assert logged("spawned")["request_id"] == "req-worker"


def test_no_request_gives_a_null_request_id() -> None:
    assert logged("idle")["request_id"] is None


def test_a_traceback_goes_under_exception_and_uvicorns_colour_copy_is_left_out() -> None:
    try:
        raise ValueError("bad")
    except ValueError:
        entry = logged("failed", exc_info=True, extra={"color_message": "\x1b[1mfailed"})
    assert list(entry) == ["time", "level", "logger", "message", "request_id", "exception"]
    assert str(entry["exception"]).endswith("ValueError: bad")
