"""Tokens scoped to a trust (Keystone's `scope: {"OS-TRUST:trust": {"id": ...}}`): the
trustee authenticates as themself and gets a token on the trust's project carrying the trust's
roles, in the trustor's name when the trust impersonates. Each such token uses up one of the
trust's `remaining_uses` (an event on the trust); the roles are read again at every use of the
token (api/auth.py), so a trust deleted or a role taken from the trustor ends its tokens."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.deps import CloudServices
from domain.context import RequestContext
from domain.errors import Forbidden
from domain.identity.project import Project
from domain.identity.tokens import InvalidToken, TokenClaims
from domain.identity.trust import Trust
from domain.identity.user import User
from domain.services.identity.trusts import delegated_roles


class TrustRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=64)


def consume_trust(cloud: CloudServices, trustee: User, ref: TrustRef,
                  request_id: str) -> tuple[User, Project | None, Trust]:
    """(the token's user, its project, the trust) after one use of the trust by `trustee`."""
    trust = cloud.trusts.usable(ref.id)
    if trust.trustee_user_id != trustee.id.hex:
        raise Forbidden("The user is not the trustee of this trust.")
    try:  # checked before the use is spent, as Keystone mints the token before consuming
        delegated_roles(cloud.app, trust.id.hex)
    except InvalidToken as error:
        raise Forbidden(str(error)) from None
    ctx = RequestContext(user_id=trustee.id.hex, request_id=request_id)
    trust = cloud.trusts.consume(ctx, ref.id, trustee.id.hex)
    user = cloud.identity.user(trust.trustor_user_id) if trust.impersonation else trustee
    project = None
    if trust.project_id is not None:
        found = cloud.app.find(UUID(trust.project_id))
        if not isinstance(found, Project) or found.deleted or not found.enabled:
            raise InvalidToken("Could not find the trust's project, or it is disabled.")
        project = found
    return user, project, trust


def refuse_trust_rescope(claims: TokenClaims) -> None:
    """Keystone: a trust-scoped token cannot be exchanged for another token."""
    if claims.trust_id is not None:
        raise Forbidden("A trust-scoped token cannot be rescoped.")


def trust_block(cloud: CloudServices, trust_id: str) -> dict[str, Any]:
    """The token body's `OS-TRUST:trust`."""
    trust = cloud.app.find(UUID(trust_id))
    assert isinstance(trust, Trust)
    return {"id": trust_id, "impersonation": trust.impersonation,
            "trustor_user": {"id": trust.trustor_user_id},
            "trustee_user": {"id": trust.trustee_user_id}}
