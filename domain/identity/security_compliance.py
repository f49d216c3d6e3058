"""Keystone's `[security_compliance]` rules on passwords: lock an account for a while after
repeated failed logins, and refuse a self-service password change to one of the last few.
Each is off at 0, as in Keystone (devstack turns both on: 2 failures lock for 10 s, 2 unique)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import DomainError, InvalidInput


@dataclass(frozen=True)
class SecurityCompliance:
    lockout_failure_attempts: int = 0
    lockout_duration: float = 1800.0
    unique_last_password_count: int = 0


class AccountLocked(DomainError):
    """Too many failed logins lately (Keystone answers 401, as for a wrong password)."""


class PasswordReused(InvalidInput):
    """A self-service change to one of the user's last passwords (Keystone's 400)."""
