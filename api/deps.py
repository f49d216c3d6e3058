"""FastAPI dependencies: the composed cloud, the authenticated caller, policy checks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Protocol

from fastapi import Depends, Header, Request

from api.auth import Caller, caller_for
from api.policy import PolicyEngine
from domain.app import SkyLedger, written_up_to
from domain.backends import KeyMaker
from domain.catalog.import_filter import ImportFilter
from domain.identity.tokens import Tokens
from domain.services.compute.actions import ActionService
from domain.services.compute.aggregates import AggregateService
from domain.services.compute.boot import BootService
from domain.services.compute.groups import ServerGroupService
from domain.services.compute.hosts import HostService
from domain.services.compute.image_capture import SnapshotService
from domain.services.compute.interfaces import InterfaceService
from domain.services.compute.shelving import ShelvingService
from domain.services.flavors import FlavorService
from domain.services.identity.app_credentials import AppCredentialService
from domain.services.identity.catalog import CatalogService
from domain.services.identity.core import IdentityService
from domain.services.identity.credentials import CredentialService
from domain.services.identity.domain_configs import DomainConfigService
from domain.services.identity.domains import DomainService
from domain.services.identity.endpoint_groups import EndpointGroupService
from domain.services.identity.groups import GroupService
from domain.services.identity.inheritance import InheritedGrantService
from domain.services.identity.oauth import OAuthConsumerService
from domain.services.identity.passwords import PasswordService
from domain.services.identity.policies import PolicyBlobService
from domain.services.identity.trusts import TrustService
from domain.services.image_copies import ImageCopyService
from domain.services.image_data import ImageDataService
from domain.services.image_sharing import ImageSharingService
from domain.services.image_web_download import WebDownloadService
from domain.services.images import ImageFiles, ImageService, StagedBlob
from domain.services.keypairs import KeypairService
from domain.services.metadefs import MetadefService
from domain.services.network.agent_scheduling import AgentSchedulingService
from domain.services.network.agents import NetworkAgentService
from domain.services.network.floating import FloatingIpService
from domain.services.network.networks import NetworkService
from domain.services.network.ports import PortService
from domain.services.network.routers import RouterService
from domain.services.network.security_groups import SecurityGroupService
from domain.services.network.subnet_pools import PrefixPoolService
from domain.services.network.subnets import SubnetService
from domain.services.network.tags import TagService
from domain.services.quotas import QuotaService
from domain.services.storage.backups import BackupService
from domain.services.storage.group_snapshots import GroupSnapshotService
from domain.services.storage.group_types import GroupTypeService
from domain.services.storage.groups import VolumeGroupService
from domain.services.storage.hosts import StorageHosts
from domain.services.storage.metadata import StorageMetadata
from domain.services.storage.snapshots import VolumeSnapshotService
from domain.services.storage.transfers import TransferService
from domain.services.storage.types import VolumeTypeService
from domain.services.storage.volumes import VolumeService
from projections.capacity import HostCapacities
from projections.followers import Followers
from projections.store import ReadStore


class ApiSettings(Protocol):
    """The settings the API reads (adapters.settings.Settings has them)."""

    @property
    def public_url(self) -> str: ...

    @property
    def region(self) -> str: ...

    @property
    def image_size_cap(self) -> int: ...

    @property
    def max_request_body(self) -> int: ...

    def import_filter(self) -> ImportFilter: ...

    @property
    def service_down_time(self) -> float: ...

    @property
    def agent_down_time(self) -> float: ...

    @property
    def host_answer_timeout(self) -> float: ...

    @property
    def policy_file(self) -> str | None: ...

    @property
    def data_dir(self) -> Path: ...

    @property
    def token_cache(self) -> bool: ...


class ImageStore(ImageFiles, Protocol):
    """Image files: what uploads and deletions need, and reading one back."""

    def open(self, content_hash: str) -> BinaryIO: ...

    def stage_from(self, staged: StagedBlob) -> StagedBlob: ...


class ImageStores(Protocol):
    """Glance's enabled_backends, each an ImageStore (adapters/image_stores.py)."""

    default: str

    @property
    def multiple(self) -> bool: ...

    @property
    def ids(self) -> list[str]: ...

    def get(self, store_id: str) -> ImageStore: ...

    def all(self) -> Sequence[tuple[str, ImageStore]]: ...

    def listing(self, detail: bool = False) -> list[dict[str, Any]]: ...


@dataclass(kw_only=True)
class CloudServices:
    """What the API needs, as the composition root builds it (ops/bootstrap.py: its `Cloud`
    is this and what only the processes need). Declared once here: the API depends on it."""

    settings: ApiSettings
    app: SkyLedger
    store: ReadStore
    identity: IdentityService
    passwords: PasswordService
    domains: DomainService
    groups: GroupService
    inherited_grants: InheritedGrantService
    catalog: CatalogService
    app_credentials: AppCredentialService
    credentials: CredentialService
    trusts: TrustService
    policy_blobs: PolicyBlobService
    oauth_consumers: OAuthConsumerService
    endpoint_groups: EndpointGroupService
    domain_configs: DomainConfigService
    flavors: FlavorService
    images: ImageService
    image_data: ImageDataService
    image_copies: ImageCopyService
    web_downloads: WebDownloadService
    image_sharing: ImageSharingService
    metadefs: MetadefService
    keypairs: KeypairService
    quotas: QuotaService
    blobs: ImageStore
    image_stores: ImageStores
    tokens: Tokens
    keys: KeyMaker
    capacity: HostCapacities
    boots: BootService
    actions: ActionService
    snapshots: SnapshotService
    shelving: ShelvingService
    interfaces: InterfaceService
    hosts: HostService
    aggregates: AggregateService
    server_groups: ServerGroupService
    networks: NetworkService
    ports: PortService
    subnets: SubnetService
    subnet_pools: PrefixPoolService
    floating_ips: FloatingIpService
    security_groups: SecurityGroupService
    routers: RouterService
    network_agents: NetworkAgentService
    agent_scheduling: AgentSchedulingService
    tags: TagService
    volumes: VolumeService
    volume_types: VolumeTypeService
    group_types: GroupTypeService
    volume_groups: VolumeGroupService
    group_snapshots: GroupSnapshotService
    volume_snapshots: VolumeSnapshotService
    volume_backups: BackupService
    volume_transfers: TransferService
    volume_metadata: StorageMetadata
    volume_hosts: StorageHosts
    followers: Followers

    def sync_read_models(self) -> None:
        """Bring every read model, and its tracked position, up to the current head."""
        self.followers.sync()

    def catch_up_for_reads(self) -> None:
        """Read-your-writes after a command: wait until the follower thread has brought every
        read model up to the request's own last event, or without one the log's head
        (projections/followers.py, domain/app.py `written_up_to`)."""
        self.followers.read_your_writes(until=written_up_to())


def get_cloud(request: Request) -> CloudServices:
    return request.app.state.cloud  # type: ignore[no-any-return]


def get_policy(request: Request) -> PolicyEngine:
    return request.app.state.policy  # type: ignore[no-any-return]


def get_caller(
    request: Request,
    cloud: Annotated[CloudServices, Depends(get_cloud)],
    x_auth_token: Annotated[str | None, Header()] = None,
) -> Caller:
    caller = caller_for(cloud.app, cloud.tokens, x_auth_token, request.state.request_id,
                        request.app.state.token_cache)
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
