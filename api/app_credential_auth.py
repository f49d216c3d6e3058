"""The `application_credential` auth method of `POST /auth/tokens`: the credential (by id, or
by name with its user) and its secret give a token on the credential's project."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from api.deps import CloudServices
from domain.identity.app_credential import ApplicationCredential
from domain.identity.tokens import InvalidToken
from domain.identity.user import User
from domain.naming import claim_id


class CredentialUser(BaseModel):
    id: str | None = None
    name: str | None = None
    domain: dict[str, str] | None = None


class AppCredentialMethod(BaseModel):
    id: str | None = None
    name: str | None = None
    secret: str = Field(max_length=4096)
    user: CredentialUser | None = None


def user_id_of(cloud: CloudServices, ref: CredentialUser | None) -> str | None:
    if ref is None:
        return None
    if ref.id:
        return ref.id
    domain = (ref.domain or {}).get("id") or "default"
    claim = cloud.app.find(claim_id("user", domain, ref.name or ""))
    return claim.owner_id.hex if claim is not None and claim.owner_id else None


def authenticate_app_credential(cloud: CloudServices, method: AppCredentialMethod
                                ) -> tuple[User, ApplicationCredential]:
    refused = InvalidToken("The request you have made requires authentication.")
    credential = cloud.app_credentials.authenticate(
        method.secret, credential_id=method.id, name=method.name,
        user_id=user_id_of(cloud, method.user))
    if credential is None:
        raise refused
    user = cloud.app.find(UUID(credential.user_id))
    if not isinstance(user, User) or user.deleted or not user.enabled:
        raise refused
    return user, credential
