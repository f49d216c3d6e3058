"""Cinder's user messages: why an asynchronous volume request failed, told to the project that
made it (`/messages`, 3.3). A message is recorded in the same save as the failure it explains
(the volume's ProvisionFailed, ExtendFailed or UploadFailed), so there is never one without the
other; the project deletes it when read. Its ids are Cinder's: event_id
`VOLUME_<resource>_<action>_<detail>`, and the text "<action>: <detail>".
"""

from __future__ import annotations

from dataclasses import dataclass

from eventsourcing.domain import event

from domain.base import Entity

# How long Cinder guarantees to keep a message (message_ttl), in seconds.
MESSAGE_TTL_S = 2592000


@dataclass(frozen=True)
class Reason:
    """One of Cinder's message_field entries: an action that failed and why."""

    action_id: str
    action: str
    detail_id: str
    detail: str


NO_BACKEND = Reason("001", "schedule allocate volume", "003",
                    "Could not find any available weighted backend.")
CREATE_FAILED = Reason("008", "create volume from backend storage", "001",
                       "An unknown error occurred.")
EXTEND_FAILED = Reason("007", "extend volume", "010", "Volume Driver failed to extend volume.")
UPLOAD_FAILED = Reason("003", "copy volume to image", "004",
                       "Failed to upload volume to image at backend.")


class UserMessage(Entity):
    class Recorded(Entity.Created):
        project_id: str
        request_id: str
        resource_type: str
        resource_uuid: str
        event_id: str
        user_message: str
        message_level: str

    @event(Recorded)
    def __init__(self, project_id: str, request_id: str, resource_type: str,
                 resource_uuid: str, event_id: str, user_message: str,
                 message_level: str = "ERROR") -> None:
        self.project_id, self.request_id = project_id, request_id
        self.resource_type, self.resource_uuid = resource_type, resource_uuid
        self.event_id, self.user_message = event_id, user_message
        self.message_level = message_level
        self.deleted = False

    @classmethod
    def about_volume(cls, project_id: str, request_id: str, volume_id: str,
                     reason: Reason) -> UserMessage:
        return cls(project_id, request_id, "VOLUME", volume_id,
                   f"VOLUME_VOLUME_{reason.action_id}_{reason.detail_id}",
                   f"{reason.action}: {reason.detail}")

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def delete(self) -> None:
        self.deleted = True
