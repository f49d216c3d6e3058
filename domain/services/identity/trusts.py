"""Trust commands: a trustor delegates roles they hold on a project to a trustee."""

from __future__ import annotations

from uuid import UUID

from domain.app import SkyLedger
from domain.commands import command
from domain.context import RequestContext
from domain.errors import Forbidden, InvalidInput
from domain.identity.tokens import InvalidToken
from domain.identity.trust import Trust
from domain.identity.user import User
from domain.services.identity.app_credentials import expired
from domain.services.identity.core import IdentityService, held_roles, parse_id
from domain.services.identity.role_resolution import expanded_role_ids, expanded_roles


class TrustService:
    def __init__(self, app: SkyLedger, identity: IdentityService) -> None:
        self.app = app
        self.identity = identity

    @command
    def create(self, ctx: RequestContext, trustor_user_id: str, trustee_user_id: str,
               project_id: str | None, roles: list[str], impersonation: bool,
               expires_at: str | None = None, remaining_uses: int | None = None,
               allow_redelegation: bool = False) -> Trust:
        """`roles`: ids (hex); the trustor must hold each of them on the project."""
        if ctx.user_id != trustor_user_id:
            raise Forbidden("Only the trustor may create a trust.")
        trustor = self.identity.user(trustor_user_id)
        trustee = self.identity.user(trustee_user_id)
        if expired(expires_at):
            raise InvalidInput("The expiration time of a trust must be in the future.")
        if project_id is not None:
            project_id = self.identity.project(project_id).id.hex
            held = expanded_role_ids(self.app, held_roles(self.app, trustor, project_id))
            missing = [r for r in roles if r not in held]
            if missing:
                raise Forbidden(f"The trustor does not hold {', '.join(missing)} on the project.")
        elif roles:
            raise InvalidInput("A trust without a project delegates no roles.")
        trust = Trust(trustor.id.hex, trustee.id.hex, project_id, roles, impersonation,
                      expires_at, remaining_uses, allow_redelegation)
        self.app.save(trust)
        return trust

    @command
    def consume(self, ctx: RequestContext, trust_id: str, trustee_user_id: str) -> Trust:
        """One use of a trust by its trustee to get a trust-scoped token (Keystone's
        `consume_use`): refused once deleted, expired, used up, or for anyone but the trustee."""
        trust = self.usable(trust_id)
        if trust.trustee_user_id != trustee_user_id:
            raise Forbidden("The user is not the trustee of this trust.")
        trust.consume()
        if trust.pending_events:
            self.app.save(trust)
        return trust

    def usable(self, trust_id: str) -> Trust:
        """The trust, if a token may still be got or used with it: not deleted, not expired,
        its trustor still enabled."""
        trust = self.trust(trust_id)
        if expired(trust.expires_at):
            raise Forbidden(f"The trust {trust_id} has expired.")
        trustor = self.identity.user(trust.trustor_user_id)
        if not trustor.enabled:
            raise Forbidden("The trustor of this trust is disabled.")
        return trust

    @command
    def delete(self, ctx: RequestContext, trust_id: str, is_admin: bool = False) -> None:
        trust = self.trust(trust_id)
        if not is_admin and ctx.user_id != trust.trustor_user_id:
            raise Forbidden("Only the trustor or an admin may delete a trust.")
        trust.delete()
        self.app.save(trust)

    def trust(self, trust_id: str) -> Trust:
        return self.app.get(parse_id(trust_id, "trust"), Trust, "trust")


def delegated_roles(app: SkyLedger, trust_id: str) -> tuple[str, ...]:
    """The roles a token scoped to the trust carries, read at each use of the token: the
    trust's roles and what they imply, while the trust lives and its trustor and trustee are
    enabled and the trustor still holds every one of them on the trust's project (Keystone
    then treats the trust as void: 'Trustee has no delegated roles')."""
    trust = app.find(UUID(trust_id))
    if not isinstance(trust, Trust) or trust.deleted or expired(trust.expires_at):
        raise InvalidToken("The trust of this token is no longer valid.")
    trustor, trustee = (app.find(UUID(trust.trustor_user_id)),
                        app.find(UUID(trust.trustee_user_id)))
    for person in (trustor, trustee):
        if not isinstance(person, User) or person.deleted or not person.enabled:
            raise InvalidToken("The trustor or trustee of this token's trust is disabled or gone.")
    assert isinstance(trustor, User)
    if trust.project_id is None:
        return ()
    held = expanded_role_ids(app, held_roles(app, trustor, trust.project_id))
    if not set(expanded_role_ids(app, trust.roles)) <= set(held):
        raise InvalidToken("Trustee has no delegated roles.")
    return expanded_roles(app, trust.roles)
