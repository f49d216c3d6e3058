"""Keystone's OS-INHERIT: a role given to a user or group on a domain or project "inherited to
projects" holds on every project below it (all the domain's projects; the project's subtree,
not the project itself), never on the domain or project it was given on.

Such a grant is kept among the holder's assignments (`User.assignments`, `Group.assignments`)
under an `inherited_target` key, beside project ids, `domain_target`s and the system scope, so
it has the same events (`RoleGranted`, `RoleRevoked`) and the same invariants as any grant.
"""

from __future__ import annotations

from collections.abc import Sequence

INHERITED = "inherited:"


def inherited_target(kind: str, target_id: str) -> str:
    """The assignment key of a grant inherited to the projects below domain or project
    `target_id` (`kind` "domain" or "project")."""
    return f"{INHERITED}{kind}:{target_id}"


def is_inherited(target: str) -> bool:
    return target.startswith(INHERITED)


def split_inherited(target: str) -> tuple[str, str]:
    """("domain" | "project", id) of an `inherited_target` key."""
    kind, _, target_id = target.removeprefix(INHERITED).partition(":")
    return kind, target_id


def targets_inherited_by(domain_id: str, ancestors: Sequence[str]) -> list[str]:
    """The keys whose grants hold on a project in `domain_id` below the projects `ancestors`
    (ids hex, nearest first): the domain's and each ancestor's."""
    return ([inherited_target("domain", domain_id)]
            + [inherited_target("project", a) for a in ancestors])
