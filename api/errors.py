"""Every error the API returns, in the shape the OpenStack service under that path uses.

Domain errors are mapped to HTTP statuses here and nowhere else.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

import psycopg
from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from api.ec2.http_errors import ec2_error, is_ec2
from domain.errors import (
    AlreadyExists,
    ConcurrencyConflict,
    DomainError,
    Forbidden,
    InvalidInput,
    InvalidState,
    NotFound,
)
from domain.identity.tokens import InvalidToken
from domain.identity.user import InvalidCredentials

log = logging.getLogger(__name__)

STATUS_OF: list[tuple[type[Exception], int]] = [
    (NotFound, 404),
    (AlreadyExists, 409),
    (InvalidState, 409),
    (ConcurrencyConflict, 409),
    (Forbidden, 403),
    (InvalidInput, 400),
    (InvalidToken, 401),
    (InvalidCredentials, 401),
]

# Nova's (and Cinder's) error body keys by status.
NOVA_KEYS = {400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
             405: "badMethod", 409: "conflictingRequest", 413: "overLimit",
             415: "badMediaType", 501: "notImplemented", 503: "serviceUnavailable"}


class ApiError(Exception):
    """An HTTP error raised by a route for reasons that are not domain rules (bad header, ...)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class OverLimit(ApiError):
    """Cinder's QuotaError: 413 `overLimit` with `retryAfter` in the body and a Retry-After
    header (Cinder sets both to 0: waiting does not help, deleting something does)."""

    def __init__(self, message: str) -> None:
        super().__init__(413, message)


# The database is unreachable, restarting, or did not answer in time (connect, pool, lock and
# statement timeouts: adapters/pg_limits.py): nothing was acknowledged, and the same request
# may well succeed in a moment. psycopg_pool's PoolTimeout is a psycopg.OperationalError.
# TimeoutError: the read models did not catch up in time (projections/followers.py).
UNAVAILABLE: tuple[type[Exception], ...] = (
    StoreOperationalError, StoreInterfaceError, psycopg.OperationalError, psycopg.InterfaceError,
    TimeoutError,
)
RETRY_AFTER_SECONDS = "2"


def body_for(path: str, status: int, message: str,
             kind: str | None = None) -> dict[str, object]:
    if path.startswith(("/compute", "/volume")) and status != 401:
        return {NOVA_KEYS.get(status, "computeFault"): {"code": status, "message": message}}
    if path.startswith("/network"):
        # Neutron names the exception (IpAddressAlreadyAllocated, SubnetInUse) where it can.
        return {"NeutronError": {"type": kind or HTTPStatus(status).phrase.replace(" ", ""),
                                 "message": message, "detail": ""}}
    return {"error": {"code": status, "title": HTTPStatus(status).phrase, "message": message}}


def error_response(request: Request, status: int, message: str,
                   kind: str | None = None) -> Response:
    if is_ec2(request):
        return ec2_error(request, status, message)
    headers = {"WWW-Authenticate": 'Keystone uri="/identity/v3"'} if status == 401 else None
    return JSONResponse(body_for(request.url.path, status, message, kind), status_code=status,
                        headers=headers)


def neutron_kind(error: Exception) -> str | None:
    """The name of a network allocation error (domain/network/errors.py), as Neutron's."""
    return type(error).__name__ if type(error).__module__ == "domain.network.errors" else None


def status_of(error: Exception) -> int:
    for kind, status in STATUS_OF:
        if isinstance(error, kind):
            return status
    return 400


def describe_validation(error: RequestValidationError | ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ()) if p != "body")
        parts.append(f"{where}: {item.get('msg')}" if where else str(item.get("msg")))
    return "Invalid input for field/attribute " + "; ".join(parts)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> Response:
        return error_response(request, status_of(error), str(error), neutron_kind(error))

    @app.exception_handler(InvalidToken)
    async def invalid_token(request: Request, error: InvalidToken) -> Response:
        return error_response(request, 401, str(error))

    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError) -> Response:
        return error_response(request, error.status, error.message)

    @app.exception_handler(OverLimit)
    async def over_limit(request: Request, error: OverLimit) -> Response:
        body = {"overLimit": {"code": 413, "message": error.message, "retryAfter": "0"}}
        return JSONResponse(body, status_code=413, headers={"Retry-After": "0"})

    async def unavailable(request: Request, error: Exception) -> Response:
        log.warning("%s %s: service unavailable: %s: %s", request.method, request.url.path,
                    type(error).__name__, error)
        response = error_response(request, 503, "The service is temporarily unavailable "
                                  "(its database cannot be reached); please retry.")
        response.headers["Retry-After"] = RETRY_AFTER_SECONDS
        return response

    for kind in UNAVAILABLE:
        app.add_exception_handler(kind, unavailable)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        return error_response(request, 400, describe_validation(error))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        return error_response(request, error.status_code, str(error.detail))
