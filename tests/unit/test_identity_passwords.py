"""Password commands under Keystone's security-compliance rules, on the in-memory store:
a change needs the original and refuses the last passwords; failed logins lock an account for
a while, and a success clears them."""

from __future__ import annotations

import pytest

from domain.app import SkyLedger
from domain.context import SYSTEM
from domain.identity.security_compliance import AccountLocked, PasswordReused, SecurityCompliance
from domain.identity.user import InvalidCredentials
from domain.services.identity.core import IdentityService
from domain.services.identity.passwords import PasswordService
from tests.unit.test_identity_domain import ReversingHasher, event_names


def passwords(rules: SecurityCompliance) -> PasswordService:
    app, hasher = SkyLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}), ReversingHasher()
    return PasswordService(app, IdentityService(app, hasher), hasher, rules)


def test_change_needs_the_original_and_refuses_the_last_passwords() -> None:
    service = passwords(SecurityCompliance(unique_last_password_count=2))
    user_id = service.identity.create_user(SYSTEM, "u", "first").id.hex
    with pytest.raises(InvalidCredentials):
        service.change_own(SYSTEM, user_id, "wrong", "second")
    service.change_own(SYSTEM, user_id, "first", "second")
    head = service.app.head()
    for reused in ("second", "first"):
        with pytest.raises(PasswordReused):
            service.change_own(SYSTEM, user_id, "second", reused)
    assert service.app.head() == head
    service.change_own(SYSTEM, user_id, "second", "third")
    service.change_own(SYSTEM, user_id, "third", "first")  # two back: free again
    assert service.check(SYSTEM, user_id, "first").id.hex == user_id
    with pytest.raises(InvalidCredentials):
        service.check(SYSTEM, user_id, "third")


def test_an_admin_reset_and_rules_off_keep_no_history() -> None:
    service = passwords(SecurityCompliance())
    user_id = service.identity.create_user(SYSTEM, "u", "first").id.hex
    service.change_own(SYSTEM, user_id, "first", "first")
    strict = passwords(SecurityCompliance(unique_last_password_count=2))
    other = strict.identity.create_user(SYSTEM, "v", "first").id.hex
    strict.identity.update_user(SYSTEM, other, {"password": "first"})
    assert strict.check(SYSTEM, other, "first").id.hex == other


def test_failed_logins_lock_the_account_until_the_duration_passes() -> None:
    service = passwords(SecurityCompliance(lockout_failure_attempts=2, lockout_duration=10))
    user_id = service.identity.create_user(SYSTEM, "u", "right").id.hex
    service.check(SYSTEM, user_id, "right", now=100.0)
    for at in (101.0, 102.0):
        with pytest.raises(InvalidCredentials):
            service.check(SYSTEM, user_id, "wrong", now=at)
    with pytest.raises(AccountLocked):
        service.check(SYSTEM, user_id, "right", now=111.0)
    assert service.check(SYSTEM, user_id, "right", now=112.5).id.hex == user_id
    assert event_names(service.app, service.identity.user(user_id).id) == [
        "Created", "LoginFailed", "LoginFailed", "FailedLoginsCleared"]
    # One failure, then a success: the count starts again from nothing.
    with pytest.raises(InvalidCredentials):
        service.check(SYSTEM, user_id, "wrong", now=113.0)
    service.check(SYSTEM, user_id, "right", now=114.0)
    with pytest.raises(InvalidCredentials):
        service.check(SYSTEM, user_id, "wrong", now=115.0)
    assert service.check(SYSTEM, user_id, "right", now=116.0).id.hex == user_id


def test_lockout_off_records_nothing() -> None:
    service = passwords(SecurityCompliance())
    user_id = service.identity.create_user(SYSTEM, "u", "right").id.hex
    head = service.app.head()
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            service.check(SYSTEM, user_id, "wrong")
    assert service.app.head() == head and service.check(SYSTEM, user_id, "right")
