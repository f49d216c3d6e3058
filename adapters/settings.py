"""Settings, from environment variables only (documented in README.md)."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

from domain.app import DEFAULT_SNAPSHOT_INTERVAL
from domain.compute.scheduling.weighers import Weighted, default_weighers
from domain.network.config import NetworkConfig


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("var")
    bind: str = "127.0.0.1:8774"
    database_url: str = ""
    libvirt_uri: str = "test:///default"
    admin_password: str | None = None
    public_url: str = ""
    token_ttl: int = 3600
    policy_file: str | None = None
    region: str = "RegionOne"
    # Glance's image_size_cap: the largest image upload accepted, in bytes.
    image_size_cap: int = 10 * 1024**3
    # Nova's osapi_max_request_body_size: the largest request body (uploads aside), in bytes.
    max_request_body: int = 114688
    # Lower-cost password hashing for test suites only.
    fast_hashing: bool = False
    # Compute: this host's name and zone, Nova's allocation ratios and liveness timings.
    host: str = "localhost"
    availability_zone: str = "nova"
    cpu_ratio: float = 16.0
    ram_ratio: float = 1.5
    disk_ratio: float = 1.0
    report_interval: float = 10.0
    service_down_time: float = 60.0
    max_attempts: int = 3
    # Networking: segment type ("vlan" or "vxlan"), segmentation ids, tenant supernet carved into
    # one subnet per project network, and the external pool floating IPs come from.
    segment_type: str = "vlan"
    segmentation_range: str = "100:4094"
    tenant_supernet: str = "10.0.0.0/16"
    subnet_prefix: int = 24
    external_cidr: str = "203.0.113.0/24"
    physical_interface: str = "eth0"
    # The network namespace guests' bridges, segments, dnsmasq and NAT live in (None: this
    # process's own, the production case; tests run a whole "host" inside one).
    network_namespace: str | None = None
    # Weigher multipliers: positive RAM/CPU spread, negative pack (Nova's *_weight_multiplier).
    ram_weight_multiplier: float = 1.0
    cpu_weight_multiplier: float = 0.0
    instance_weight_multiplier: float = -0.001
    # Nova's host_subset_size: the first host a boot tries is drawn at random from the best N,
    # so concurrent boots spread over several hosts' ledgers (1: always the best one).
    scheduler_host_subset_size: int = 1
    # Run a compute worker for `libvirt_uri` inside `skyledger serve` (the embedded default).
    embedded_compute: bool = True
    # Volumes: the libvirt storage pool that holds this host's volumes (a dir pool at
    # `volume_pool_dir` is made when libvirt has no pool of that name; None: <data_dir>/volumes),
    # the libvirt URI it is reached through (None: `libvirt_uri`), and whether `skyledger serve`
    # runs the volume worker in-process.
    volume_pool: str = "skyledger-volumes"
    volume_pool_dir: Path | None = None
    volume_libvirt_uri: str | None = None
    embedded_volume: bool = True
    # Events between two snapshots of a host's or project's ledger (0: no snapshots).
    snapshot_interval: int = DEFAULT_SNAPSHOT_INTERVAL
    # Log lines: "text" (the default) or "json", one object per line with the request id.
    log_format: str = "text"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("SKYLEDGER_DATA_DIR", "var"))
        bind = env.get("SKYLEDGER_BIND", "127.0.0.1:8774")
        return cls(
            data_dir=data_dir,
            bind=bind,
            database_url=env.get("SKYLEDGER_DATABASE_URL")
            or f"sqlite:///{(data_dir / 'skyledger.sqlite').absolute()}",
            libvirt_uri=env.get("SKYLEDGER_LIBVIRT_URI", "test:///default"),
            admin_password=env.get("SKYLEDGER_ADMIN_PASSWORD") or None,
            public_url=(env.get("SKYLEDGER_PUBLIC_URL") or f"http://{bind}").rstrip("/"),
            token_ttl=int(env.get("SKYLEDGER_TOKEN_TTL", "3600")),
            policy_file=env.get("SKYLEDGER_POLICY_FILE") or None,
            region=env.get("SKYLEDGER_REGION", "RegionOne"),
            fast_hashing=env.get("SKYLEDGER_FAST_HASHING", "") == "1",
            image_size_cap=int(env.get("SKYLEDGER_IMAGE_SIZE_CAP", str(10 * 1024**3))),
            max_request_body=int(env.get("SKYLEDGER_MAX_REQUEST_BODY", "114688")),
            host=env.get("SKYLEDGER_HOST") or socket.gethostname(),
            availability_zone=env.get("SKYLEDGER_AVAILABILITY_ZONE", "nova"),
            cpu_ratio=float(env.get("SKYLEDGER_CPU_ALLOCATION_RATIO", "16.0")),
            ram_ratio=float(env.get("SKYLEDGER_RAM_ALLOCATION_RATIO", "1.5")),
            disk_ratio=float(env.get("SKYLEDGER_DISK_ALLOCATION_RATIO", "1.0")),
            report_interval=float(env.get("SKYLEDGER_REPORT_INTERVAL", "10")),
            service_down_time=float(env.get("SKYLEDGER_SERVICE_DOWN_TIME", "60")),
            max_attempts=int(env.get("SKYLEDGER_MAX_ATTEMPTS", "3")),
            segment_type=env.get("SKYLEDGER_SEGMENT_TYPE", "vlan"),
            segmentation_range=env.get("SKYLEDGER_SEGMENTATION_RANGE", "100:4094"),
            tenant_supernet=env.get("SKYLEDGER_TENANT_SUPERNET", "10.0.0.0/16"),
            subnet_prefix=int(env.get("SKYLEDGER_SUBNET_PREFIX", "24")),
            external_cidr=env.get("SKYLEDGER_EXTERNAL_CIDR", "203.0.113.0/24"),
            physical_interface=env.get("SKYLEDGER_PHYSICAL_INTERFACE", "eth0"),
            network_namespace=env.get("SKYLEDGER_NETWORK_NAMESPACE") or None,
            ram_weight_multiplier=float(env.get("SKYLEDGER_RAM_WEIGHT_MULTIPLIER", "1.0")),
            cpu_weight_multiplier=float(env.get("SKYLEDGER_CPU_WEIGHT_MULTIPLIER", "0.0")),
            instance_weight_multiplier=float(
                env.get("SKYLEDGER_INSTANCE_WEIGHT_MULTIPLIER", "-0.001")),
            scheduler_host_subset_size=max(
                1, int(env.get("SKYLEDGER_SCHEDULER_HOST_SUBSET_SIZE", "1"))),
            embedded_compute=env.get("SKYLEDGER_EMBEDDED_COMPUTE", "1") != "0",
            volume_pool=env.get("SKYLEDGER_VOLUME_POOL") or "skyledger-volumes",
            volume_pool_dir=Path(env["SKYLEDGER_VOLUME_POOL_DIR"])
            if env.get("SKYLEDGER_VOLUME_POOL_DIR") else None,
            volume_libvirt_uri=env.get("SKYLEDGER_VOLUME_LIBVIRT_URI") or None,
            embedded_volume=env.get("SKYLEDGER_EMBEDDED_VOLUME", "1") != "0",
            log_format=env.get("SKYLEDGER_LOG_FORMAT") or "text",
            snapshot_interval=max(0, int(env.get("SKYLEDGER_SNAPSHOT_INTERVAL",
                                                 str(DEFAULT_SNAPSHOT_INTERVAL)))),
        )

    def network_config(self) -> NetworkConfig:
        low, _, high = self.segmentation_range.partition(":")
        return NetworkConfig(segment_type=self.segment_type,
                             segmentation_ids=(int(low), int(high or low)),
                             tenant_supernet=self.tenant_supernet,
                             subnet_prefix=self.subnet_prefix, external_cidr=self.external_cidr)

    def weighers(self) -> list[Weighted]:
        return default_weighers(self.ram_weight_multiplier, self.cpu_weight_multiplier,
                                self.instance_weight_multiplier)

    @property
    def volume_pool_path(self) -> Path:
        return self.volume_pool_dir or self.data_dir / "volumes"

    @property
    def volume_uri(self) -> str:
        return self.volume_libvirt_uri or self.libvirt_uri

    @property
    def bind_host(self) -> str:
        return self.bind.rsplit(":", 1)[0]

    @property
    def port(self) -> int:
        return int(self.bind.rsplit(":", 1)[1])
