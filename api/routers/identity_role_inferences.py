"""Keystone v3 role inferences: `/roles/{prior}/implies[/{implied}]` and `/role_inferences`,
beside the built-in admin => member => reader chain. A domain-specific role may imply roles of
any domain or global ones; a global role implies no domain-specific one (403)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from oslo_policy import policy

from api.auth import Caller
from api.bodies.identity import role_ref, self_url
from api.deps import Authorize, CloudDep, CloudServices
from api.routers.identity_roles import existing_role
from domain.errors import NotFound
from projections.identity import IdentityViews

router = APIRouter(prefix="/identity/v3", tags=["identity: role inferences"])

RULES = [
    policy.RuleDefault("identity:list_implied_roles", "rule:admin_api"),
    policy.RuleDefault("identity:create_implied_role", "rule:admin_api"),
]

ImpliedLister = Annotated[Caller, Depends(Authorize("identity:list_implied_roles"))]
Inferrer = Annotated[Caller, Depends(Authorize("identity:create_implied_role"))]


@router.get("/roles/{prior_role_id}/implies")
def implied_roles(prior_role_id: str, request: Request, cloud: CloudDep,
                  caller: ImpliedLister) -> dict[str, Any]:
    base, views = cloud.settings.public_url, IdentityViews(cloud.store)
    prior = existing_role(cloud, prior_role_id)
    implied = [views.role(ref) for ref in views.inferences().get(prior["id"], ())]
    return {"role_inference": {"prior_role": role_ref(prior, base),
                               "implies": [role_ref(r, base) for r in implied if r]},
            "links": {"self": self_url(request, base)}}


@router.get("/role_inferences")
def role_inferences(request: Request, cloud: CloudDep, caller: ImpliedLister) -> dict[str, Any]:
    base, views = cloud.settings.public_url, IdentityViews(cloud.store)
    rules = []
    for prior_id, implied_ids in sorted(views.inferences().items()):
        prior = views.role(prior_id)
        implied = [views.role(ref) for ref in implied_ids]
        if prior is not None and implied:
            rules.append({"prior_role": role_ref(prior, base),
                          "implies": [role_ref(r, base) for r in implied if r]})
    return {"role_inferences": rules, "links": {"self": self_url(request, base)}}


def inference(cloud: CloudServices, prior_role_id: str, implied_role_id: str,
              must_exist: bool = True) -> dict[str, Any]:
    base, views = cloud.settings.public_url, IdentityViews(cloud.store)
    prior, implied = existing_role(cloud, prior_role_id), existing_role(cloud, implied_role_id)
    if must_exist and implied["id"] not in views.inferences().get(prior["id"], ()):
        raise NotFound(f"Could not find role inference rule: {prior_role_id} implies "
                       f"{implied_role_id}.")
    url = f"{base}/identity/v3/roles/{prior_role_id}/implies/{implied_role_id}"
    return {"role_inference": {"prior_role": role_ref(prior, base),
                               "implies": role_ref(implied, base)}, "links": {"self": url}}


INFERENCE = "/roles/{prior_role_id}/implies/{implied_role_id}"


@router.put(INFERENCE, status_code=201)
def create_inference(prior_role_id: str, implied_role_id: str, cloud: CloudDep,
                     caller: Inferrer) -> dict[str, Any]:
    cloud.identity.imply(caller.ctx, prior_role_id, implied_role_id)
    return inference(cloud, prior_role_id, implied_role_id, must_exist=False)


@router.get(INFERENCE)
def show_inference(prior_role_id: str, implied_role_id: str, cloud: CloudDep,
                   caller: ImpliedLister) -> dict[str, Any]:
    return inference(cloud, prior_role_id, implied_role_id)


@router.head(INFERENCE, status_code=204)
def check_inference(prior_role_id: str, implied_role_id: str, cloud: CloudDep,
                    caller: ImpliedLister) -> Response:
    inference(cloud, prior_role_id, implied_role_id)
    return Response(status_code=204)


@router.delete(INFERENCE, status_code=204)
def delete_inference(prior_role_id: str, implied_role_id: str, cloud: CloudDep,
                     caller: Inferrer) -> Response:
    cloud.identity.stop_implying(caller.ctx, prior_role_id, implied_role_id)
    return Response(status_code=204)
