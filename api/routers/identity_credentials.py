"""Keystone v3 credentials: `/credentials` (any type; admins, or a user for their own) and the
EC2 view of them, `/users/{user_id}/credentials/OS-EC2[/{access}]`. Blobs are stored encrypted
and decrypted only to be shown."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller
from api.bodies.identity import (
    V3,
    IdString,
    NullRefused,
    Storable,
    collection_links,
    self_url,
)
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from domain.errors import InvalidInput, NotFound
from domain.identity.credential import ec2_credential_id
from domain.services.identity.credentials import EC2
from projections.credentials import CredentialViews
from projections.store import Row

router = APIRouter(prefix="/identity/v3", tags=["identity: credentials"])

RULES = [
    policy.RuleDefault("identity:credentials", "rule:admin_api or user_id:%(target.user_id)s",
                       "Credentials: admins, or the user they belong to"),
]

Blob = Annotated[str, Field(min_length=1, max_length=65535)]


class CredentialCreate(Storable):
    model_config = ConfigDict(extra="forbid")
    user_id: IdString
    project_id: IdString | None = None
    type: Annotated[str, Field(min_length=1, max_length=255)]
    blob: Blob


class CredentialUpdate(Storable, NullRefused):
    model_config = ConfigDict(extra="forbid")
    nullable = frozenset({"project_id"})  # only it may be cleared, as in Keystone's schema
    user_id: IdString | None = None
    project_id: IdString | None = None
    type: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    blob: Blob | None = None


class CredentialCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    credential: CredentialCreate


class CredentialUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    credential: CredentialUpdate


class Ec2Create(BaseModel):
    tenant_id: IdString


def allow(policy: Any, caller: Caller, user_id: str) -> None:
    policy.enforce("identity:credentials", {"target.user_id": user_id}, caller.creds)


def credential_body(cloud: CloudServices, row: Row) -> dict[str, Any]:
    return {"id": row["id"], "user_id": row["user_id"], "project_id": row["project_id"],
            "type": row["type"], "blob": cloud.credentials.blob(row["encrypted_blob"]),
            "links": {"self": f"{cloud.settings.public_url}{V3}/credentials/{row['id']}"}}


def existing(cloud: CloudServices, credential_id: str) -> Row:
    row = CredentialViews(cloud.store).credential(credential_id)
    if row is None:
        raise NotFound(f"Could not find credential: {credential_id}.")
    return row


def saved_row(credential: Any) -> Row:
    return {"id": credential.credential_id, "user_id": credential.user_id,
            "project_id": credential.project_id, "type": credential.type,
            "encrypted_blob": credential.encrypted_blob}


@router.post("/credentials", status_code=201)
def create_credential(body: CredentialCreateRequest, cloud: CloudDep, caller: CallerDep,
                      policy: PolicyDep) -> dict[str, Any]:
    c = body.credential
    allow(policy, caller, c.user_id)
    credential = cloud.credentials.create(caller.ctx, c.user_id, c.project_id, c.type, c.blob)
    return {"credential": credential_body(cloud, saved_row(credential))}


@router.get("/credentials")
def list_credentials(request: Request, cloud: CloudDep, caller: CallerDep, policy: PolicyDep,
                     user_id: str | None = None, type: str | None = None  # noqa: A002
                     ) -> dict[str, Any]:
    rows = CredentialViews(cloud.store).credentials(user_id, type)
    # Keystone lists only the credentials the caller may see.
    visible = [r for r in rows if policy.allowed("identity:credentials",
                                                 {"target.user_id": r["user_id"]}, caller.creds)]
    return {"credentials": [credential_body(cloud, r) for r in visible],
            "links": collection_links(self_url(request, cloud.settings.public_url))}


@router.get("/credentials/{credential_id}")
def show_credential(credential_id: str, cloud: CloudDep, caller: CallerDep,
                    policy: PolicyDep) -> dict[str, Any]:
    row = existing(cloud, credential_id)
    allow(policy, caller, row["user_id"])
    return {"credential": credential_body(cloud, row)}


@router.patch("/credentials/{credential_id}")
def update_credential(credential_id: str, body: CredentialUpdateRequest, cloud: CloudDep,
                      caller: CallerDep, policy: PolicyDep) -> dict[str, Any]:
    allow(policy, caller, existing(cloud, credential_id)["user_id"])
    changes = body.credential.model_dump(exclude_unset=True)
    if not changes:
        raise InvalidInput("At least one attribute of a credential must be updated.")
    credential = cloud.credentials.update(caller.ctx, credential_id, changes)
    return {"credential": credential_body(cloud, saved_row(credential))}


@router.delete("/credentials/{credential_id}", status_code=204)
def delete_credential(credential_id: str, cloud: CloudDep, caller: CallerDep,
                      policy: PolicyDep) -> Response:
    allow(policy, caller, existing(cloud, credential_id)["user_id"])
    cloud.credentials.delete(caller.ctx, credential_id)
    return Response(status_code=204)


# EC2 ----------------------------------------------------------------------------------------------
EC2_URL = "/users/{user_id}/credentials/OS-EC2"


def ec2_body(cloud: CloudServices, row: Row) -> dict[str, Any]:
    blob = json.loads(cloud.credentials.blob(row["encrypted_blob"]))
    return {"user_id": row["user_id"], "tenant_id": row["project_id"],
            "access": blob.get("access"), "secret": blob.get("secret"),
            "trust_id": blob.get("trust_id"),
            "links": {"self": f"{cloud.settings.public_url}{V3}/users/{row['user_id']}"
                              f"/credentials/OS-EC2/{blob.get('access')}"}}


def ec2_row(cloud: CloudServices, user_id: str, access: str) -> Row:
    row = CredentialViews(cloud.store).credential(ec2_credential_id(access))
    if row is None or row["user_id"] != user_id or row["type"] != EC2:
        raise NotFound(f"Could not find credential: {access}.")
    return row


@router.post(EC2_URL, status_code=201)
def create_ec2(user_id: str, body: Ec2Create, cloud: CloudDep, caller: CallerDep,
               policy: PolicyDep) -> dict[str, Any]:
    allow(policy, caller, user_id)
    blob = json.dumps({"access": uuid.uuid4().hex, "secret": uuid.uuid4().hex,
                       "trust_id": None})
    credential = cloud.credentials.create(caller.ctx, user_id, body.tenant_id, EC2, blob)
    return {"credential": ec2_body(cloud, saved_row(credential))}


@router.get(EC2_URL)
def list_ec2(user_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
             policy: PolicyDep) -> dict[str, Any]:
    allow(policy, caller, user_id)
    rows = CredentialViews(cloud.store).credentials(user_id, EC2)
    return {"credentials": [ec2_body(cloud, r) for r in rows],
            "links": collection_links(self_url(request, cloud.settings.public_url))}


@router.get(EC2_URL + "/{access}")
def show_ec2(user_id: str, access: str, cloud: CloudDep, caller: CallerDep,
             policy: PolicyDep) -> dict[str, Any]:
    allow(policy, caller, user_id)
    return {"credential": ec2_body(cloud, ec2_row(cloud, user_id, access))}


@router.delete(EC2_URL + "/{access}", status_code=204)
def delete_ec2(user_id: str, access: str, cloud: CloudDep, caller: CallerDep,
               policy: PolicyDep) -> Response:
    allow(policy, caller, user_id)
    cloud.credentials.delete(caller.ctx, ec2_row(cloud, user_id, access)["id"])
    return Response(status_code=204)
