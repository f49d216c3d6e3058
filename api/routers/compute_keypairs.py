"""Compute `/os-keypairs`: import or generate, list, show, delete; each user manages their own,
admins anyone's (`user_id`, 2.10+). Reads come from the keypair read model."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller
from api.deps import CallerDep, CloudDep, PolicyDep
from api.microversions import ComputeVersion, Version
from api.policy import PolicyEngine
from api.responses.compute import (
    Keypair,
    KeypairCreated,
    KeypairCreatedBody,
    KeypairCreatedV22,
    KeypairList,
    KeypairListed,
    KeypairListedV22,
    KeypairShow,
    KeypairV22,
    keypair_model,
)
from api.strict_query import known_query
from domain.backends import KeyMaker
from domain.catalog.keypair import keypair_not_found
from domain.errors import Forbidden, InvalidInput
from projections.keypairs import KeypairViews

router = APIRouter(prefix="/compute/v2.1", tags=["compute: keypairs"])

RULES = [
    policy.RuleDefault(f"os_compute_api:os-keypairs:{action}", "rule:admin_or_owner_user",
                       f"{action.capitalize()} keypairs of the target user")
    for action in ("index", "create", "show", "delete")
]

# Nova's pagination cap (CONF.api.max_limit): a full page gets a "next" link.
MAX_LIMIT = 1000
# Nova's keypair names: letters, digits, '_', '-' and spaces; '@' and '.' too from 2.92.
KeypairName = Annotated[str, Field(min_length=1, max_length=255,
                                   pattern=r"^[A-Za-z0-9_\-@. ]+$")]
OLD_NAME = re.compile(r"^[_\- a-zA-Z0-9]+$")


class KeypairCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: KeypairName
    public_key: str = ""
    type: Literal["ssh", "x509"] = "ssh"
    user_id: str = ""


class KeypairCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    keypair: KeypairCreate


# Body fields and the microversion that introduced them (Nova's schema rejects them before).
SINCE = {"type": "2.2", "user_id": "2.10"}


def target_user(caller: Caller, policy_engine: PolicyEngine, rule: str, user_id: str | None,
                version: Version) -> str:
    """The user whose keypairs are meant (another's only from 2.10), after the policy check."""
    user = user_id if user_id and version >= "2.10" else caller.user_id
    policy_engine.enforce(rule, {"user_id": user, "project_id": caller.project_id}, caller.creds)
    return user


def keypair_body(row: dict[str, Any], fields: tuple[str, ...], version: Version) -> dict[str, Any]:
    body = {f: row[f] for f in fields}
    if version >= "2.2":
        body["type"] = row["type"]
    return body


def listed(row: dict[str, Any], version: Version) -> KeypairListed:
    model = keypair_model(version, KeypairListed, KeypairListedV22)
    return model.model_validate(keypair_body(row, LIST_FIELDS, version))


LIST_FIELDS = ("name", "public_key", "fingerprint")
CREATE_FIELDS = (*LIST_FIELDS, "user_id")


def show_body(row: dict[str, Any], version: Version) -> Keypair:
    body = keypair_body(row, CREATE_FIELDS, version)
    body.update({"id": int(row["seq"]), "created_at": row["created_at"], "updated_at": None,
                 "deleted": False, "deleted_at": None})
    return keypair_model(version, Keypair, KeypairV22).model_validate(body)


def check_generation_and_name(params: KeypairCreate, version: Version) -> None:
    """From 2.92 Nova generates no keypair (public_key is required) and takes '@' and '.'
    in a name; before, such a name is its schema's 400."""
    if version >= "2.92":
        if "public_key" not in params.model_fields_set:
            raise InvalidInput("Invalid input for field/attribute keypair. Value: "
                               f"{params.model_dump(exclude_unset=True)}. 'public_key' is a "
                               "required property")
    elif not OLD_NAME.match(params.name):
        raise InvalidInput(f"Invalid input for field/attribute name. Value: {params.name}. "
                           f"'{params.name}' does not match '{OLD_NAME.pattern}'")


def key_material(keys: KeyMaker, params: KeypairCreate, user: str) -> tuple[str | None, str, str]:
    """(private key or None, public key, fingerprint): the one imported, or a new pair."""
    private_key, public_key = None, params.public_key
    if "public_key" not in params.model_fields_set:
        private_key, public_key = (keys.generate() if params.type == "ssh"
                                   else keys.generate_x509(user))
    fingerprint = (keys.fingerprint(public_key) if params.type == "ssh"
                   else keys.x509_fingerprint(public_key))
    return private_key, public_key, fingerprint


@router.post("/os-keypairs", responses={201: {"model": KeypairCreatedBody}})  # 201 from 2.2
def create(body: KeypairCreateRequest, response: Response, cloud: CloudDep, caller: CallerDep,
           policy_engine: PolicyDep, version: ComputeVersion) -> KeypairCreatedBody:
    params = body.keypair
    for field, since in SINCE.items():
        if field in params.model_fields_set and version < since:
            raise InvalidInput(f"Additional properties are not allowed ('{field}' was unexpected)")
    check_generation_and_name(params, version)
    user = target_user(caller, policy_engine, "os_compute_api:os-keypairs:create",
                       params.user_id, version)
    if caller.project_id is None:
        raise Forbidden("Creating a keypair needs a project-scoped token (its quota counts it).")
    private_key, public_key, fingerprint = key_material(cloud.keys, params, user)
    # Counted on the requesting project's ledger: the project that asked for it pays for it.
    keypair = cloud.keypairs.import_key(caller.ctx, user, caller.project_id, params.name,
                                        public_key, fingerprint, params.type)
    row = {"name": keypair.name, "public_key": keypair.public_key, "user_id": keypair.user_id,
           "fingerprint": keypair.fingerprint, "type": keypair.type}
    result = keypair_body(row, CREATE_FIELDS, version)
    if private_key is not None:
        result["private_key"] = private_key  # shown this once; never stored nor evented
    response.status_code = 201 if version >= "2.2" else 200
    model = keypair_model(version, KeypairCreated, KeypairCreatedV22)
    return KeypairCreatedBody(keypair=model.model_validate(result))


@router.get("/os-keypairs", dependencies=[known_query("user_id", "limit", "marker")])
def index(request: Request, cloud: CloudDep, caller: CallerDep, policy_engine: PolicyDep,
          version: ComputeVersion, user_id: str | None = None,
          limit: Annotated[int | None, Query(ge=0)] = None,
          marker: str | None = None) -> KeypairList:
    user = target_user(caller, policy_engine, "os_compute_api:os-keypairs:index", user_id, version)
    paged = version >= "2.35"
    page = min(limit if limit is not None else MAX_LIMIT, MAX_LIMIT) if paged else None
    rows = KeypairViews(cloud.store).list(user, page, marker if paged else None)
    result: dict[str, Any] = {"keypairs": [{"keypair": listed(r, version)} for r in rows]}
    if page and len(rows) == page:
        query = {**request.query_params, "marker": rows[-1]["name"]}
        href = f"{cloud.settings.public_url}/compute/v2.1/os-keypairs?{urlencode(query)}"
        result["keypairs_links"] = [{"rel": "next", "href": href}]
    return KeypairList.model_validate(result)


@router.get("/os-keypairs/{name}", dependencies=[known_query("user_id")])
def show(name: str, cloud: CloudDep, caller: CallerDep, policy_engine: PolicyDep,
         version: ComputeVersion, user_id: str | None = None) -> KeypairShow:
    user = target_user(caller, policy_engine, "os_compute_api:os-keypairs:show", user_id, version)
    row = KeypairViews(cloud.store).get(user, name)
    if row is None:
        raise keypair_not_found(user, name)
    return KeypairShow(keypair=show_body(row, version))


@router.delete("/os-keypairs/{name}", status_code=204, dependencies=[known_query("user_id")],
                responses={202: {"description": "No body (before 2.2)"}})
def delete(name: str, cloud: CloudDep, caller: CallerDep, policy_engine: PolicyDep,
           version: ComputeVersion, user_id: str | None = None) -> Response:
    user = target_user(caller, policy_engine, "os_compute_api:os-keypairs:delete", user_id,
                       version)
    cloud.keypairs.delete(caller.ctx, user, name)
    return Response(status_code=204 if version >= "2.2" else 202)
