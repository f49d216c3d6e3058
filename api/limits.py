"""Input limits checked before a request reaches a route, so that no route (nor the JSON parser,
nor the event store) ever sees an oversized, too deeply nested or undecodable request.

- a body over `max_body` bytes → 413 (Nova's osapi_max_request_body_size,
  SKYLEDGER_MAX_REQUEST_BODY), counted as it arrives, so a chunked body without
  Content-Length is capped too;
- JSON nested deeper than MAX_JSON_DEPTH → 400 (Python's parser would hit its recursion limit);
- a body, path or query string that is not UTF-8 → 400;
- a NUL in the path or query → 400 (PostgreSQL text cannot hold one; no OpenStack name has one);
- a paging or size query parameter (`limit`, `offset`, `minRam`, ...) that is not an integer from
  0 to 2**31-1 → 400, on every route at once (an overflowing one would reach SQL as it is).

Image uploads (`PUT .../file`, `PUT .../stage`) are streamed to the blob store and capped there
by Glance's image_size_cap, so they are exempt from the body checks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

from fastapi import FastAPI
from starlette.requests import Request

from api.errors import error_response
from api.validation import MAX_INT

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Nova's default osapi_max_request_body_size.
DEFAULT_MAX_BODY = 114688
# No OpenStack request body nests deeper than ~6 levels; 32 leaves room and stays far from
# Python's recursion limit.
MAX_JSON_DEPTH = 32
# Query parameters that are counts or sizes in every OpenStack API that takes them.
NUMBER_PARAMS = frozenset({"limit", "offset", "minRam", "minDisk", "size_min", "size_max"})


class TooLarge(Exception):
    pass


def is_upload(scope: Scope) -> bool:
    """Image data: uploaded (`/file`) or staged for an import (`/stage`)."""
    return bool(scope["method"] == "PUT" and scope["path"].endswith(("/file", "/stage")))


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects, scanning bytes (strings skipped), without
    parsing: linear, no recursion, whatever the input."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def url_problem(scope: Scope) -> str | None:
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    path = unquote_to_bytes(raw_path)
    query = unquote_to_bytes(scope.get("query_string", b"").replace(b"+", b" "))
    if not (is_utf8(path) and is_utf8(query)):
        return "The URL is not valid UTF-8."
    if b"\x00" in path or b"\x00" in query:
        return "Invalid character in the URL."
    return number_problem(scope.get("query_string", b"").decode("latin-1"))


def number_problem(query: str) -> str | None:
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name in NUMBER_PARAMS and not (value.isascii() and value.isdigit()
                                          and int(value) <= MAX_INT):
            return f"{name} param must be an integer from 0 to {MAX_INT}."
    return None


def body_problem(body: bytes) -> str | None:
    if not is_utf8(body):
        return "The request body is not valid UTF-8."
    if json_depth(body) > MAX_JSON_DEPTH:
        return f"The request body is nested deeper than {MAX_JSON_DEPTH} levels."
    return None


async def read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def declared_too_large(scope: Scope, limit: int) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return not value.isdigit() or int(value) > limit
    return False


class InputLimits:
    """Pure ASGI middleware: it buffers the (small) body once, checks it, and replays it."""

    def __init__(self, app: ASGIApp, max_body: int = DEFAULT_MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def reject(self, scope: Scope, receive: Receive, send: Send, status: int,
                     message: str) -> None:
        response = error_response(Request(scope), status, message)
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = url_problem(scope)
        if problem is not None:
            await self.reject(scope, receive, send, 400, problem)
            return
        if is_upload(scope):
            await self.app(scope, receive, send)
            return
        if declared_too_large(scope, self.max_body):
            await self.reject(scope, receive, send, 413, "Request is too large.")
            return
        try:
            body = await read_body(receive, self.max_body)
        except TooLarge:
            await self.reject(scope, receive, send, 413, "Request is too large.")
            return
        problem = body_problem(body)
        if problem is not None:
            await self.reject(scope, receive, send, 400, problem)
            return
        await self.app(scope, replay(body, receive), send)


def replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the buffered body over once, then waits on the real one
    (for the disconnect)."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive_again() -> Message:
        return pending.pop() if pending else await receive()

    return receive_again


def install(app: FastAPI, max_body: int) -> None:
    app.add_middleware(InputLimits, max_body=max_body)
