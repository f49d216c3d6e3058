"""Credential commands (`/credentials` and EC2's `/users/{id}/credentials/OS-EC2`): the blob is
encrypted before it reaches an event."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

from domain.app import SkyLedger
from domain.backends import SecretBox
from domain.commands import changed, command
from domain.context import RequestContext
from domain.errors import AlreadyExists, InvalidInput
from domain.identity.credential import Credential, credential_key, ec2_credential_id
from domain.services.identity.core import IdentityService

EC2 = "ec2"


def ec2_access(blob: str) -> str:
    """The access key of an EC2 blob (Keystone derives the credential's id from it)."""
    try:
        access = json.loads(blob).get("access")
    except (ValueError, AttributeError):
        access = None
    if not isinstance(access, str) or not access:
        raise InvalidInput("The blob of an ec2 credential is a JSON object with an access key.")
    return access


class CredentialService:
    def __init__(self, app: SkyLedger, identity: IdentityService, box: SecretBox) -> None:
        self.app = app
        self.identity = identity
        self.box = box

    @command
    def create(self, ctx: RequestContext, user_id: str, project_id: str | None,
               type: str, blob: str) -> Credential:  # noqa: A002
        user = self.identity.user(user_id)
        if project_id is not None:
            project_id = self.identity.project(project_id).id.hex
        if type == EC2:
            if project_id is None:
                raise InvalidInput("An ec2 credential needs a project_id.")
            credential_id = ec2_credential_id(ec2_access(blob))
        else:
            credential_id = uuid4().hex
        if self.app.find(credential_key(credential_id)) is not None:
            raise AlreadyExists(f"Duplicate entry: credential {credential_id} exists.")
        credential = Credential(credential_id, user.id.hex, project_id, type,
                                self.box.encrypt(blob))
        self.app.save(credential)
        return credential

    @command
    def update(self, ctx: RequestContext, credential_id: str,
               changes: dict[str, Any]) -> Credential:
        credential = self.credential(credential_id)
        changes = dict(changes)
        if "user_id" in changes:
            changes["user_id"] = self.identity.user(changes["user_id"]).id.hex
        if changes.get("project_id") is not None:
            changes["project_id"] = self.identity.project(changes["project_id"]).id.hex
        blob = changes.pop("blob", None)
        if blob is not None:
            if changes.get("type", credential.type) == EC2:
                ec2_access(blob)
            changes["encrypted_blob"] = self.box.encrypt(blob)
        if changes:
            credential.update(changes)
        self.app.save(*changed(credential))
        return credential

    @command
    def delete(self, ctx: RequestContext, credential_id: str) -> None:
        credential = self.credential(credential_id)
        credential.delete()
        self.app.save(credential)

    def credential(self, credential_id: str) -> Credential:
        return self.app.get(credential_key(credential_id), Credential, "credential")

    def blob(self, encrypted_blob: str) -> str:
        return self.box.decrypt(encrypted_blob)
