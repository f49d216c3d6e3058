"""The composition root: the one place that turns settings into adapters and services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from adapters import keys
from adapters.blobs import FileBlobStore
from adapters.passwords import Argon2Hasher
from adapters.persistence import Database
from adapters.settings import Settings
from adapters.tokens import TokenSigner, load_key
from domain.app import SkyLedger
from domain.compute.heartbeat import Liveness
from domain.ports import KeyMaker
from domain.services.compute.actions import ActionService
from domain.services.compute.boot import BootService
from domain.services.compute.groups import ServerGroupService
from domain.services.compute.hosts import HostService
from domain.services.compute.outcomes import OutcomeService
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
from projections.registry import all_projections
from projections.runner import Followers, ProjectionRunner, runner_for
from projections.store import ReadStore

if TYPE_CHECKING:
    from ops.compute_worker import ComputeHost
    from ops.volume_worker import VolumeHost


@dataclass
class Cloud:
    settings: Settings
    app: SkyLedger
    store: ReadStore
    runners: dict[str, ProjectionRunner]
    followers: Followers
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
    outcomes: OutcomeService
    hosts: HostService
    server_groups: ServerGroupService
    networks: NetworkService
    ports: PortService
    floating_ips: FloatingIpService
    volumes: VolumeService
    keys: KeyMaker = field(default=keys)  # the module's functions are the port's methods
    closed: bool = field(default=False)
    # The embedded compute worker, when `skyledger serve` runs one (start_embedded_compute).
    compute: ComputeHost | None = field(default=None)
    # The embedded volume worker, when `skyledger serve` runs one (start_embedded_volume).
    volume: VolumeHost | None = field(default=None)

    def sync_read_models(self) -> None:
        """Bring every read model, and its tracked position, up to the current head."""
        self.followers.sync()

    def catch_up_for_reads(self) -> None:
        """Read-your-writes after a command: wait until the follower thread has brought every
        read model up to the log's head (projections/followers.py)."""
        self.followers.read_your_writes()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self.compute is not None:
                self.compute.stop()  # first: it uses the app and the store closed below
            if self.volume is not None:
                self.volume.stop()
            self.followers.stop()
            self.store.close()
            self.app.close()


def start_embedded_compute(cloud: Cloud) -> ComputeHost | None:
    """Run a compute worker for settings.libvirt_uri (host settings.host) inside this process,
    when settings.embedded_compute; `cloud.close()` stops it."""
    if cloud.settings.embedded_compute and cloud.compute is None:
        from ops.compute_worker import embedded_compute

        cloud.compute = embedded_compute(cloud)
    return cloud.compute


def start_embedded_volume(cloud: Cloud) -> VolumeHost | None:
    """Run the volume worker of this host's pool inside this process, when
    settings.embedded_volume; `cloud.close()` stops it."""
    if cloud.settings.embedded_volume and cloud.volume is None:
        from ops.volume_worker import embedded_volume_worker

        cloud.volume = embedded_volume_worker(cloud)
    return cloud.volume


def build(settings: Settings, follow: bool = True) -> Cloud:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.database_url)
    app = SkyLedger(env=database.event_store_env(), snapshot_interval=settings.snapshot_interval)
    store = database.read_store()
    runners = {p.name: runner_for(app, store, p) for p in all_projections()}
    followers = Followers(list(runners.values()))
    network_config = settings.network_config()
    capacity = CapacityView(app, settings.weighers(), down_after=settings.service_down_time)
    actions = ActionService(app, capacity, Liveness(down_after=settings.service_down_time))
    cloud = Cloud(
        settings=settings,
        app=app,
        store=store,
        runners=runners,
        followers=followers,
        identity=IdentityService(app, Argon2Hasher(fast=settings.fast_hashing)),
        flavors=FlavorService(app),
        images=ImageService(app),
        keypairs=KeypairService(app),
        quotas=QuotaService(app),
        blobs=FileBlobStore(settings.data_dir / "images"),
        tokens=TokenSigner(load_key(settings.data_dir, settings.token_key),
                           ttl=settings.token_ttl),
        capacity=capacity,
        boots=BootService(app, capacity, max_attempts=settings.max_attempts,
                          network_config=network_config,
                          host_subset_size=settings.scheduler_host_subset_size),
        actions=actions,
        snapshots=SnapshotService(app, actions),
        outcomes=OutcomeService(app, capacity),
        hosts=HostService(app),
        server_groups=ServerGroupService(app),
        networks=NetworkService(app, network_config),
        ports=PortService(app),
        floating_ips=FloatingIpService(app, network_config),
        volumes=VolumeService(app, settings.availability_zone, host=settings.host),
    )
    if follow:
        followers.start()
    return cloud
