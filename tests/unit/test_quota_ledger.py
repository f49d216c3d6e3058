"""The quota ledger's rules, on the bare aggregate: no store, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from domain.errors import InvalidInput, QuotaExceeded
from domain.quota.ledger import QuotaLedger, ledger_id
from domain.quota.limits import DEFAULT_LIMITS


def event_names(ledger: QuotaLedger) -> list[str]:
    return [type(e).__name__ for e in ledger.collect_events()]


def replayed(ledger: QuotaLedger, events: Sequence[Any]) -> QuotaLedger:
    state = None
    for e in events:
        state = e.mutate(state)
    assert isinstance(state, QuotaLedger)
    return state


def test_a_new_ledger_has_defaults_and_nothing_used() -> None:
    ledger = QuotaLedger("p1")
    assert ledger.id == ledger_id("p1")
    assert ledger.limits() == DEFAULT_LIMITS
    assert ledger.used("key_pairs") == 0
    assert event_names(ledger) == ["Opened"]


def test_claims_up_to_the_limit_then_refuses_without_changing_anything() -> None:
    ledger = QuotaLedger("p1")
    ledger.set_limits({"key_pairs": 2})
    ledger.claim({"key_pairs": 1})
    ledger.claim({"key_pairs": 1})
    ledger.collect_events()
    with pytest.raises(QuotaExceeded) as refused:
        ledger.claim({"key_pairs": 1})
    assert (refused.value.resource, refused.value.used, refused.value.limit) == ("key_pairs", 2, 2)
    assert ledger.used("key_pairs") == 2 and ledger.collect_events() == []


def test_a_multi_resource_claim_is_all_or_nothing() -> None:
    ledger = QuotaLedger("p1")
    ledger.set_limits({"instances": 1, "cores": 4})
    with pytest.raises(QuotaExceeded):
        ledger.claim({"instances": 1, "cores": 8})
    assert ledger.used("instances") == 0 and ledger.used("cores") == 0


def test_unlimited_means_no_ceiling() -> None:
    ledger = QuotaLedger("p1")
    ledger.set_limits({"ram": -1})
    ledger.claim({"ram": 10**9})
    assert ledger.used("ram") == 10**9


@pytest.mark.parametrize("amounts", [{"key_pairs": -1}, {"key_pairs": 1.5}, {"key_pairs": True},
                                     {"widgets": 1}])
def test_bad_claims_are_invalid(amounts: dict[str, int]) -> None:
    ledger = QuotaLedger("p1")
    with pytest.raises(InvalidInput):
        ledger.claim(amounts)
    with pytest.raises(InvalidInput):
        ledger.release(amounts)


def test_release_never_goes_below_zero_and_a_noop_records_nothing() -> None:
    ledger = QuotaLedger("p1")
    ledger.claim({"key_pairs": 2})
    ledger.release({"key_pairs": 5})
    assert ledger.used("key_pairs") == 0
    ledger.collect_events()
    ledger.release({"key_pairs": 1})
    assert ledger.collect_events() == []


@pytest.mark.parametrize("limits", [{"key_pairs": -2}, {"key_pairs": "5"}, {"key_pairs": False},
                                    {"key_pairs": 2**31}, {"networks": 3}])
def test_bad_limits_are_invalid(limits: dict[str, int]) -> None:
    ledger = QuotaLedger("p1")
    with pytest.raises(InvalidInput):
        ledger.set_limits(limits)
    assert ledger.limits() == DEFAULT_LIMITS


def test_limits_below_usage_need_force_and_are_checked_before_any_applies() -> None:
    ledger = QuotaLedger("p1")
    ledger.claim({"key_pairs": 3})
    with pytest.raises(InvalidInput, match="must be greater than or equal to already used and "
                                           "reserved 3"):
        ledger.set_limits({"instances": 5, "key_pairs": 2})
    assert ledger.limit("instances") == 10  # nothing of the refused set applied
    ledger.set_limits({"key_pairs": 2}, force=True)
    assert ledger.limit("key_pairs") == 2
    with pytest.raises(QuotaExceeded):
        ledger.claim({"key_pairs": 1})
    ledger.set_limits({"key_pairs": -1})  # unlimited is never below usage


def test_reset_reverts_to_defaults_but_keeps_usage() -> None:
    ledger = QuotaLedger("p1")
    ledger.claim({"key_pairs": 1})
    ledger.set_limits({"key_pairs": 7, "instances": 3})
    ledger.reset_limits()
    assert ledger.limits() == DEFAULT_LIMITS and ledger.used("key_pairs") == 1
    assert event_names(ledger)[-1] == "LimitsReset"
    ledger.reset_limits()
    assert ledger.collect_events() == []


def test_replaying_the_events_rebuilds_the_same_ledger() -> None:
    ledger = QuotaLedger("p1")
    ledger.claim({"key_pairs": 2, "instances": 1})
    ledger.set_limits({"key_pairs": 1}, force=True)
    ledger.release({"instances": 1})
    events = ledger.collect_events()
    copy = replayed(ledger, events)
    assert (copy.limits(), copy.usage, copy.version) == (ledger.limits(), ledger.usage,
                                                         ledger.version)
