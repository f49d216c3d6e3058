"""Nova's `/os-aggregates` bodies: a create answers without hosts and metadata; uuid from 2.41."""

from __future__ import annotations

from api.responses.base import Body


class AggregateCreated(Body):
    id: int
    name: str
    availability_zone: str | None
    created_at: str
    updated_at: str | None
    deleted: bool
    deleted_at: None


class AggregateCreatedV241(AggregateCreated):
    uuid: str


class Aggregate(AggregateCreated):
    hosts: list[str]
    metadata: dict[str, str]


class AggregateV241(Aggregate):
    uuid: str


AnyAggregate = AggregateV241 | Aggregate


class AggregateShow(Body):
    aggregate: AnyAggregate


class AggregateCreateShow(Body):
    aggregate: AggregateCreatedV241 | AggregateCreated


class AggregateList(Body):
    aggregates: list[AnyAggregate]
