"""Per-volume-type quotas on the ledger (given events, when a claim, then events or a refusal):
a type's resources are unlimited by default, limited by a project's own limit or by the
default quota class, and claimed in the same event as the totals."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput, QuotaExceeded
from domain.quota.ledger import QuotaLedger
from domain.quota.limits import type_resource
from domain.quota.quota_class import QuotaClass, class_defaults
from domain.storage.quota_claims import difference, volume_claim

GOLD = "0" * 31 + "1"


def test_a_types_claim_is_one_event_with_the_totals() -> None:
    ledger = QuotaLedger("p1")
    ledger.collect_events()
    ledger.claim(volume_claim(3, GOLD))
    [claimed] = ledger.collect_events()
    assert claimed.amounts == {"gigabytes": 3, "volumes": 1,  # type: ignore[attr-defined]
                               type_resource("gigabytes", GOLD): 3,
                               type_resource("volumes", GOLD): 1}
    assert ledger.limit(type_resource("volumes", GOLD)) == -1


def test_the_types_limit_refuses_and_records_nothing() -> None:
    ledger = QuotaLedger("p1")
    ledger.set_limits({type_resource("volumes", GOLD): 1})
    ledger.claim(volume_claim(1, GOLD))
    ledger.collect_events()
    with pytest.raises(QuotaExceeded) as refused:
        ledger.claim(volume_claim(1, GOLD))
    assert refused.value.resource == type_resource("volumes", GOLD)
    ledger.claim(volume_claim(1, None))  # another type: its own count
    assert ledger.used("volumes") == 2 and len(ledger.collect_events()) == 1
    with pytest.raises(InvalidInput):  # not below what is in use
        ledger.set_limits({type_resource("volumes", GOLD): 0})


def test_the_default_class_limits_a_type_for_every_project() -> None:
    defaults = QuotaClass("default")
    defaults.set_limits({type_resource("gigabytes", GOLD): 4, "volumes": 3})
    with pytest.raises(InvalidInput):
        defaults.set_limits({"gigabytes@": 1})
    ledger = QuotaLedger("p1")
    with pytest.raises(QuotaExceeded):
        ledger.claim(volume_claim(5, GOLD), class_defaults(defaults))
    assert ledger.limit("volumes", class_defaults(defaults)) == 3


def test_a_retype_moves_the_types_share() -> None:
    more, less = difference(volume_claim(2, None), volume_claim(2, GOLD))
    assert more == {type_resource("gigabytes", GOLD): 2, type_resource("volumes", GOLD): 1}
    assert set(less) == {r for r in volume_claim(2, None) if "@" in r}
