"""The body of `POST /identity/v3/auth/tokens` (Keystone's auth request): who authenticates,
by which methods, and the scope asked for."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.app_credential_auth import AppCredentialMethod
from api.trust_tokens import TrustRef


class DomainRef(BaseModel):
    id: str | None = None
    name: str | None = None


class UserRef(BaseModel):
    id: str | None = None
    name: str | None = None
    domain: DomainRef | None = None
    password: str = Field(max_length=4096)


class PasswordMethod(BaseModel):
    user: UserRef


class TokenMethod(BaseModel):
    id: str


class Identity(BaseModel):
    methods: list[str] = Field(min_length=1)
    password: PasswordMethod | None = None
    token: TokenMethod | None = None
    application_credential: AppCredentialMethod | None = None


class ProjectRef(BaseModel):
    id: str | None = None
    name: str | None = None
    domain: DomainRef | None = None


class SystemRef(BaseModel):
    all: bool = False


class Scope(BaseModel):
    model_config = ConfigDict(extra="allow")
    project: ProjectRef | None = None
    system: SystemRef | None = None
    trust: TrustRef | None = Field(None, alias="OS-TRUST:trust")


class Auth(BaseModel):
    identity: Identity
    scope: Scope | str | None = None


class AuthRequest(BaseModel):
    auth: Auth
