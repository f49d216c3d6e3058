"""EC2's errors: a code (AuthFailure, InvalidParameterValue, ...) and an HTTP status, answered as
`<Response><Errors><Error><Code>..</Code><Message>..</Message></Error></Errors><RequestID>..`.
Domain errors map onto EC2 codes here and nowhere else."""

from __future__ import annotations

from domain.catalog.keypair import KeypairLimitExceeded
from domain.compute.boot_token import TokenReused
from domain.errors import (
    AlreadyExists,
    DomainError,
    Forbidden,
    InvalidInput,
    InvalidState,
    NotFound,
    QuotaExceeded,
)


class Ec2Error(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def auth_failure(message: str) -> Ec2Error:
    return Ec2Error("AuthFailure", message, 401)


def dry_run_succeeded() -> Ec2Error:
    return Ec2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set.",
                    412)


def combination(first: str, second: str) -> Ec2Error:
    return Ec2Error("InvalidParameterCombination",
                    f"The parameter {first} cannot be used with the parameter {second}")


def invalid_value(name: str, value: str, why: str = "") -> Ec2Error:
    message = f"Value ({value}) for parameter {name} is invalid."
    return Ec2Error("InvalidParameterValue", f"{message} {why}" if why else message)


def missing(name: str) -> Ec2Error:
    return Ec2Error("MissingParameter",
                    f"The request must contain the parameter {name}")


# Domain errors by kind; `not_found` / `duplicate` name the resource's own EC2 codes.
def from_domain(error: DomainError, not_found: str = "InvalidParameterValue",
                duplicate: str = "InvalidParameterValue") -> Ec2Error:
    if isinstance(error, TokenReused):
        return Ec2Error("IdempotentParameterMismatch", str(error))
    if isinstance(error, KeypairLimitExceeded):
        return Ec2Error("ResourceLimitExceeded", str(error))
    if isinstance(error, QuotaExceeded):
        return Ec2Error("InstanceLimitExceeded", str(error))
    if isinstance(error, Forbidden):
        return Ec2Error("UnauthorizedOperation", str(error), 403)
    if isinstance(error, NotFound):
        return Ec2Error(not_found, str(error))
    if isinstance(error, AlreadyExists):
        return Ec2Error(duplicate, str(error))
    if isinstance(error, InvalidState):
        return Ec2Error("IncorrectInstanceState", str(error))
    if isinstance(error, InvalidInput):
        return Ec2Error("InvalidParameterValue", str(error))
    return Ec2Error("InvalidParameterValue", str(error))
