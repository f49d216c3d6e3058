"""GET /servers sorted by Nova's sort_key/sort_dir (api/server_sort.py), with paging after a
marker in that order."""

from __future__ import annotations

from typing import Any

from tests.support.compute_api import Compute, auth

V21 = "/compute/v2.1"


def names(compute: Compute, who: dict[str, str], query: str, version: str = "2.1") -> list[str]:
    response = compute.client.get(f"{V21}/servers?{query}", headers=auth(who, version))
    assert response.status_code == 200, response.text
    return [s["name"] for s in response.json()["servers"]]


def ids(compute: Compute, who: dict[str, str], query: str) -> list[str]:
    response = compute.client.get(f"{V21}/servers/detail?{query}", headers=auth(who, "2.1"))
    return [s["id"] for s in response.json()["servers"]]


def test_sorted_by_name_both_ways_and_paged_in_that_order(compute: Compute,
                                                          member_a: dict[str, str]) -> None:
    booted: dict[str, Any] = {name: compute.booted(member_a, name=name)
                              for name in ("bravo", "delta", "alpha", "charlie")}
    assert names(compute, member_a, "") == ["charlie", "alpha", "delta", "bravo"]  # newest first
    assert names(compute, member_a, "sort_key=display_name&sort_dir=asc") == \
        ["alpha", "bravo", "charlie", "delta"]
    assert names(compute, member_a, "sort_key=display_name") == \
        ["delta", "charlie", "bravo", "alpha"]  # one key, no direction: descending, as Nova
    first = names(compute, member_a, "sort_key=display_name&sort_dir=asc&limit=2")
    assert first == ["alpha", "bravo"]
    after = names(compute, member_a, "sort_key=display_name&sort_dir=asc&limit=2"
                                     f"&marker={booted['bravo']}")
    assert after == ["charlie", "delta"]
    # A marker the filters leave out still pages from its place in the order.
    assert names(compute, member_a, f"sort_key=display_name&sort_dir=asc&name=^[cd]"
                                    f"&marker={booted['alpha']}") == ["charlie", "delta"]


def test_ties_fall_back_to_creation_then_id(compute: Compute, member_a: dict[str, str]) -> None:
    first = compute.booted(member_a, name="same")
    second = compute.booted(member_a, name="same")
    assert ids(compute, member_a, "sort_key=display_name&sort_dir=asc") == [first, second]
    assert ids(compute, member_a, "sort_key=display_name&sort_dir=desc") == [second, first]
    assert ids(compute, member_a, "sort_dir=asc") == [first, second]  # created_at, no key named
    # Two keys, one direction: the second key takes the first's direction (Nova's defaults).
    assert ids(compute, member_a, "sort_key=display_name&sort_key=created_at&sort_dir=asc") \
        == [first, second]


def test_bad_sorts_are_refused_and_ignored_keys_ignored(compute: Compute,
                                                        member_a: dict[str, str],
                                                        admin: dict[str, str]) -> None:
    compute.booted(member_a, name="x")
    for query, status in (("sort_key=display_name&sort_dir=up", 400),
                          ("sort_key=display_name&sort_dir=asc&sort_dir=desc", 400),
                          ("sort_key=host", 403), ("sort_key=node", 403)):
        response = compute.client.get(f"{V21}/servers?{query}", headers=auth(member_a, "2.1"))
        assert response.status_code == status, (query, response.text)
    # `id` is one of the keys Nova accepts and ignores before 2.75.
    assert names(compute, member_a, "sort_key=id") == ["x"]
    assert names(compute, admin, "sort_key=host&all_tenants=1") != []
