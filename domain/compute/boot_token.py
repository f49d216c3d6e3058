"""A client's idempotency token for a boot (EC2's ClientToken): one aggregate per (project,
token), its id derived from both (uuid5), recording a digest of the request and the instances
it made. It is saved in the boot's own `save()`, so a token names at most one boot even when
two requests carrying it race: the second save conflicts, and its retry finds the token."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id
from domain.errors import InvalidInput

MAX_TOKEN = 64  # EC2's limit on a client token, in ASCII characters


class TokenReused(InvalidInput):
    """The token was given before with a different request (EC2's IdempotentParameterMismatch)."""


def boot_token_id(project_id: str, token: str) -> UUID:
    return natural_id("boot-token", project_id, token)


class BootToken(Entity):
    @staticmethod
    def create_id(project_id: str, token: str, digest: str,
                  instance_ids: list[str]) -> UUID:
        return boot_token_id(project_id, token)

    class Issued(Entity.Created):
        project_id: str
        token: str
        digest: str
        instance_ids: list[str]

    @event(Issued)
    def __init__(self, project_id: str, token: str, digest: str,
                 instance_ids: list[str]) -> None:
        self.project_id, self.token, self.digest = project_id, token, digest
        self.instance_ids = list(instance_ids)

    def check_same_request(self, digest: str) -> None:
        if digest != self.digest:
            raise TokenReused(f"The client token '{self.token}' was used before with other "
                              "parameters.")
