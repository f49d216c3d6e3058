"""FastAPI dependencies: the composed cloud, the authenticated caller, policy checks."""

from __future__ import annotations

from typing import Annotated, Any, Protocol

from fastapi import Depends, Header, Request

from adapters.blobs import FileBlobStore
from adapters.settings import Settings
from adapters.tokens import TokenSigner
from api.auth import Caller, caller_for
from api.policy import PolicyEngine
from domain.app import SkyLedger
from domain.services.compute.actions import ActionService
from domain.services.compute.boot import BootService
from domain.services.compute.groups import ServerGroupService
from domain.services.compute.hosts import HostService
from domain.services.compute.snapshots import SnapshotService
from domain.services.flavors import FlavorService
from domain.services.identity import IdentityService
from domain.services.images import ImageService
from domain.services.keypairs import KeypairService
from domain.services.network.floating import FloatingIpService
from domain.services.network.networks import NetworkService
from domain.services.network.ports import PortService
from domain.services.quotas import QuotaService
from domain.services.storage.volumes import VolumeService
from projections.capacity import CapacityView
from projections.store import ReadStore


class CloudServices(Protocol):
    """What the API needs from the composition root (ops.bootstrap.Cloud provides it)."""

    settings: Settings
    app: SkyLedger
    store: ReadStore
    identity: IdentityService
    flavors: FlavorService
    images: ImageService
    keypairs: KeypairService
    quotas: QuotaService
    blobs: FileBlobStore
    tokens: TokenSigner
    capacity: CapacityView
    boots: BootService
    actions: ActionService
    snapshots: SnapshotService
    hosts: HostService
    server_groups: ServerGroupService
    networks: NetworkService
    ports: PortService
    floating_ips: FloatingIpService
    volumes: VolumeService

    def sync_read_models(self) -> None: ...

    def catch_up_for_reads(self) -> None: ...


def get_cloud(request: Request) -> CloudServices:
    return request.app.state.cloud  # type: ignore[no-any-return]


def get_policy(request: Request) -> PolicyEngine:
    return request.app.state.policy  # type: ignore[no-any-return]


def get_caller(
    request: Request,
    cloud: Annotated[CloudServices, Depends(get_cloud)],
    x_auth_token: Annotated[str | None, Header()] = None,
) -> Caller:
    caller = caller_for(cloud.app, cloud.tokens, x_auth_token, request.state.request_id)
    request.state.caller = caller
    return caller


CloudDep = Annotated[CloudServices, Depends(get_cloud)]
CallerDep = Annotated[Caller, Depends(get_caller)]
PolicyDep = Annotated[PolicyEngine, Depends(get_policy)]


class Authorize:
    """`Depends(Authorize("rule"))`: the caller, after checking the rule against its own project.

    Routes whose target is another object (a project in the path, an image's owner) call
    `policy.enforce(rule, target, caller.creds)` themselves with that target.
    """

    def __init__(self, rule: str) -> None:
        self.rule = rule

    def __call__(self, caller: CallerDep, policy: PolicyDep) -> Caller:
        target: dict[str, Any] = {"project_id": caller.project_id, "user_id": caller.user_id}
        policy.enforce(self.rule, target, caller.creds)
        return caller
