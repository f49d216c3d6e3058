"""The tags of one Neutron resource (the `standard-attr-tag` extension): a set of strings on a
network, subnet, port, router or subnet pool.

Neutron keeps tags in a table of their own keyed by the resource's standard attributes, not in
the resource; here too they are an aggregate of their own, one per resource (its id derives
from the resource's kind and id), so tagging never contends with the resource's own changes.
The command checks that the resource lives and belongs to the caller before it tags it.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id
from domain.errors import InvalidInput, NotFound

# neutron/extensions/tagging.py
MAX_TAG_LEN = 255
MAX_TAGS_COUNT = 50
TAGGED_KINDS = ("networks", "subnets", "ports", "routers", "subnetpools")


def tags_id(kind: str, resource_id: str) -> UUID:
    return natural_id("tags", kind, resource_id)


def check_tag(tag: object) -> str:
    if not isinstance(tag, str):
        raise InvalidInput(f"'{tag}' is not a valid string")
    if len(tag) > MAX_TAG_LEN:
        raise InvalidInput(f"'{tag}' exceeds maximum length of {MAX_TAG_LEN}")
    return tag


def check_tags(tags: object) -> list[str]:
    """Neutron's validate_tags: a list of unique strings, at most MAX_TAGS_COUNT of them."""
    if not isinstance(tags, list):
        raise InvalidInput("Invalid tags body")
    checked = [check_tag(t) for t in tags]
    if len(set(checked)) != len(checked):
        raise InvalidInput(f"Duplicate items in the list: '{', '.join(checked)}'")
    if len(checked) > MAX_TAGS_COUNT:
        raise InvalidInput(f"The number of tags exceed the per-resource limit of "
                           f"{MAX_TAGS_COUNT}")
    return checked


class ResourceTags(Entity):
    @staticmethod
    def create_id(kind: str, resource_id: str) -> UUID:
        return tags_id(kind, resource_id)

    class Created(Entity.Created):
        kind: str
        resource_id: str

    @event(Created)
    def __init__(self, kind: str, resource_id: str) -> None:
        self.kind, self.resource_id = kind, resource_id
        self.tags: list[str] = []

    def replace(self, tags: list[str]) -> None:
        checked = check_tags(tags)
        if checked != self.tags:
            self._set(checked)

    def add(self, tag: str) -> None:
        """Neutron's update_tag: adding a tag the resource has already changes nothing."""
        check_tag(tag)
        if tag not in self.tags:
            self.replace([*self.tags, tag])

    def remove(self, tag: str) -> None:
        if tag not in self.tags:
            raise NotFound(f"Tag {tag} could not be found.")
        self._set([t for t in self.tags if t != tag])

    class TagsSet(Entity.Event):
        tags: list[str]

    @event(TagsSet)
    def _set(self, tags: list[str]) -> None:
        self.tags = list(tags)
