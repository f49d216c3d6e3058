"""Keystone v3 users: CRUD for admins, self-service read and password change.

A password only ever travels from the request to the hasher port: it is never stored, logged,
put in an event or returned (`user_body` has no password field at all).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.auth import Caller
from api.bodies.identity import (
    IdString,
    KeystoneObject,
    KeystoneUpdate,
    Options,
    collection_links,
    flag,
    self_url,
    user_body,
    user_row,
)
from api.deps import Authorize, CallerDep, CloudDep, CloudServices, PolicyDep
from api.responses.identity import UserList, UserShow
from api.validation import Description, Name
from domain.context import RequestContext
from domain.errors import InvalidInput, NotFound
from domain.identity.changes import DEFAULT_DOMAIN_ID
from domain.identity.tokens import InvalidToken
from domain.identity.user import InvalidCredentials
from projections.identity import IdentityViews
from projections.store import Row

router = APIRouter(prefix="/identity/v3", tags=["identity: users"])

RULES = [
    policy.RuleDefault("identity:list_users", "rule:admin_api", "List all users"),
    policy.RuleDefault("identity:get_user", "rule:admin_api or user_id:%(target.user.id)s",
                       "Show a user: admins, or the user themself"),
    policy.RuleDefault("identity:create_user", "rule:admin_api"),
    policy.RuleDefault("identity:update_user", "rule:admin_api"),
    policy.RuleDefault("identity:delete_user", "rule:admin_api"),
    # POST /users/{id}/password is not policy-checked, as in Keystone: the original password is
    # the proof, so a user whose token has lapsed can still change it.
]

# Keystone's default max_password_length.
Password = Annotated[str, Field(max_length=4096)]
Email = Annotated[str, Field(max_length=255)]


class UserCreate(KeystoneObject):
    name: Name
    password: Password | None = None
    domain_id: IdString = DEFAULT_DOMAIN_ID
    default_project_id: IdString | None = None
    description: Description | None = None
    email: Email | None = None
    enabled: StrictBool = True
    options: Options = {}


class UserUpdate(KeystoneUpdate):
    nullable = frozenset({"password", "default_project_id", "description", "email", "id"})
    name: Name | None = None
    password: Password | None = None
    domain_id: IdString | None = None
    default_project_id: IdString | None = None
    description: Description | None = None
    email: Email | None = None
    enabled: StrictBool | None = None
    options: Options | None = None
    id: str | None = None


class UserCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user: UserCreate


class UserUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user: UserUpdate


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    original_password: Password
    password: Password


class PasswordChangeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user: PasswordChange


Lister = Annotated[Caller, Depends(Authorize("identity:list_users"))]
Creator = Annotated[Caller, Depends(Authorize("identity:create_user"))]
Updater = Annotated[Caller, Depends(Authorize("identity:update_user"))]
Deleter = Annotated[Caller, Depends(Authorize("identity:delete_user"))]


def existing_user(cloud: CloudServices, user_id: str) -> Row:
    row = IdentityViews(cloud.store).user(user_id)
    if row is None:
        raise NotFound(f"Could not find user: {user_id}.")
    return row


@router.get("/users", response_model=UserList)
def list_users(request: Request, cloud: CloudDep, caller: Lister, name: str | None = None,
               domain_id: str | None = None, enabled: str | None = None) -> dict[str, Any]:
    base = cloud.settings.public_url
    rows = IdentityViews(cloud.store).users(name, domain_id, flag(enabled, "enabled"))
    return {"users": [user_body(r, base) for r in rows],
            "links": collection_links(self_url(request, base))}


@router.post("/users", status_code=201, response_model=UserShow)
def create_user(body: UserCreateRequest, cloud: CloudDep, caller: Creator) -> dict[str, Any]:
    u = body.user
    user = cloud.identity.create_user(
        caller.ctx, u.name, u.password, domain_id=u.domain_id,
        default_project_id=u.default_project_id, email=u.email, description=u.description or "",
        enabled=u.enabled, extra=u.extras())
    return {"user": user_body(user_row(user), cloud.settings.public_url)}


@router.get("/users/{user_id}", response_model=UserShow)
def show_user(user_id: str, cloud: CloudDep, caller: CallerDep,
              policy: PolicyDep) -> dict[str, Any]:
    # Policy before lookup, so a non-admin cannot learn which ids exist.
    policy.enforce("identity:get_user", {"target.user.id": user_id}, caller.creds)
    return {"user": user_body(existing_user(cloud, user_id), cloud.settings.public_url)}


def user_changes(u: UserUpdate, user_id: str, current: Row) -> dict[str, Any]:
    if u.id is not None and u.id != user_id:
        raise InvalidInput("Cannot change the id of a user.")
    if u.domain_id is not None and u.domain_id != current["domain_id"]:
        raise InvalidInput("Cannot change the domain_id of a user.")
    changes = u.given("name", "enabled", "default_project_id", "email")
    if "description" in u.model_fields_set:
        changes["description"] = u.description or ""
    if u.password is not None:
        changes["password"] = u.password
    if u.extras():
        changes["extra"] = u.extras()
    return changes


@router.patch("/users/{user_id}", response_model=UserShow)
def update_user(user_id: str, body: UserUpdateRequest, cloud: CloudDep,
                caller: Updater) -> dict[str, Any]:
    changes = user_changes(body.user, user_id, existing_user(cloud, user_id))
    user = cloud.identity.update_user(caller.ctx, user_id, changes)
    return {"user": user_body(user_row(user), cloud.settings.public_url)}


@router.delete("/users/{user_id}", status_code=204)
def delete_user(user_id: str, cloud: CloudDep, caller: Deleter) -> Response:
    cloud.identity.delete_user(caller.ctx, user_id)
    return Response(status_code=204)


@router.post("/users/{user_id}/password", status_code=204)
def change_password(user_id: str, body: PasswordChangeRequest, request: Request,
                    cloud: CloudDep) -> Response:
    ctx = RequestContext(user_id=user_id, request_id=request.state.request_id)
    try:
        cloud.passwords.change_own(ctx, user_id, body.user.original_password,
                                   body.user.password)
    except (InvalidCredentials, NotFound):
        # Keystone answers 401 whether the user is unknown or the password wrong.
        raise InvalidToken("The request you have made requires authentication.") from None
    return Response(status_code=204)
