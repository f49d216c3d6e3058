"""Settings, from SKYLEDGER_* environment variables only (documented in README.md).

One pydantic-settings class: each field's default is stated once, here, and the variable it is
read from is `SKYLEDGER_` + the field's name unless its alias says otherwise. No other module
reads a SKYLEDGER_* variable. An empty variable counts as unset (its default applies).
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from domain.app import DEFAULT_SNAPSHOT_INTERVAL
from domain.catalog.import_filter import ImportFilter, normalized_host
from domain.compute.scheduling.weighers import Weighted, default_weighers
from domain.identity.security_compliance import SecurityCompliance
from domain.network.config import NetworkConfig


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SKYLEDGER_", env_ignore_empty=True,
                                      frozen=True, validate_by_name=True)

    data_dir: Path = Path("var")
    bind: str = "127.0.0.1:8774"
    # Unset: the SQLite file in data_dir (see _database_in_data_dir).
    database_url: str = ""
    # The longest wait for a pooled PostgreSQL connection, a new one included, in whole seconds
    # (adapters/pg_limits.py's POOL_TIMEOUT unless set): raise it for a host slow to connect.
    database_pool_timeout: int = Field(default=1, ge=1)
    # How a pool checks a PostgreSQL connection before lending it (adapters/pg_pool_check.py):
    # `socket`, a round trip only when the server spoke first, or `ping`, one every time.
    database_pool_check: Literal["socket", "ping"] = "socket"
    libvirt_uri: str = "test:///default"
    admin_password: str | None = Field(None, repr=False)
    # Unset: http://<bind> (see _public_url).
    public_url: str = ""
    # Unset: a random key kept in <data_dir>/token.key (adapters/tokens.py).
    token_key: str | None = Field(default=None, repr=False)
    token_ttl: int = 3600
    # Process managers while a LISTEN wakes them (domain/process/loop.py): look at the log's
    # head on every poll as before (true), or when woken and every 5 s (false).
    process_head_poll: bool = False
    # Keep token validations (api/token_cache.py), dropped by the log's events on what they
    # read; false: load the token's aggregates on every request.
    token_cache: bool = True
    policy_file: str | None = None
    region: str = "RegionOne"
    # Glance's image_size_cap: the largest image upload accepted, in bytes.
    image_size_cap: int = 10 * 1024**3
    # Glance's enabled_backends: more image stores beside `file` (<data dir>/images) as
    # `id:directory,...` (a relative directory is under the data dir), and the default one.
    image_stores: str = ""
    default_image_store: str = "file"
    # Glance's [import_filtering_opts] for web-download imports, comma-separated: a URI passes
    # when its scheme, host and port are each in the allowed list if one is set, else not in
    # the disallowed one. Hosts are names or IP addresses; empty lists are unset.
    import_allowed_schemes: str = "http,https"
    import_disallowed_schemes: str = ""
    import_allowed_hosts: str = ""
    import_disallowed_hosts: str = ""
    import_allowed_ports: str = "80,443"
    import_disallowed_ports: str = ""
    # Nova's osapi_max_request_body_size: the largest request body (uploads aside), in bytes.
    max_request_body: int = 114688
    # Lower-cost password hashing for test suites only.
    fast_hashing: bool = False
    # Keystone's [security_compliance]: failed logins that lock an account (0: never) and for
    # how many seconds; how many last passwords a user's own change must differ from (0: none).
    lockout_failure_attempts: int = Field(default=0, ge=0)
    lockout_duration: float = Field(default=1800.0, gt=0)
    unique_last_password_count: int = Field(default=0, ge=0)
    # Compute: this host's name and zone, Nova's allocation ratios and liveness timings.
    host: str = Field(default_factory=socket.gethostname)
    availability_zone: str = "nova"
    cpu_ratio: float = Field(default=16.0, validation_alias="SKYLEDGER_CPU_ALLOCATION_RATIO")
    ram_ratio: float = Field(default=1.5, validation_alias="SKYLEDGER_RAM_ALLOCATION_RATIO")
    disk_ratio: float = Field(default=1.0, validation_alias="SKYLEDGER_DISK_ALLOCATION_RATIO")
    report_interval: float = 10.0
    service_down_time: float = 60.0
    # Neutron's agent_down_time and allow_automatic_l3agent_failover: a router whose host's
    # network agent has not beaten for that long moves to a live one (domain/process/network/
    # l3_failover.py). On by default, unlike Neutron's: routers here are never HA.
    agent_down_time: float = Field(default=75.0, gt=0)
    allow_automatic_l3agent_failover: bool = True
    # How long the API waits for a host's worker to answer a synchronous read (server
    # diagnostics), as Nova's RPC calls wait rpc_response_timeout.
    host_answer_timeout: float = Field(default=30.0, gt=0)
    # Nova's reclaim_instance_interval: seconds a deleted server stays SOFT_DELETED (restorable)
    # before its host's worker deletes it for real; 0 (devstack's default) deletes at once.
    reclaim_instance_interval: float = Field(default=0.0, ge=0)
    # Live migration to this host: its libvirt as other hosts' libvirtd reach it (e.g.
    # qemu+tcp://HOST/system; None: it takes none) and the address a guest's memory streams to
    # (None: that URI's host).
    live_migration_uri: str | None = None
    live_migration_address: str | None = None
    # Nova's [libvirt] live_migration_bandwidth: MiB/s a live migration's copy may use (0: all).
    live_migration_bandwidth: int = 0
    max_attempts: int = 3
    # Nova's force_config_drive: every new server gets a config drive, asked for or not.
    force_config_drive: bool = False
    # Networking: segment type ("vlan" or "vxlan"), segmentation ids, tenant supernet carved into
    # one subnet per project network, and the external pool floating IPs come from.
    segment_type: str = "vlan"
    segmentation_range: str = "100:4094"
    tenant_supernet: str = "10.0.0.0/16"
    subnet_prefix: int = 24
    external_cidr: str = "203.0.113.0/24"
    physical_interface: str = "eth0"
    # Where the network agent binds floating IPs (None: it binds none).
    external_interface: str | None = None
    # The bridge on the public pool's wire that routers' gateways plug into (Neutron's br-ex;
    # None: routers run without a gateway leg), and how routers' namespaces are named.
    external_bridge: str | None = None
    router_namespace_prefix: str = "qrouter-"
    # The network namespace guests' bridges, segments, dnsmasq and NAT live in (None: this
    # process's own, the production case; tests run a whole "host" inside one).
    network_namespace: str | None = None
    # The network agent serves Nova's metadata to guests at 169.254.169.254:80 in that namespace
    # (the address on its `lo`): Nova's and Neutron's default of a metadata service that runs.
    metadata_service: bool = True
    # Weigher multipliers: positive RAM/CPU spread, negative pack (Nova's *_weight_multiplier).
    ram_weight_multiplier: float = 1.0
    cpu_weight_multiplier: float = 0.0
    instance_weight_multiplier: float = -0.001
    # Nova's host_subset_size: the first host a boot tries is drawn at random from the best N,
    # so concurrent boots spread over several hosts' ledgers (1: always the best one).
    scheduler_host_subset_size: Annotated[int, AfterValidator(lambda n: max(1, n))] = 1
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
    # Run this host's network agent inside `skyledger serve` (in `network_namespace` if set).
    # Off by default: the agent changes the host's interfaces, which an API server should not.
    embedded_network: bool = False
    # Events between two snapshots of a host's or project's ledger (0: no snapshots).
    snapshot_interval: Annotated[int, AfterValidator(lambda n: max(0, n))] = (
        DEFAULT_SNAPSHOT_INTERVAL)
    # Log lines: "text" (the default) or "json", one object per line with the request id.
    log_format: str = "text"
    # Not for operators: `skyledger serve --workers` hands its --log-level to the worker
    # processes (new interpreters) in this variable.
    serve_log_level: str = "info"
    # Test hook of `skyledger projections rebuild` (ops/commands/projections.py PAUSE_AT_VARIABLE).
    rebuild_pause_at: int | None = None
    # The PostgreSQL server benchmarks make their scratch schemas in (bench/, not the server).
    bench_pg: str | None = None

    @field_validator("database_url")
    @classmethod
    def _database_in_data_dir(cls, url: str, info: ValidationInfo) -> str:
        return url or f"sqlite:///{(Path(info.data['data_dir']) / 'skyledger.sqlite').absolute()}"

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, url: str, info: ValidationInfo) -> str:
        return (url or f"http://{info.data['bind']}").rstrip("/")

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Arguments, then the environment: no .env file or secrets directory is read.
        return init_settings, env_settings

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """The settings of `env` (default: this process's environment) with `overrides` on top,
        e.g. a command line's options."""
        if env is None:
            return cls(**overrides)
        sources = (InitSettingsSource(cls, overrides), GivenEnvironment(cls, env))
        # BaseSettings.__init__ takes the sources (mypy sees only the fields' __init__).
        return cls(_build_sources=(sources, overrides))  # type: ignore[call-arg]

    def security_compliance(self) -> SecurityCompliance:
        return SecurityCompliance(self.lockout_failure_attempts, self.lockout_duration,
                                  self.unique_last_password_count)

    def network_config(self) -> NetworkConfig:
        low, _, high = self.segmentation_range.partition(":")
        return NetworkConfig(segment_type=self.segment_type,
                             segmentation_ids=(int(low), int(high or low)),
                             tenant_supernet=self.tenant_supernet,
                             subnet_prefix=self.subnet_prefix, external_cidr=self.external_cidr)

    def import_filter(self) -> ImportFilter:
        def items(text: str) -> tuple[str, ...]:
            return tuple(item.strip() for item in text.split(",") if item.strip())

        def hosts(text: str) -> tuple[str, ...]:
            return tuple(normalized_host(host) or host for host in items(text))

        return ImportFilter(items(self.import_allowed_schemes),
                            items(self.import_disallowed_schemes),
                            hosts(self.import_allowed_hosts), hosts(self.import_disallowed_hosts),
                            tuple(int(p) for p in items(self.import_allowed_ports)),
                            tuple(int(p) for p in items(self.import_disallowed_ports)))

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


class GivenEnvironment(EnvSettingsSource):
    """The environment source, reading a given mapping instead of os.environ (a command that
    builds the environment of another process, tests)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self.environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {(k if self.case_sensitive else k.lower()): v for k, v in self.environ.items()
                if not (self.env_ignore_empty and v == "")}
