"""KeypairService and QuotaService on eventsourcing's in-memory (POPO) store: no I/O."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from domain.app import SkyLedger
from domain.catalog.keypair import KeypairLimitExceeded
from domain.context import RequestContext
from domain.errors import AlreadyExists, InvalidInput, NotFound, QuotaExceeded
from domain.services.keypairs import KeypairService
from domain.services.quotas import QuotaService

CTX = RequestContext(user_id="u1", project_id="p1", request_id="req-test", roles=("member",))
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFakeFakeFakeFakeFakeFakeFakeFakeFake u@h"


@pytest.fixture
def app() -> Iterator[SkyLedger]:
    app = SkyLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield app
    app.close()


def imp(keypairs: KeypairService, name: str, user: str = "u1") -> object:
    return keypairs.import_key(CTX, user, "p1", name, KEY, "aa:bb", "ssh")


def test_import_claims_and_delete_releases_a_key_pair(app: SkyLedger) -> None:
    keypairs, quotas = KeypairService(app), QuotaService(app)
    imp(keypairs, "k1")
    assert quotas.ledger("p1").used("key_pairs") == 1
    keypair = keypairs.get("u1", "k1")
    assert (keypair.project_id, keypair.fingerprint, keypair.type) == ("p1", "aa:bb", "ssh")
    keypairs.delete(CTX, "u1", "k1")
    assert quotas.ledger("p1").used("key_pairs") == 0
    with pytest.raises(NotFound, match="Keypair k1 not found for user u1"):
        keypairs.get("u1", "k1")


def test_names_are_per_user_and_reusable_after_delete(app: SkyLedger) -> None:
    keypairs = KeypairService(app)
    imp(keypairs, "k1")
    imp(keypairs, "k1", user="u2")
    with pytest.raises(AlreadyExists, match="Key pair 'k1' already exists."):
        imp(keypairs, "k1")
    keypairs.delete(CTX, "u1", "k1")
    imp(keypairs, "k1")
    assert QuotaService(app).ledger("p1").used("key_pairs") == 2


def test_a_full_project_refuses_in_novas_words_and_saves_nothing(app: SkyLedger) -> None:
    keypairs, quotas = KeypairService(app), QuotaService(app)
    quotas.set_limits(CTX, "p1", {"key_pairs": 1})
    imp(keypairs, "k1")
    head = app.head()
    with pytest.raises(KeypairLimitExceeded) as refused:
        imp(keypairs, "k2")
    assert isinstance(refused.value, QuotaExceeded)
    assert str(refused.value) == "Quota exceeded, too many key pairs."
    assert app.head() == head


def test_bad_keypair_input_is_refused(app: SkyLedger) -> None:
    keypairs = KeypairService(app)
    with pytest.raises(InvalidInput):
        keypairs.import_key(CTX, "u1", "p1", "k", KEY, "aa:bb", "pgp")
    with pytest.raises(InvalidInput):
        keypairs.import_key(CTX, "u1", "p1", "", KEY, "aa:bb", "ssh")
    assert app.head() == 0


def test_quota_reset_and_set_limits_force(app: SkyLedger) -> None:
    keypairs, quotas = KeypairService(app), QuotaService(app)
    imp(keypairs, "k1")
    imp(keypairs, "k2")
    with pytest.raises(InvalidInput):
        quotas.set_limits(CTX, "p1", {"key_pairs": 1})
    quotas.set_limits(CTX, "p1", {"key_pairs": 1}, force=True)
    assert quotas.ledger("p1").limit("key_pairs") == 1
    quotas.reset(CTX, "p1")
    assert quotas.ledger("p1").limit("key_pairs") == 100
    head = app.head()
    quotas.reset(CTX, "p1")  # nothing to revert: nothing recorded
    quotas.reset(CTX, "never-configured")
    assert app.head() == head


def test_events_carry_who_and_why(app: SkyLedger) -> None:
    imp(KeypairService(app), "k1")
    events: list[Any] = [app.mapper.to_domain_event(n)
                         for n in app.recorder.select_notifications(start=1, limit=10)]
    assert events and all(e.meta["request_id"] == "req-test" for e in events)
    assert all(e.meta["user_id"] == "u1" for e in events)
