"""Keystone v3 `/auth/tokens`: issue (password or token method), validate, check, revoke."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Request, Response
from oslo_policy import policy

from api.app_credential_auth import authenticate_app_credential
from api.auth import validate
from api.bodies.identity import DEFAULT_DOMAIN, iso, key_only
from api.catalog import service_catalog
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.responses.identity import Catalog, TokenShow
from api.token_requests import AuthRequest, DomainRef, Identity, Scope
from api.trust_tokens import consume_trust, refuse_trust_rescope, trust_block
from domain.context import RequestContext
from domain.errors import InvalidInput, NotFound
from domain.identity.app_credential import ApplicationCredential
from domain.identity.changes import DEFAULT_DOMAIN_ID
from domain.identity.domain import Domain
from domain.identity.group import SYSTEM_SCOPE
from domain.identity.project import Project
from domain.identity.security_compliance import AccountLocked
from domain.identity.tokens import InvalidToken, TokenClaims
from domain.identity.user import InvalidCredentials, User
from domain.naming import claim_id
from domain.services.identity.core import held_roles
from domain.services.identity.domains import GLOBAL
from domain.services.identity.role_resolution import global_role_id

router = APIRouter(prefix="/identity/v3", tags=["identity"])

RULES = [
    policy.RuleDefault(
        "identity:validate_token", "rule:admin_api or user_id:%(target.token.user_id)s"
    ),
    policy.RuleDefault(
        "identity:revoke_token", "rule:admin_api or user_id:%(target.token.user_id)s"
    ),
]


def domain_id_of(cloud: CloudServices, ref: DomainRef | None) -> str:
    """The id of the domain a request names by id or by name (401 for an unknown name)."""
    if ref is None or ref.id == DEFAULT_DOMAIN_ID:
        return DEFAULT_DOMAIN_ID
    if ref.id:
        return ref.id
    if (ref.name or "").lower() == "default":
        return DEFAULT_DOMAIN_ID
    claim = cloud.app.find(claim_id("domain", GLOBAL, ref.name or ""))
    if claim is None or claim.owner_id is None:
        raise InvalidToken("The request you have made requires authentication.")
    return str(claim.owner_id.hex)


def domain_ref(cloud: CloudServices, domain_id: str) -> dict[str, str]:
    """`{"id", "name"}` of a domain, as token bodies name a user's and a project's domain."""
    if domain_id == DEFAULT_DOMAIN_ID:
        return dict(DEFAULT_DOMAIN)
    found = cloud.app.find(_uuid(domain_id))
    return {"id": domain_id, "name": found.name if isinstance(found, Domain) else domain_id}


def domain_enabled(cloud: CloudServices, domain_id: str) -> bool:
    if domain_id == DEFAULT_DOMAIN_ID:
        return True
    found = cloud.app.find(_uuid(domain_id))
    return isinstance(found, Domain) and not found.deleted and found.enabled


def authenticate(cloud: CloudServices, identity: Identity, request_id: str
                 ) -> tuple[User, tuple[str, ...], float | None]:
    """The user, the token's methods, and its expiry when it must end with the token it was
    got with (None: the usual lifetime)."""
    if "password" in identity.methods and identity.password is not None:
        ref = identity.password.user
        user_id = ref.id or (ref.name and user_named(cloud, ref.name,
                                                     domain_id_of(cloud, ref.domain)))
        if not user_id:
            raise InvalidToken("The request you have made requires authentication.")
        ctx = RequestContext(user_id=user_id, request_id=request_id)
        try:
            user = cloud.passwords.check(ctx, user_id, ref.password)
        except (InvalidCredentials, AccountLocked, NotFound):
            raise InvalidToken("The request you have made requires authentication.") from None
        if not user.enabled or not domain_enabled(cloud, user.domain_id):
            raise InvalidToken("The request you have made requires authentication.")
        return user, ("password",), None
    if "token" in identity.methods and identity.token is not None:
        try:
            claims, user, _ = validate(cloud.app, cloud.tokens, identity.token.id)
        except InvalidToken as error:
            # Keystone: a token that no longer validates is not found (404), not a 401.
            raise NotFound(f"Could not find token: {error}") from None
        if claims.app_cred_id is not None:
            # Keystone: a token of an application credential cannot be exchanged for another.
            raise InvalidToken("A token got with an application credential cannot be rescoped.")
        refuse_trust_rescope(claims)
        return user, tuple(dict.fromkeys([*claims.methods, "token"])), claims.expires_at
    raise InvalidToken("The request you have made requires authentication.")


def user_named(cloud: CloudServices, name: str, domain_id: str) -> str | None:
    claim = cloud.app.find(claim_id("user", domain_id, name))
    return claim.owner_id.hex if claim is not None and claim.owner_id is not None else None


def _uuid(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise InvalidToken("The request you have made requires authentication.") from None


def scoped_project(cloud: CloudServices, user: User, scope: Scope | str | None) -> Project | None:
    if scope is None or isinstance(scope, str) or scope.project is None:
        default = user.default_project_id
        if scope is None and default and held_roles(cloud.app, user, default):
            found = cloud.app.find(UUID(default))
            return found if isinstance(found, Project) and not found.deleted else None
        return None
    ref = scope.project
    project_uuid = _uuid(ref.id) if ref.id else None
    if project_uuid is None and ref.name:
        claim = cloud.app.find(claim_id("project", domain_id_of(cloud, ref.domain), ref.name))
        project_uuid = claim.owner_id if claim is not None else None
    project = cloud.app.find(project_uuid) if project_uuid else None
    if not isinstance(project, Project) or project.deleted or not project.enabled:
        raise InvalidToken("Could not find the requested project, or it is disabled.")
    if not held_roles(cloud.app, user, project.id.hex):
        raise InvalidToken(f"User {user.id.hex} has no access to project {project.id.hex}")
    return project


def system_scoped(cloud: CloudServices, user: User, scope: Scope | str | None) -> bool:
    """Whether the request asks for a system-scoped token; 401 if the user has no system role."""
    if not isinstance(scope, Scope) or scope.system is None:
        return False
    if not scope.system.all:
        raise InvalidToken("The request you have made requires authentication.")
    if not held_roles(cloud.app, user, SYSTEM_SCOPE):
        raise InvalidToken(f"User {user.id.hex} has no access to the system")
    return True


def token_body(
    cloud: CloudServices,
    claims: TokenClaims,
    user: User,
    project: Project | None,
    roles: tuple[str, ...],
    catalog: bool = True,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "methods": list(claims.methods),
        "user": {
            "id": user.id.hex,
            "name": user.name,
            "domain": domain_ref(cloud, user.domain_id),
            "password_expires_at": None,
        },
        "audit_ids": [claims.token_id[:22]],
        "issued_at": iso(claims.issued_at),
        "expires_at": iso(claims.expires_at),
    }
    if project is not None:
        body["project"] = {"id": project.id.hex, "name": project.name,
                           "domain": domain_ref(cloud, project.domain_id)}
        body["is_domain"] = False
        body["roles"] = [{"id": global_role_id(cloud.app, r), "name": r} for r in roles]
    elif claims.system:
        body["system"] = {"all": True}
        body["roles"] = [{"id": global_role_id(cloud.app, r), "name": r} for r in roles]
    if claims.trust_id is not None:
        body["OS-TRUST:trust"] = trust_block(cloud, claims.trust_id)
    if claims.app_cred_id is not None:
        credential = cloud.app.find(UUID(claims.app_cred_id))
        if isinstance(credential, ApplicationCredential):
            body["application_credential"] = {"id": claims.app_cred_id, "name": credential.name,
                                              "restricted": not credential.unrestricted}
    # Keystone gives an unscoped token no catalog; `?nocatalog` leaves it out of the others.
    if catalog and (project is not None or claims.system):
        body["catalog"] = service_catalog(cloud.store, cloud.settings.public_url,
                                          project.id.hex if project is not None else None)
    return {"token": body}


@router.post("/auth/tokens", status_code=201, response_model=TokenShow)
def issue_token(request: AuthRequest, http: Request, cloud: CloudDep, response: Response,
                nocatalog: str | None = None) -> dict[str, Any]:
    identity, credential, expires_at = request.auth.identity, None, None
    scope, trust = request.auth.scope, None
    if "application_credential" in identity.methods and identity.application_credential:
        user, credential = authenticate_app_credential(cloud, identity.application_credential)
        methods: tuple[str, ...] = ("application_credential",)
        system, project = False, cloud.app.find(UUID(credential.project_id))
    elif isinstance(scope, Scope) and scope.trust is not None:
        if scope.project is not None or scope.system is not None:
            raise InvalidInput("A token is scoped to one of a project, the system or a trust.")
        user, methods, expires_at = authenticate(cloud, identity, http.state.request_id)
        user, project, trust = consume_trust(cloud, user, scope.trust, http.state.request_id)
        system = False
    else:
        user, methods, expires_at = authenticate(cloud, identity, http.state.request_id)
        system = system_scoped(cloud, user, scope)
        project = None if system else scoped_project(cloud, user, scope)
    project_id = project.id.hex if project is not None else None
    token, claims = cloud.tokens.issue(user.id.hex, project_id, methods, system=system,
                                       app_cred_id=credential.id.hex if credential else None,
                                       expires_at=expires_at,
                                       trust_id=trust.id.hex if trust else None)
    try:
        _, _, roles = validate(cloud.app, cloud.tokens, token)
    except InvalidToken:
        raise InvalidToken("The request you have made requires authentication.") from None
    response.headers["X-Subject-Token"] = token
    return token_body(cloud, claims, user, project, roles, catalog=not key_only(nocatalog))


def subject(cloud: CloudServices, token: str | None) -> tuple[TokenClaims, User, tuple[str, ...]]:
    try:
        return validate(cloud.app, cloud.tokens, token)
    except InvalidToken as error:
        raise NotFound(f"Could not find token: {error}") from None


@router.get("/auth/tokens", response_model=TokenShow)
def validate_token(
    caller: CallerDep,
    cloud: CloudDep,
    policy: PolicyDep,
    response: Response,
    x_subject_token: Annotated[str | None, Header()] = None,
    nocatalog: str | None = None,
) -> dict[str, Any]:
    claims, user, roles = subject(cloud, x_subject_token)
    policy.enforce(
        "identity:validate_token", {"target.token.user_id": claims.user_id}, caller.creds
    )
    project = cloud.app.find(UUID(claims.project_id)) if claims.project_id else None
    response.headers["X-Subject-Token"] = x_subject_token or ""
    return token_body(cloud, claims, user, project, roles, catalog=not key_only(nocatalog))


@router.head("/auth/tokens", status_code=200)
def check_token(
    caller: CallerDep,
    cloud: CloudDep,
    policy: PolicyDep,
    x_subject_token: Annotated[str | None, Header()] = None,
) -> Response:
    claims, _, _ = subject(cloud, x_subject_token)
    policy.enforce(
        "identity:validate_token", {"target.token.user_id": claims.user_id}, caller.creds
    )
    return Response(status_code=200)


@router.delete("/auth/tokens", status_code=204)
def revoke_token(
    caller: CallerDep,
    cloud: CloudDep,
    policy: PolicyDep,
    x_subject_token: Annotated[str | None, Header()] = None,
) -> Response:
    claims, _, _ = subject(cloud, x_subject_token)
    policy.enforce("identity:revoke_token", {"target.token.user_id": claims.user_id}, caller.creds)
    cloud.identity.revoke_token(caller.ctx, claims.token_id, claims.user_id, iso(claims.expires_at))
    return Response(status_code=204)


@router.get("/auth/catalog", response_model=Catalog)
def catalog(caller: CallerDep, cloud: CloudDep) -> dict[str, Any]:
    return {
        "catalog": service_catalog(cloud.store, cloud.settings.public_url, caller.project_id),
        "links": {"self": f"{cloud.settings.public_url}/identity/v3/auth/catalog"},
    }
