"""Password commands: a login's password check (recording failed attempts, refusing a locked
account) and a user's own password change (refusing one of their last passwords), under
Keystone's `[security_compliance]` rules (domain/identity/security_compliance.py)."""

from __future__ import annotations

import time

from domain.app import SkyLedger
from domain.backends import PasswordHasher
from domain.commands import command
from domain.context import RequestContext
from domain.identity.security_compliance import AccountLocked, PasswordReused, SecurityCompliance
from domain.identity.user import InvalidCredentials, User
from domain.services.identity.core import IdentityService


class PasswordService:
    def __init__(self, app: SkyLedger, identity: IdentityService, hasher: PasswordHasher,
                 rules: SecurityCompliance) -> None:
        self.app = app
        self.identity = identity
        self.hasher = hasher
        self.rules = rules

    @command
    def check(self, ctx: RequestContext, user_id: str, password: str,
              now: float | None = None) -> User:
        """The user, if `password` is theirs and the account is not locked. A wrong password
        is recorded (when lockout is on) and raises InvalidCredentials; a locked account raises
        AccountLocked whatever the password. A success clears the failures recorded."""
        now = time.time() if now is None else now
        user = self.identity.user(user_id)
        attempts, duration = self.rules.lockout_failure_attempts, self.rules.lockout_duration
        if user.is_locked(now, attempts, duration):
            raise AccountLocked(f"The account is locked for user: {user_id}.")
        if user.password_hash and self.hasher.verify(user.password_hash, password):
            if user.failed_logins:
                user.clear_failed_logins()
                self.app.save(user)
            return user
        if attempts > 0:
            if user.failed_logins >= attempts:  # a lock that has run out starts afresh
                user.clear_failed_logins()
            user.login_failed(now)
            self.app.save(user)
        raise InvalidCredentials("The request you have made requires authentication.")

    @command
    def change_own(self, ctx: RequestContext, user_id: str, original_password: str,
                   password: str) -> None:
        """A user proves who they are with the current password, then sets a new one, which
        must differ from their last `unique_last_password_count` (an admin's reset need not)."""
        user = self.identity.user(user_id)
        if not (user.enabled and user.password_hash
                and self.hasher.verify(user.password_hash, original_password)):
            raise InvalidCredentials("The request you have made requires authentication.")
        count = self.rules.unique_last_password_count
        recent = user.password_hashes[-count:] if count > 0 else []
        if any(self.hasher.verify(old, password) for old in recent):
            raise PasswordReused(
                "The new password cannot be identical to a previous password. The total number "
                f"which includes the new password must be unique is {count}.")
        user.change_password(self.hasher.hash(password), time.time())
        self.app.save(user)
