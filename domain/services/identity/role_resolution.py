"""From the roles a user holds (ids) to what a token carries: everything they imply, by the
built-in chain and the inferences recorded on the roles, and the names of the global ones
among them. Read from the store, so a change holds on the next request."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from domain.app import SkyLedger
from domain.identity.role import DIRECTLY_IMPLIES, Role, role_id
from domain.naming import NameClaim, claim_id


def role_scope(domain_id: str | None) -> str:
    """The scope role names are unique in: their domain's, or the global roles'."""
    return domain_id if domain_id is not None else "global"


def expanded_role_ids(app: SkyLedger, refs: Iterable[str]) -> tuple[str, ...]:
    """The roles (ids hex) plus everything they imply: the built-in chain and the inferences
    recorded on the roles (read from the store, so a change holds on the next request).
    Deleted roles and what only they imply are left out."""
    out: set[str] = set()
    frontier = list(refs)
    while frontier:
        ref = frontier.pop()
        role = live_role(app, ref)
        if ref in out or role is None:
            continue
        out.add(ref)
        frontier += [*DIRECTLY_IMPLIES.get(ref, ()), *role.implies]
    return tuple(sorted(out))


def expanded_roles(app: SkyLedger, refs: Iterable[str]) -> tuple[str, ...]:
    """The names of the roles a token carries for roles held (ids hex): everything they imply,
    global roles only (Keystone keeps domain-specific roles out of tokens)."""
    names = set()
    for ref in expanded_role_ids(app, refs):
        role = live_role(app, ref)
        if role is not None and role.domain_id is None:
            names.add(role.name)
    return tuple(sorted(names))


def global_role_id(app: SkyLedger, name: str) -> str:
    """The id (hex) of the global role a token names: its name's claim, or for a role made
    before names were claimed (the built-ins among them) the id its name gives."""
    claim = app.find(claim_id("role", role_scope(None), name))
    if isinstance(claim, NameClaim) and claim.owner_id is not None:
        return claim.owner_id.hex
    return role_id(name).hex


def live_role(app: SkyLedger, ref: str) -> Role | None:
    try:
        role = app.find(UUID(ref))
    except ValueError:
        return None
    return role if isinstance(role, Role) and not role.deleted else None
