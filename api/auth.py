"""Who is calling: validate the X-Auth-Token and build the caller's request context.

Signature and expiry are checked first (no I/O); then the revocation and the user's current
state are read from the event store itself, so a revoked token, a disabled user or a removed role
take effect on the very next request, on every API server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from domain.app import SkyLedger
from domain.context import RequestContext
from domain.identity.app_credential import ApplicationCredential
from domain.identity.group import SYSTEM_SCOPE
from domain.identity.project import Project
from domain.identity.revocation import revocation_id
from domain.identity.tokens import InvalidToken, TokenClaims, Tokens
from domain.identity.user import User
from domain.services.identity.app_credentials import expired
from domain.services.identity.core import held_roles
from domain.services.identity.role_resolution import expanded_roles, live_role
from domain.services.identity.trusts import delegated_roles


class Validator(Protocol):
    """What validates a token in place of the aggregates: api/token_cache.py's TokenCache,
    named by shape so that this module need not import the module that imports it."""

    def validate(self, signer: Tokens, token: str | None
                 ) -> tuple[TokenClaims, User, tuple[str, ...]]: ...


@dataclass(frozen=True)
class Caller:
    ctx: RequestContext
    claims: TokenClaims
    user: User

    @property
    def creds(self) -> dict[str, Any]:
        creds: dict[str, Any] = {
            "user_id": self.ctx.user_id,
            "project_id": self.ctx.project_id,
            "roles": list(self.ctx.roles),
        }
        if self.claims.system:
            creds["system_scope"] = "all"
        return creds

    @property
    def project_id(self) -> str | None:
        return self.ctx.project_id

    @property
    def user_id(self) -> str:
        return str(self.ctx.user_id)

    @property
    def is_admin(self) -> bool:
        return self.ctx.is_admin


def validate(
    app: SkyLedger, signer: Tokens, token: str | None
) -> tuple[TokenClaims, User, tuple[str, ...]]:
    if not token:
        raise InvalidToken("The request you have made requires authentication.")
    claims = signer.verify(token)
    if app.find(revocation_id(claims.token_id)) is not None:
        raise InvalidToken("The token has been revoked.")
    user = app.find(UUID(claims.user_id))
    if not isinstance(user, User) or user.deleted or not user.enabled:
        raise InvalidToken("The user of this token is disabled or no longer exists.")
    if claims.issued_at < getattr(user, "tokens_valid_after", 0.0):
        raise InvalidToken("The token has been revoked.")
    roles: tuple[str, ...] = ()
    delegated = delegated_roles(app, claims.trust_id) if claims.trust_id else None
    if claims.system:
        roles = expanded_roles(app, held_roles(app, user, SYSTEM_SCOPE))
        if not roles:
            raise InvalidToken("The user no longer has a role on the system.")
    elif claims.project_id is not None:
        project = app.find(UUID(claims.project_id))
        if not isinstance(project, Project) or project.deleted or not project.enabled:
            raise InvalidToken("The token's project is disabled or no longer exists.")
        if delegated is not None:
            roles = delegated
        else:
            roles = expanded_roles(app, held_roles(app, user, claims.project_id))
        if claims.app_cred_id is not None:
            roles = credential_roles(app, claims.app_cred_id, roles)
        if not roles:
            raise InvalidToken("The user no longer has a role on the token's project.")
    return claims, user, roles


def credential_roles(app: SkyLedger, credential_id: str, held: tuple[str, ...]) -> tuple[str, ...]:
    """The roles (names) of a token got with an application credential: the credential's, as
    far as the user still holds them; none once it is deleted or expired."""
    credential = app.find(UUID(credential_id))
    if (not isinstance(credential, ApplicationCredential) or credential.deleted
            or expired(credential.expires_at)):
        raise InvalidToken("The application credential of this token is no longer valid.")
    kept = [ref for ref in credential.roles
            if (role := live_role(app, ref)) is not None and role.name in held]
    return expanded_roles(app, kept)


def caller_for(app: SkyLedger, signer: Tokens, token: str | None, request_id: str,
               cache: Validator | None = None) -> Caller:
    """`cache`: validate through it (api/token_cache.py) rather than from the aggregates."""
    claims, user, roles = (cache.validate(signer, token) if cache is not None
                           else validate(app, signer, token))
    ctx = RequestContext(
        user_id=claims.user_id, project_id=claims.project_id, request_id=request_id, roles=roles
    )
    return Caller(ctx=ctx, claims=claims, user=user)
