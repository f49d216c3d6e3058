"""Claim and release unique names on behalf of the command services."""

from __future__ import annotations

from uuid import UUID

from domain.app import SkyLedger
from domain.errors import AlreadyExists
from domain.naming import NameClaim, claim_id


def claim_name(app: SkyLedger, kind: str, scope: str, name: str, owner_id: UUID) -> NameClaim:
    """Return the claim to save with the owner; raise AlreadyExists if someone holds it."""
    existing: NameClaim | None = app.find(claim_id(kind, scope, name))
    if existing is None:
        return NameClaim(kind, scope, name, owner_id)
    if existing.is_held and existing.owner_id != owner_id:
        raise AlreadyExists(f"A {kind} named '{name}' already exists.")
    if not existing.is_held:
        existing.reclaim(owner_id)
    return existing


def release_name(
    app: SkyLedger, kind: str, scope: str, name: str, owner_id: UUID
) -> NameClaim | None:
    existing: NameClaim | None = app.find(claim_id(kind, scope, name))
    if existing is not None and existing.owner_id == owner_id:
        existing.release()
        return existing
    return None
