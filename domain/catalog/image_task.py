"""A Glance task: the record of one image import (type `api_image_import`), as `GET
/v2/images/{id}/tasks` shows it. It is saved with the image change it describes, so a task's
outcome and the image's status never disagree."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from domain.base import Entity

TASK_TYPE = "api_image_import"


class ImageTask(Entity):
    class Created(Entity.Created):
        image_id: str
        owner: str
        task_input: dict[str, Any]

    @event(Created)
    def __init__(self, image_id: str, owner: str, task_input: dict[str, Any]) -> None:
        self.image_id, self.owner, self.task_input = image_id, owner, task_input
        self.status = "processing"
        self.message = ""

    class Succeeded(Entity.Event):
        result: dict[str, Any]

    @event(Succeeded)
    def succeed(self, result: dict[str, Any]) -> None:
        self.status = "success"

    class Failed(Entity.Event):
        message: str

    @event(Failed)
    def fail(self, message: str) -> None:
        self.status, self.message = "failure", message
