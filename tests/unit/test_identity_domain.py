"""Identity aggregates and commands, on the in-memory event store: given, when, then events."""

from __future__ import annotations

import pytest

from domain.app import SkyLedger
from domain.context import SYSTEM
from domain.errors import AlreadyExists, InvalidInput, NotFound
from domain.identity.project import Project
from domain.identity.role import BUILTIN_IDS, BUILTIN_ROLES, implied_with_prior, role_id
from domain.identity.user import User
from domain.services.identity.core import IdentityService


class ReversingHasher:
    """A stand-in for argon2: visibly not the password, and cheap."""

    def hash(self, password: str) -> str:
        return "hashed:" + password[::-1]

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == self.hash(password)


@pytest.fixture
def identity() -> IdentityService:
    service = IdentityService(SkyLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}),
                              ReversingHasher())
    for name in BUILTIN_ROLES:
        service.create_role(SYSTEM, name)
    return service


def event_names(app: SkyLedger, aggregate_id: object) -> list[str]:
    return [type(e).__name__ for e in app.repository.event_store.get(aggregate_id)]


def test_update_refuses_internal_attributes_and_records_nothing() -> None:
    project = Project("demo", "default", "", True)
    user = User("u", "default", None, None, None, "", True)
    with pytest.raises(InvalidInput):
        project.update({"deleted": True})
    with pytest.raises(InvalidInput):
        user.update({"assignments": {"p": ["admin"]}})
    assert [type(e).__name__ for e in project.collect_events()] == ["Created"]
    assert [type(e).__name__ for e in user.collect_events()] == ["Created"]


def test_implied_roles_name_their_direct_prior() -> None:
    admin, member, reader = (BUILTIN_IDS[n] for n in ("admin", "member", "reader"))
    assert implied_with_prior(admin) == [(member, admin), (reader, member)]
    assert implied_with_prior(reader) == [] and implied_with_prior(role_id("auditor").hex) == []


def test_project_extras_merge_and_rename_moves_the_name_claim(identity: IdentityService) -> None:
    project = identity.create_project(SYSTEM, "demo", tags=["a"], extra={"colour": "red"})
    identity.create_project(SYSTEM, "taken")
    updated = identity.update_project(SYSTEM, project.id.hex,
                                      {"name": "renamed", "extra": {"size": 3}})
    assert updated.extra == {"colour": "red", "size": 3} and updated.tags == ["a"]
    with pytest.raises(AlreadyExists):
        identity.update_project(SYSTEM, project.id.hex, {"name": "taken"})
    identity.create_project(SYSTEM, "demo")  # the old name was released by the rename
    assert identity.project(project.id.hex).name == "renamed"


def test_unknown_domain_or_default_project_is_not_found_and_saves_nothing(
    identity: IdentityService,
) -> None:
    head = identity.app.head()
    with pytest.raises(NotFound):
        identity.create_project(SYSTEM, "elsewhere", domain_id="other")
    with pytest.raises(NotFound):
        identity.create_user(SYSTEM, "u", "pw", default_project_id="0" * 32)
    assert identity.app.head() == head


def test_deleting_a_project_takes_its_members_roles_in_the_same_save(
    identity: IdentityService,
) -> None:
    project = identity.create_project(SYSTEM, "doomed")
    user = identity.create_user(SYSTEM, "u", "pw")
    identity.grant(SYSTEM, project.id.hex, user.id.hex, role_id("member").hex)
    identity.grant(SYSTEM, project.id.hex, user.id.hex, role_id("reader").hex)
    identity.delete_project(SYSTEM, project.id.hex, [user.id.hex])
    assert identity.user(user.id.hex).roles_on(project.id.hex) == []
    with pytest.raises(NotFound):
        identity.project(project.id.hex)
