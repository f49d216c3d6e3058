"""Who signed an EC2 request: the access key names an EC2 credential of the identity service
(its id is sha256 of the key), whose encrypted blob holds the secret; the secret is decrypted
here only to recompute the signature. The caller is the credential's user on its project, with
the roles they hold there now (as a token would carry them)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from uuid import UUID

from starlette.requests import Request

from api.auth import Caller
from api.deps import CloudServices
from api.ec2 import sigv4
from api.ec2.errors import Ec2Error, auth_failure
from domain.context import RequestContext
from domain.identity.credential import ec2_credential_id
from domain.identity.project import Project
from domain.identity.tokens import TokenClaims
from domain.identity.user import User
from domain.services.identity.core import held_roles
from domain.services.identity.credentials import EC2
from domain.services.identity.role_resolution import expanded_roles
from projections.credentials import CredentialViews

# AWS refuses a request whose X-Amz-Date is further than this from its clock.
MAX_SKEW = timedelta(minutes=15)
AMZ_DATE = "%Y%m%dT%H%M%SZ"
UNKNOWN_KEY = "AWS was not able to validate the provided access credentials"


def request_time(request: Request, signed: sigv4.Signed, now: datetime) -> str:
    amz_date = request.headers.get("x-amz-date", "")
    try:
        stamp = datetime.strptime(amz_date, AMZ_DATE).replace(tzinfo=UTC)
    except ValueError:
        raise Ec2Error("IncompleteSignature", "X-Amz-Date must be YYYYMMDDTHHMMSSZ.") from None
    if abs(now - stamp) > MAX_SKEW:
        raise Ec2Error("RequestExpired", f"Request has expired: X-Amz-Date {amz_date} is more "
                       f"than 15 minutes from the server's time {now.strftime(AMZ_DATE)}.")
    if amz_date[:8] != signed.date:
        raise Ec2Error("SignatureDoesNotMatch", "The credential scope's date is not the "
                       "request's date.", 403)
    return amz_date


def secret_of(cloud: CloudServices, access_key: str) -> tuple[str, str, str]:
    """(secret, user id, project id) of an EC2 access key."""
    row = CredentialViews(cloud.store).credential(ec2_credential_id(access_key))
    if row is None or row["type"] != EC2 or not row["project_id"]:
        raise auth_failure(UNKNOWN_KEY)
    try:
        secret = json.loads(cloud.credentials.blob(row["encrypted_blob"]))["secret"]
    except (ValueError, KeyError, TypeError):
        raise auth_failure(UNKNOWN_KEY) from None
    if not isinstance(secret, str):
        raise auth_failure(UNKNOWN_KEY)
    return secret, row["user_id"], row["project_id"]


def check_signature(request: Request, body: bytes, signed: sigv4.Signed, amz_date: str,
                    secret: str) -> None:
    payload_hash = hashlib.sha256(body).hexdigest()
    declared = request.headers.get("x-amz-content-sha256")
    if declared is not None and declared != payload_hash:
        raise Ec2Error("SignatureDoesNotMatch", "X-Amz-Content-SHA256 is not the body's.", 403)
    headers = {name: request.headers.getlist(name) for name in signed.signed_headers}
    canonical = sigv4.canonical_request(request.method, request.url.path,
                                        request.url.query, headers, signed.signed_headers,
                                        payload_hash)
    if not sigv4.matches(sigv4.signature(secret, signed, amz_date, canonical), signed.signature):
        raise Ec2Error("SignatureDoesNotMatch", "The request signature we calculated does not "
                       "match the signature you provided. Check your AWS Secret Access Key "
                       "and signing method.", 403)


def caller_of(cloud: CloudServices, user_id: str, project_id: str, credential: str,
              request_id: str, now: datetime) -> Caller:
    user = cloud.app.find(UUID(user_id))
    project = cloud.app.find(UUID(project_id))
    if not isinstance(user, User) or user.deleted or not user.enabled:
        raise auth_failure("The user of this access key is disabled or no longer exists.")
    if not isinstance(project, Project) or project.deleted or not project.enabled:
        raise auth_failure("The project of this access key is disabled or no longer exists.")
    roles = expanded_roles(cloud.app, held_roles(cloud.app, user, project_id))
    if not roles:
        raise auth_failure("The user of this access key has no role on its project.")
    stamp = now.timestamp()
    claims = TokenClaims(token_id=f"ec2-{credential}", user_id=user_id, project_id=project_id,
                         methods=("ec2credential",), issued_at=stamp, expires_at=stamp)
    ctx = RequestContext(user_id=user_id, project_id=project_id, request_id=request_id,
                         roles=roles)
    return Caller(ctx=ctx, claims=claims, user=user)


def authenticate(cloud: CloudServices, request: Request, body: bytes, request_id: str,
                 now: datetime) -> Caller:
    header = request.headers.get("authorization")
    if not header:
        raise Ec2Error("MissingAuthenticationToken", "Request is missing an Authorization "
                       "header (AWS Signature Version 4).", 401)
    try:
        signed = sigv4.parse_authorization(header)
    except sigv4.MalformedSignature as bad:
        raise Ec2Error("IncompleteSignature", str(bad)) from None
    amz_date = request_time(request, signed, now)
    secret, user_id, project_id = secret_of(cloud, signed.access_key)
    check_signature(request, body, signed, amz_date, secret)
    return caller_of(cloud, user_id, project_id, ec2_credential_id(signed.access_key),
                     request_id, now)
