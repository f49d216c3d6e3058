"""The ResourceTags aggregate's rules (Neutron's tagging): a list of unique strings of at most
255 characters, at most 50 of them; adding a present tag changes nothing, removing an absent
one is NotFound; one aggregate per resource, by kind and id."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput, NotFound
from domain.network.tags import ResourceTags, tags_id


def test_add_replace_remove_keep_order_and_record_only_changes() -> None:
    tags = ResourceTags("ports", "abc")
    assert tags.id == tags_id("ports", "abc") != tags_id("routers", "abc")
    tags.add("red")
    tags.add("blue")
    tags.add("red")  # present already: no event
    assert tags.tags == ["red", "blue"]
    assert [type(e).__name__ for e in tags.collect_events()] == ["Created", "TagsSet",
                                                                 "TagsSet"]
    tags.replace(["red", "blue"])
    assert tags.collect_events() == []
    tags.remove("red")
    assert tags.tags == ["blue"]
    with pytest.raises(NotFound):
        tags.remove("red")


@pytest.mark.parametrize("bad", [["a", "a"], ["x" * 256], [7], [f"t{i}" for i in range(51)]])
def test_bad_tags_are_refused_and_change_nothing(bad: list[object]) -> None:
    tags = ResourceTags("networks", "abc")
    tags.replace(["kept"])
    with pytest.raises(InvalidInput):
        tags.replace(bad)  # type: ignore[arg-type]
    assert tags.tags == ["kept"]
    with pytest.raises(InvalidInput):
        tags.add("y" * 256)
