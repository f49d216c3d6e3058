"""The composition root: the one place that turns settings into adapters, services and running
roles (the API's services, a compute worker, a volume worker, a network agent), in any set, and
closes all of it through one `contextlib.ExitStack`.

`skyledger serve` composes the API's `Cloud` and, in the same composition, the embedded compute
and volume workers, which then share its event store, read store, capacity view and image files.
`skyledger compute`, `volume` and `network-agent` each compose one worker role of their own.
What a running worker is (its threads, its host lock) is ops/roles/compute.py,
ops/roles/storage.py and ops/roles/network.py; which adapters it runs on is decided here only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from adapters import keys
from adapters.blobs import FileBlobStore
from adapters.format_inspector import OsloFormatInspector
from adapters.hypervisor.libvirt_driver import LibvirtHypervisor
from adapters.image_stores import HostImageFiles, ImageStores, parse_stores
from adapters.network.vifs import PyrouteVifPlugger
from adapters.notify import woken_by_notify
from adapters.passwords import Argon2Hasher
from adapters.persistence import Database
from adapters.positions import ProcessPositions
from adapters.secret_box import FernetBox
from adapters.settings import Settings
from adapters.storage.backup_files import FileBackupStore
from adapters.storage.lazy_pool import PoolOnFirstUse
from adapters.storage.libvirt_volumes import LibvirtVolumeBackend
from adapters.tokens import TokenSigner, load_key
from api.deps import CloudServices
from domain.app import SkyLedger
from domain.compute.heartbeat import Liveness as HostLiveness
from domain.process.backends import ImageFiles, VifPlugger
from domain.process.compute.config import WorkerConfig
from domain.process.compute.drift import DriftService
from domain.process.compute.liveness import Liveness
from domain.process.compute.worker import ComputeWorker
from domain.process.network.agent import NetworkAgentConfig
from domain.process.network.l3_failover import L3Failover
from domain.process.network.liveness import AgentLiveness
from domain.process.network.router_plans import ExternalSide
from domain.process.storage.worker import VolumeWorker, VolumeWorkerConfig
from domain.services.compute.actions import ActionService
from domain.services.compute.aggregates import AggregateService
from domain.services.compute.boot import BootService
from domain.services.compute.consoles import ConsoleService
from domain.services.compute.groups import ServerGroupService
from domain.services.compute.hosts import HostService
from domain.services.compute.image_capture import SnapshotService
from domain.services.compute.interfaces import InterfaceService
from domain.services.compute.outcomes import OutcomeService
from domain.services.compute.placement import HostChooser
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
from domain.services.images import ImageService
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
from domain.services.storage.outcomes import VolumeOutcomes
from domain.services.storage.snapshots import VolumeSnapshotService
from domain.services.storage.transfers import TransferService
from domain.services.storage.types import VolumeTypeService
from domain.services.storage.volumes import VolumeService
from domain.storage.backends import BackupStore, RootVolumeBackend
from ops.roles.compute import ComputeHost, host_config, lock_host
from ops.roles.image_import import ImageImportHost
from ops.roles.network import NetworkAgentHost, dhcp_dir_for
from ops.roles.network_assembly import agent_adapters, assemble_agent, start_metadata_service
from ops.roles.pacing import paced
from ops.roles.storage import (
    VolumeHost,
    lock_dir_for,
    lock_volume_host,
    volume_config,
)
from projections.capacity import HostCapacities
from projections.followers import Followers
from projections.registry import all_projections
from projections.runner import ProjectionRunner, runner_for
from projections.store import ReadStore

log = logging.getLogger(__name__)

Closeable = TypeVar("Closeable")


@dataclass(kw_only=True)
class Cloud(CloudServices):
    """The API's services (api/deps.py) and what only the processes need of them."""

    settings: Settings
    blobs: FileBlobStore
    image_stores: ImageStores
    runners: dict[str, ProjectionRunner]
    outcomes: OutcomeService
    roles: Composition
    # The embedded workers, when `skyledger serve` runs them (ops/embedded.py).
    compute: ComputeHost | None = field(default=None)
    volume: VolumeHost | None = field(default=None)
    image_import: ImageImportHost | None = field(default=None)

    def close(self) -> None:
        """Stop the embedded workers, then the followers, then close the stores."""
        self.roles.close()


class Composition:
    """Roles built from one settings object, sharing what they can, closed by one ExitStack
    (last opened, first closed: a worker stops before the stores it uses close)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.stack = ExitStack()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.stack.close()

    def _closing(self, thing: Closeable, close: Callable[[], object]) -> Closeable:
        self.stack.callback(close)
        return thing

    # -- shared by every role --------------------------------------------------------------------
    @cached_property
    def database(self) -> Database:
        return Database(self.settings.database_url, self.settings.database_pool_timeout,
                        self.settings.database_pool_check)

    @cached_property
    def app(self) -> SkyLedger:
        app = SkyLedger(env=self.database.event_store_env(),
                        snapshot_interval=self.settings.snapshot_interval)
        return self._closing(app, app.close)

    @cached_property
    def store(self) -> ReadStore:
        self.app  # noqa: B018 - opened first, so that it closes last
        store = self.database.read_store()
        return self._closing(store, store.close)

    @cached_property
    def blobs(self) -> FileBlobStore:
        return FileBlobStore(self.settings.data_dir / "images")

    @cached_property
    def image_stores(self) -> ImageStores:
        dirs = parse_stores(self.settings.image_stores, self.settings.data_dir)
        return ImageStores(self.blobs, dirs, self.settings.default_image_store)

    @cached_property
    def host_images(self) -> HostImageFiles:
        """Where compute and storage hosts read images: any store holding the file."""
        return self.image_stores.reader()

    @cached_property
    def capacity(self) -> HostCapacities:
        return HostCapacities(self.app, self.settings.weighers(),
                            down_after=self.settings.service_down_time)

    # -- the API ---------------------------------------------------------------------------------
    def cloud(self, follow: bool = True) -> Cloud:
        settings = self.settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        app, store = self.app, self.store
        runners = {p.name: runner_for(app, store, p) for p in all_projections()}
        followers = woken_by_notify(Followers(list(runners.values())))
        self.stack.callback(followers.stop)
        token_key = load_key(settings.data_dir, settings.token_key)
        tokens = TokenSigner(token_key, ttl=settings.token_ttl)
        capacity, network_config = self.capacity, settings.network_config()
        actions = ActionService(app, capacity,
                                HostLiveness(down_after=settings.service_down_time),
                                reclaim_interval=settings.reclaim_instance_interval)
        boots = BootService(app, capacity, max_attempts=settings.max_attempts,
                            network_config=network_config,
                            host_subset_size=settings.scheduler_host_subset_size,
                            force_config_drive=settings.force_config_drive)
        hasher = Argon2Hasher(fast=settings.fast_hashing)
        identity = IdentityService(app, hasher)
        images, groups = ImageService(app), GroupService(app, identity)
        volumes = VolumeService(app, settings.availability_zone, host=settings.host)
        cloud = Cloud(
            settings=settings, app=app, store=store, runners=runners, followers=followers,
            identity=identity, domains=DomainService(app), groups=groups,
            passwords=PasswordService(app, identity, hasher, settings.security_compliance()),
            inherited_grants=InheritedGrantService(app, identity, groups),
            catalog=CatalogService(app), app_credentials=AppCredentialService(app, identity),
            credentials=CredentialService(app, identity, FernetBox(token_key)),
            trusts=TrustService(app, identity), policy_blobs=PolicyBlobService(app),
            oauth_consumers=OAuthConsumerService(app),
            endpoint_groups=EndpointGroupService(app),
            domain_configs=DomainConfigService(app, identity),
            flavors=FlavorService(app), images=images, keypairs=KeypairService(app),
            image_data=ImageDataService(app, images, OsloFormatInspector()),
            image_copies=ImageCopyService(app, images),
            web_downloads=WebDownloadService(app, images, OsloFormatInspector()),
            image_sharing=ImageSharingService(app, images), metadefs=MetadefService(app),
            quotas=QuotaService(app), blobs=self.blobs, image_stores=self.image_stores,
            tokens=tokens, capacity=capacity,
            boots=boots, interfaces=InterfaceService(app, actions, boots, network_config),
            actions=actions, snapshots=SnapshotService(app, actions),
            shelving=ShelvingService(app, actions, capacity),
            outcomes=OutcomeService(app, capacity), hosts=HostService(app),
            aggregates=AggregateService(app),
            server_groups=ServerGroupService(app), networks=NetworkService(app, network_config),
            ports=PortService(app, network_config), subnets=SubnetService(app, network_config),
            subnet_pools=PrefixPoolService(app),
            floating_ips=FloatingIpService(app, network_config),
            security_groups=SecurityGroupService(app),
            routers=RouterService(app, network_config), tags=TagService(app),
            network_agents=NetworkAgentService(app),
            agent_scheduling=AgentSchedulingService(app),
            volumes=volumes, volume_groups=VolumeGroupService(app, volumes),
            group_snapshots=GroupSnapshotService(app),
            volume_types=VolumeTypeService(app), group_types=GroupTypeService(app),
            volume_hosts=StorageHosts(app),
            volume_snapshots=VolumeSnapshotService(app),
            volume_backups=BackupService(app, settings.availability_zone),
            volume_transfers=TransferService(app), volume_metadata=StorageMetadata(app),
            keys=keys, roles=self)  # the keys module's functions are the KeyMaker port's
        if follow:
            followers.start()
        return cloud

    # -- worker roles (not started) --------------------------------------------------------------
    def compute(self, host: str | None = None, uri: str | None = None,
                state_dir: Path | None = None, **overrides: Any) -> ComputeHost:
        """A compute worker for `host` on the hypervisor at `uri` (default: the settings')."""
        settings = self.settings
        config, state_dir = host_config(settings, host, state_dir, **overrides)
        uri = uri or settings.libvirt_uri
        with ExitStack() as resources:
            resources.enter_context(lock_host(state_dir))  # before anything else is opened
            hypervisor = resources.enter_context(closing(LibvirtHypervisor(
                uri, state_dir, migration_bandwidth=settings.live_migration_bandwidth)))
            vifs = vif_plugger(settings, uri)
            if vifs is not None:
                resources.callback(vifs.close)
            volumes = resources.enter_context(closing(volume_backend(settings, uri)))
            worker, liveness = assemble_compute(self.app, self.store, self.capacity,
                                                self.host_images, hypervisor, config, vifs,
                                                volumes)
            paced(worker, settings)
            compute = ComputeHost(worker, liveness, resources.pop_all())
        self.stack.callback(compute.stop)
        return compute

    def volume(self, host: str | None = None, uri: str | None = None, pool: str | None = None,
               pool_dir: Path | None = None, **overrides: Any) -> VolumeHost:
        """The volume worker of storage host `host`, on its libvirt storage pool."""
        settings = self.settings
        config = volume_config(settings, host, backend=pool, **overrides)
        with ExitStack() as resources:
            resources.enter_context(lock_volume_host(lock_dir_for(settings, config.host)))
            backend = resources.enter_context(closing(LibvirtVolumeBackend(
                uri or settings.volume_uri, pool or settings.volume_pool,
                pool_dir or settings.volume_pool_path)))
            outcomes = VolumeService(self.app, settings.availability_zone, host=config.host)
            # Backups are files named by their id (Cinder's posix driver) under the data dir.
            backups = FileBackupStore(settings.data_dir / "backups")
            worker = paced(assemble_volume(self.app, self.store, self.host_images, backend, config,
                                           outcomes, backups), settings)
            volume = VolumeHost(worker, resources.pop_all())
        self.stack.callback(volume.stop)
        return volume

    def network_agent(self, host: str | None = None, netns: str | None = None,
                      external_interface: str | None = None,
                      **overrides: Any) -> NetworkAgentHost:
        """The network agent of `host`, acting in network namespace `netns` (default: the
        settings'; unset: this process's own), binding floating addresses on
        `external_interface` (default: the settings'; unset: NAT rules only)."""
        settings = self.settings
        config = NetworkAgentConfig(host=host or settings.host, **overrides)
        external = external_interface or settings.external_interface
        with ExitStack() as resources:
            external_side = None if settings.external_bridge is None else ExternalSide(
                settings.external_bridge, settings.network_config().external)
            adapters = agent_adapters(settings.segment_type, settings.physical_interface,
                                      dhcp_dir_for(settings, config.host),
                                      netns or settings.network_namespace, external,
                                      settings.router_namespace_prefix, external_side)
            resources.callback(adapters.network.close)
            if settings.metadata_service:
                resources.callback(start_metadata_service(
                    self.app, config.host, settings.availability_zone,
                    netns or settings.network_namespace))
            agent = paced(assemble_agent(self.app, self.store, adapters, config), settings)
            liveness = AgentLiveness(NetworkAgentService(self.app), config.host, {
                "segment_type": settings.segment_type,
                "physical_interface": settings.physical_interface,
                "external_interface": external})
            failover = None if not settings.allow_automatic_l3agent_failover else L3Failover(
                self.app, config.host, timedelta(seconds=settings.agent_down_time),
                lambda: datetime.now(UTC))
            running = NetworkAgentHost(agent, resources.pop_all(), liveness=liveness,
                                       failover=failover)
        self.stack.callback(running.stop)
        return running


def build(settings: Settings, follow: bool = True) -> Cloud:
    """The API's services in a composition of their own; `cloud.close()` closes it."""
    roles = Composition(settings)
    try:
        return roles.cloud(follow)
    except BaseException:
        roles.close()
        raise


# -- the adapters of each worker role ------------------------------------------------------------
def volume_backend(settings: Settings, uri: str) -> PoolOnFirstUse:
    """The storage pool where this host makes the root volumes of volume-backed servers: the
    pool the volume worker uses (SKYLEDGER_VOLUME_POOL), on the worker's own libvirt unless
    SKYLEDGER_VOLUME_LIBVIRT_URI names another; opened on the first such spawn (a pool that
    cannot be opened fails that spawn, which is rescheduled elsewhere)."""
    return PoolOnFirstUse(settings.volume_libvirt_uri or uri, settings.volume_pool,
                          settings.volume_pool_path)


def vif_plugger(settings: Settings, uri: str) -> PyrouteVifPlugger | None:
    """Bridges for guest NICs, made in the namespace the hypervisor's guests live in; none for
    libvirt's test driver, whose guests have no host side."""
    if uri.startswith("test:"):
        return None
    return PyrouteVifPlugger(settings.network_namespace)


def assemble_compute(app: SkyLedger, store: ReadStore, chooser: HostChooser,
                     blobs: ImageFiles, hypervisor: LibvirtHypervisor, config: WorkerConfig,
                     vifs: VifPlugger | None = None,
                     volumes: RootVolumeBackend | None = None) -> tuple[ComputeWorker, Liveness]:
    outcomes = OutcomeService(app, chooser)
    worker = ComputeWorker(app, hypervisor, outcomes, ProcessPositions(store), ConsoleService(app),
                           blobs, DriftService(app), config, vifs=vifs, volumes=volumes)
    return woken_by_notify(worker), Liveness(HostService(app), hypervisor, config)


def assemble_volume(app: SkyLedger, store: ReadStore, blobs: ImageFiles,
                    backend: LibvirtVolumeBackend, config: VolumeWorkerConfig,
                    outcomes: VolumeOutcomes, backups: BackupStore | None = None
                    ) -> VolumeWorker:
    return woken_by_notify(VolumeWorker(app, backend, outcomes, ProcessPositions(store), blobs,
                                        config, backups=backups))
