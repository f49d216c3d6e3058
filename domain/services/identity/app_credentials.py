"""Application credential commands: create (secret shown once), delete, authenticate; and the
user's access rules."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from domain.app import SkyLedger
from domain.commands import changed, command
from domain.context import RequestContext
from domain.errors import InvalidInput, NotFound
from domain.identity.app_credential import AccessRule, ApplicationCredential, access_rule_id
from domain.naming import claim_id
from domain.naming_service import claim_name, release_name
from domain.services.identity.core import IdentityService, parse_id

KIND = "application_credential"


def expired(expires_at: str | None, now: datetime | None = None) -> bool:
    if expires_at is None:
        return False
    return datetime.fromisoformat(expires_at) <= (now or datetime.now(UTC)).replace(tzinfo=None)


class AppCredentialService:
    def __init__(self, app: SkyLedger, identity: IdentityService) -> None:
        self.app = app
        self.identity = identity

    @command
    def create(self, ctx: RequestContext, user_id: str, project_id: str, name: str,
               roles: list[str], description: str = "", secret: str | None = None,
               expires_at: str | None = None, unrestricted: bool = False,
               access_rules: list[dict[str, str]] | None = None
               ) -> tuple[ApplicationCredential, str]:
        """`roles`: names, already checked against the caller's token. Returns the credential
        and its secret (given, or generated here), which is stored only as a hash."""
        user = self.identity.user(user_id)
        if expired(expires_at):
            raise InvalidInput("The expiration time of an application credential must be in "
                               "the future.")
        secret = secret or secrets.token_urlsafe(64)
        rules = [self._rule(user.id.hex, spec) for spec in access_rules or []]
        credential = ApplicationCredential(
            user.id.hex, project_id, name, description, self.identity.hasher.hash(secret),
            roles, expires_at, unrestricted, [r.id.hex for r in rules])
        for rule in rules:
            rule.use(credential.id.hex)
        claim = claim_name(self.app, KIND, user.id.hex, name, credential.id)
        self.app.save(credential, claim, *rules)
        return credential, secret

    def _rule(self, user_id: str, spec: dict[str, str]) -> AccessRule:
        if "id" in spec:
            found = self.app.find(parse_id(spec["id"], "access rule"))
            if not isinstance(found, AccessRule) or found.user_id != user_id:
                raise NotFound(f"Could not find access rule: {spec['id']}.")
            return found
        service, path, method = spec["service"], spec["path"], spec["method"]
        existing = self.app.find(access_rule_id(user_id, service, path, method))
        return existing if isinstance(existing, AccessRule) else AccessRule(
            user_id, service, path, method)

    @command
    def delete(self, ctx: RequestContext, user_id: str, credential_id: str) -> None:
        credential = self.credential(user_id, credential_id)
        credential.delete()
        rules = [self.app.find(parse_id(r, "access rule")) for r in credential.access_rules]
        for rule in rules:
            if isinstance(rule, AccessRule):
                rule.release(credential.id.hex)
        released = release_name(self.app, KIND, user_id, credential.name, credential.id)
        self.app.save(*changed(credential, released, *rules))

    @command
    def delete_access_rule(self, ctx: RequestContext, user_id: str, rule_id: str) -> None:
        rule = self.app.get(parse_id(rule_id, "access rule"), AccessRule, "access rule")
        if rule.user_id != user_id:
            raise NotFound(f"Could not find access rule: {rule_id}.")
        rule.delete()
        self.app.save(rule)

    def credential(self, user_id: str, credential_id: str) -> ApplicationCredential:
        found = self.app.get(parse_id(credential_id, "application credential"),
                             ApplicationCredential, "application credential")
        if found.user_id != user_id:
            raise NotFound(f"Could not find application credential: {credential_id}.")
        return found

    def authenticate(self, secret: str, credential_id: str | None = None,
                     name: str | None = None, user_id: str | None = None
                     ) -> ApplicationCredential | None:
        """The live credential whose secret matches, by id or by (user, name); else None."""
        if credential_id is None and name and user_id:
            claim = self.app.find(claim_id(KIND, user_id, name))
            credential_id = claim.owner_id.hex if claim and claim.owner_id else None
        try:
            found = self.app.find(parse_id(credential_id or "", "application credential"))
        except NotFound:
            return None
        if (not isinstance(found, ApplicationCredential) or found.deleted
                or expired(found.expires_at)
                or not self.identity.hasher.verify(found.secret_hash, secret)):
            return None
        return found

    def body_fields(self, credential: ApplicationCredential) -> dict[str, Any]:
        rules = [self.app.find(parse_id(r, "access rule")) for r in credential.access_rules]
        return {"access_rules": [r.as_dict() for r in rules if isinstance(r, AccessRule)]}
