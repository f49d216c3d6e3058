"""Keystone v3 OS-TRUST: create, list (`?trustor_user_id`, `?trustee_user_id`), show and delete
trusts, and the roles a trust delegates."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.auth import Caller
from api.bodies.identity import V3, IdString, collection_links, role_body, self_url
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from domain.errors import Forbidden, InvalidInput, NotFound
from projections.identity import IdentityViews
from projections.store import Row
from projections.trusts import TrustViews

router = APIRouter(prefix="/identity/v3/OS-TRUST", tags=["identity: trusts"])

RULES = [
    policy.RuleDefault("identity:list_trusts", "rule:admin_api",
                       "All trusts, unfiltered (a trustor or trustee may list their own)"),
    policy.RuleDefault("identity:get_trust",
                       "rule:admin_api or user_id:%(target.trust.trustor_user_id)s"
                       " or user_id:%(target.trust.trustee_user_id)s"),
]


class RoleRef(BaseModel):
    id: str | None = None
    name: str | None = None


class TrustCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    trustor_user_id: IdString
    trustee_user_id: IdString
    project_id: IdString | None = None
    impersonation: StrictBool
    roles: list[RoleRef] = []
    expires_at: str | None = None
    remaining_uses: Annotated[int, Field(ge=1)] | None = None
    allow_redelegation: StrictBool = False


class TrustCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    trust: TrustCreate


def parse_expiry(value: str | None) -> str | None:
    """Keystone's form for an expiry: UTC with microseconds and a Z; 400 for anything else."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"Invalid expires_at {value!r}: not an ISO 8601 time.") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def role_ids(cloud: CloudServices, refs: list[RoleRef]) -> list[str]:
    views, ids = IdentityViews(cloud.store), []
    for ref in refs:
        row = views.role(ref.id) if ref.id else views.role_named(ref.name or "")
        if row is None:
            raise NotFound(f"Could not find role: {ref.id or ref.name}.")
        ids.append(row["id"])
    return ids


def trust_body(cloud: CloudServices, row: Row) -> dict[str, Any]:
    base, views = cloud.settings.public_url, IdentityViews(cloud.store)
    roles = [views.role(ref) for ref in row["roles"]]
    url = f"{base}{V3}/OS-TRUST/trusts/{row['id']}"
    expires = row.get("expires_at")
    return {"id": row["id"], "trustor_user_id": row["trustor_user_id"],
            "trustee_user_id": row["trustee_user_id"], "project_id": row.get("project_id"),
            "impersonation": bool(row["impersonation"]),
            "expires_at": f"{expires}Z" if expires else None,
            "remaining_uses": row.get("remaining_uses"),
            "allow_redelegation": bool(row["allow_redelegation"]), "redelegation_count": 0,
            "roles": [role_body(r, base) for r in roles if r is not None],
            "roles_links": {"self": f"{url}/roles", "previous": None, "next": None},
            "links": {"self": url}}


def visible_trust(cloud: CloudServices, trust_id: str, caller: Caller, policy: Any) -> Row:
    row = TrustViews(cloud.store).trust(trust_id)
    if row is None:
        raise NotFound(f"Could not find trust: {trust_id}.")
    policy.enforce("identity:get_trust", {"target.trust.trustor_user_id": row["trustor_user_id"],
                                          "target.trust.trustee_user_id": row["trustee_user_id"]},
                   caller.creds)
    return row


@router.post("/trusts", status_code=201)
def create_trust(body: TrustCreateRequest, cloud: CloudDep, caller: CallerDep) -> dict[str, Any]:
    t = body.trust
    if caller.claims.app_cred_id is not None:
        raise Forbidden("An application credential's token cannot create a trust.")
    if caller.claims.trust_id is not None:
        # Keystone redelegates when the trust allows it; skyledger does not redelegate yet.
        raise Forbidden("A trust-scoped token cannot create a trust: redelegation is not "
                        "supported.")
    trust = cloud.trusts.create(
        caller.ctx, t.trustor_user_id, t.trustee_user_id, t.project_id,
        role_ids(cloud, t.roles), t.impersonation, parse_expiry(t.expires_at),
        t.remaining_uses, t.allow_redelegation)
    row = {"id": trust.id.hex, **{k: getattr(trust, k) for k in (
        "trustor_user_id", "trustee_user_id", "project_id", "roles", "impersonation",
        "expires_at", "remaining_uses", "allow_redelegation")}}
    return {"trust": trust_body(cloud, row)}


@router.get("/trusts")
@router.get("/trusts/", include_in_schema=False)  # Tempest lists with the trailing slash
def list_trusts(request: Request, cloud: CloudDep, caller: CallerDep, policy: PolicyDep,
                trustor_user_id: str | None = None,
                trustee_user_id: str | None = None) -> dict[str, Any]:
    mine = caller.user_id in (trustor_user_id, trustee_user_id)
    if not mine:
        policy.enforce("identity:list_trusts", {}, caller.creds)
    rows = TrustViews(cloud.store).trusts(trustor_user_id, trustee_user_id)
    summaries = []
    for row in rows:
        body = trust_body(cloud, row)
        body.pop("roles")  # Keystone lists trusts without their roles
        summaries.append(body)
    return {"trusts": summaries,
            "links": collection_links(self_url(request, cloud.settings.public_url))}


@router.get("/trusts/{trust_id}")
def show_trust(trust_id: str, cloud: CloudDep, caller: CallerDep,
               policy: PolicyDep) -> dict[str, Any]:
    return {"trust": trust_body(cloud, visible_trust(cloud, trust_id, caller, policy))}


@router.delete("/trusts/{trust_id}", status_code=204)
def delete_trust(trust_id: str, cloud: CloudDep, caller: CallerDep,
                 policy: PolicyDep) -> Response:
    cloud.trusts.delete(caller.ctx, trust_id,
                        is_admin=policy.allowed("identity:list_trusts", {}, caller.creds))
    return Response(status_code=204)


@router.get("/trusts/{trust_id}/roles")
def list_trust_roles(trust_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
                     policy: PolicyDep) -> dict[str, Any]:
    body = trust_body(cloud, visible_trust(cloud, trust_id, caller, policy))
    return {"roles": body["roles"],
            "links": collection_links(self_url(request, cloud.settings.public_url))}


@router.head("/trusts/{trust_id}/roles/{role_id}", status_code=200)
@router.get("/trusts/{trust_id}/roles/{role_id}")
def show_trust_role(trust_id: str, role_id: str, cloud: CloudDep, caller: CallerDep,
                    policy: PolicyDep) -> dict[str, Any]:
    body = trust_body(cloud, visible_trust(cloud, trust_id, caller, policy))
    for role in body["roles"]:
        if role["id"] == role_id:
            return {"role": role}
    raise NotFound(f"Role {role_id} is not delegated by trust {trust_id}.")
