"""Trust commands: a trustor delegates roles they hold on a project to a trustee."""

from __future__ import annotations

from domain.app import SkyLedger
from domain.commands import command
from domain.context import RequestContext
from domain.errors import Forbidden, InvalidInput
from domain.identity.trust import Trust
from domain.services.identity import IdentityService, expanded_roles, held_roles, parse_id
from domain.services.identity_app_credentials import expired


class TrustService:
    def __init__(self, app: SkyLedger, identity: IdentityService) -> None:
        self.app = app
        self.identity = identity

    @command
    def create(self, ctx: RequestContext, trustor_user_id: str, trustee_user_id: str,
               project_id: str | None, roles: list[str], impersonation: bool,
               expires_at: str | None = None, remaining_uses: int | None = None,
               allow_redelegation: bool = False) -> Trust:
        """`roles`: names; the trustor must hold each of them on the project."""
        if ctx.user_id != trustor_user_id:
            raise Forbidden("Only the trustor may create a trust.")
        trustor = self.identity.user(trustor_user_id)
        trustee = self.identity.user(trustee_user_id)
        if expired(expires_at):
            raise InvalidInput("The expiration time of a trust must be in the future.")
        if project_id is not None:
            project_id = self.identity.project(project_id).id.hex
            held = expanded_roles(self.app, held_roles(self.app, trustor, project_id))
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
    def delete(self, ctx: RequestContext, trust_id: str, is_admin: bool = False) -> None:
        trust = self.trust(trust_id)
        if not is_admin and ctx.user_id != trust.trustor_user_id:
            raise Forbidden("Only the trustor or an admin may delete a trust.")
        trust.delete()
        self.app.save(trust)

    def trust(self, trust_id: str) -> Trust:
        return self.app.get(parse_id(trust_id, "trust"), Trust, "trust")
