"""Which images hold a content-addressed file: saved in the same transaction as the upload,
stage or deletion that changes it, so "does any image still need this file?" always has one
consistent answer."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id


def image_file_id(content_hash: str) -> UUID:
    return natural_id("image-file", content_hash)


class ImageFile(Entity):
    """Which images hold the file with this content hash (its sha256)."""

    @staticmethod
    def create_id(content_hash: str) -> UUID:
        return image_file_id(content_hash)

    class Stored(Entity.Created):
        content_hash: str

    @event(Stored)
    def __init__(self, content_hash: str) -> None:
        self.content_hash = content_hash
        self.holders: list[str] = []

    class Held(Entity.Event):
        image_id: str

    @event(Held)
    def hold(self, image_id: str) -> None:
        self.holders.append(image_id)

    class Released(Entity.Event):
        image_id: str

    @event(Released)
    def release(self, image_id: str) -> None:
        self.holders.remove(image_id)

    @property
    def in_use(self) -> bool:
        return bool(self.holders)
