"""A small cloud of compute hosts for tests: one event store, a worker per host, each host a
libvirt test-driver node file of its own size (real libvirt, no daemon).

A host's hypervisor connection outlives its worker: a test:///node.xml holds its guests in the
connection, so keeping it open is what "the host keeps running while its worker is down" means.
Tests drive BootService/ActionService directly and wait on recorded state, never on sleeps.
`VolumeFleet`'s workers also make root volumes in a storage pool, and `start_worker` runs a host's
worker as an OS process (`skyledger compute`) instead of a thread. The `fleet` fixture is
tests/integration/conftest.py's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from uuid import UUID

from adapters.hypervisor.libvirt_driver import LibvirtHypervisor
from adapters.storage.libvirt_volumes import LibvirtVolumeBackend
from domain.compute.backends import GuestState, KernelBoot
from domain.compute.instance import Instance
from domain.compute.node import ComputeNode, node_id
from domain.compute.states import VmState
from domain.context import RequestContext
from domain.process.backends import ImageFiles
from domain.process.compute.config import WorkerConfig
from domain.quota.ledger import ledger_id
from domain.services.compute.boot import BootRequest
from ops.bootstrap import Cloud
from ops.bootstrap import assemble_compute as assemble
from ops.roles.compute import ComputeHost
from projections.console_logs import ConsoleLog, ConsoleLogViews
from tests.support.disk_images import fake_qcow2
from tests.support.hypervisor import HV_NETNS, REPO, write_node_file
from tests.support.waiting import wait_for

ADMIN = RequestContext(user_id="admin-user", project_id="p-admin", roles=("admin", "member"))
USER = RequestContext(user_id="u1", project_id="p1", roles=("member", "reader"))


@dataclass
class Host:
    name: str
    hypervisor: LibvirtHypervisor
    blobs: ImageFiles  # where its worker reads images: any store holding the file
    config: WorkerConfig
    state_dir: Path
    compute: ComputeHost | None = None

    def guests(self) -> dict[UUID, GuestState]:
        return self.hypervisor.list_guests()

    def console_file(self, instance_id: UUID) -> Path:
        """Where the adapter points a guest's serial console (the test driver never writes)."""
        return self.state_dir / str(instance_id) / "console.log"


class Consoles:
    """The console read model, brought up to the log's head before each read: a fleet's cloud
    runs no followers."""

    def __init__(self, cloud: Cloud) -> None:
        self.runner = cloud.runners["console_logs"]
        self.views = ConsoleLogViews(cloud.store)

    def get(self, instance_id: UUID | str) -> ConsoleLog | None:
        self.runner.catch_up()
        return self.views.get(instance_id)

    def read(self, instance_id: UUID | str, length: int | None = None) -> str:
        self.runner.catch_up()
        return self.views.read(instance_id, length)


class Fleet:
    def __init__(self, cloud: Cloud, tmp: Path) -> None:
        self.cloud, self.tmp = cloud, tmp
        self.hosts: dict[str, Host] = {}
        self.booted: list[UUID] = []
        self.consoles = Consoles(cloud)

    # -- hosts -----------------------------------------------------------------------------------
    def add_host(self, name: str, vcpus: int = 4, memory_mib: int = 4096, *, start: bool = True,
                 blobs: ImageFiles | None = None, uri: str | None = None,
                 **config: Any) -> Host:
        """A host on a test-driver node file of this size (or on `uri`), with a running worker
        unless start=False."""
        directory = self.tmp / "hosts" / name
        directory.mkdir(parents=True)
        uri = uri or f"test://{write_node_file(directory, vcpus, memory_mib)}"
        settings: dict[str, Any] = dict(cpu_ratio=1.0, ram_ratio=1.0, report_interval=0.5,
                                        poll_interval=0.02, reconcile_interval=3600.0,
                                        console_interval=0.1, stop_timeout=1.0)
        settings.update(config)
        state_dir = directory / "instances"
        host = Host(name, LibvirtHypervisor(uri, state_dir, disk_gib=100),
                    blobs or self.cloud.image_stores.reader(),
                    WorkerConfig(host=name, **settings), state_dir)
        self.hosts[name] = host
        if start:
            self.start(name)
        return host

    def start(self, name: str, **config: Any) -> ComputeHost:
        host = self.hosts[name]
        host.config = replace(host.config, **config)
        worker, liveness = assemble(self.cloud.app, self.cloud.store, self.cloud.capacity,
                                    host.blobs, host.hypervisor, host.config,
                                    volumes=self.volumes_of(name))
        host.compute = ComputeHost(worker, liveness).start()
        wait_for(lambda: liveness.registered.is_set(), f"{name} to register")
        return host.compute

    def volumes_of(self, name: str) -> LibvirtVolumeBackend | None:
        """Where host `name`'s worker makes root volumes: nowhere, unless a subclass says."""
        return None

    def stop(self, name: str) -> None:
        host = self.hosts[name]
        if host.compute is not None:
            host.compute.stop()
            host.compute = None

    def close(self) -> None:
        for name, host in self.hosts.items():
            self.stop(name)
            host.hypervisor.close()

    # -- instances -------------------------------------------------------------------------------
    def boot(self, flavor: str = "small", image: str | None = None, **kw: Any) -> list[UUID]:
        req = BootRequest(name="vm", flavor_ref=flavor, image_ref=image or self.image, **kw)
        ids = [i.id for i in self.cloud.boots.boot(USER, req)]
        self.booted.extend(ids)
        return ids

    def running(self) -> UUID:
        """A server booted and ACTIVE, the read models brought up to it (for the API)."""
        [server_id] = self.boot()
        self.wait_until(server_id, VmState.ACTIVE)
        self.cloud.sync_read_models()
        return server_id

    def instance(self, instance_id: UUID) -> Instance:
        found: Instance = self.cloud.app.repository.get(instance_id)
        return found

    def wait_until(self, instance_id: UUID, vm_state: VmState, what: str = "") -> Instance:
        def settled() -> Instance | None:
            instance = self.instance(instance_id)
            if instance.vm_state is VmState.ERROR and vm_state is not VmState.ERROR:
                raise AssertionError(f"{instance_id} went to ERROR: {instance.fault}")
            ok = instance.vm_state is vm_state and instance.task_state is None
            return instance if ok else None

        return wait_for(settled, what or f"instance {instance_id} to be {vm_state.value}")

    def host_of_guest(self, instance_id: UUID) -> list[str]:
        """Every host holding a guest of this instance (there must be at most one)."""
        return [name for name, host in self.hosts.items() if instance_id in host.guests()]

    # -- catalog -----------------------------------------------------------------------------------
    def seed(self) -> None:
        flavors = self.cloud.flavors
        for flavorid, ram, vcpus, disk, ephemeral in (("small", 512, 1, 1, 0),
                                                      ("big", 2048, 2, 2, 1),
                                                      ("huge", 6144, 4, 2, 0)):
            flavors.create(ADMIN, flavorid, flavorid, ram, vcpus, disk, ephemeral)
        self.image = self.upload_image("cirros", fake_qcow2(b"base image bytes"))
        self.image2 = self.upload_image("cirros-2", fake_qcow2(b"another image"))

    def upload_image(self, name: str, data: bytes, disk_format: str = "qcow2",
                     container_format: str = "bare", **properties: str) -> str:
        images = self.cloud.images
        image = images.register(ADMIN, None, name, "p-admin", "public", disk_format,
                                container_format, properties=dict(properties))
        self.cloud.image_data.upload(ADMIN, image.id, iter([data]), self.cloud.blobs, 1 << 30)
        return image.id.hex

    def upload_guest(self, guest: KernelBoot, cmdline: str = "", name: str = "tiny") -> str:
        """The busybox test guest (ops/build-guest-image) as EC2-style images -- the kernel as
        `aki`, the initramfs as `ari` and an `ami` of 1 MiB naming them and the kernel command
        line, the guest's own then `cmdline` -- as real-guest tests boot it: the ami's id."""
        assert guest.initrd is not None
        kernel = self.upload_image("vmlinuz", guest.kernel.read_bytes(), "aki", "aki")
        ramdisk = self.upload_image("initrd", guest.initrd.read_bytes(), "ari", "ari")
        return self.upload_image(name, bytes(1 << 20), "ami", "ami", kernel_id=kernel,
                                 ramdisk_id=ramdisk,
                                 os_command_line=f"{guest.cmdline} {cmdline}".strip())

    # -- invariants --------------------------------------------------------------------------------
    def check_ledgers(self) -> None:
        """Host claims and quota usage add up to exactly what the live instances hold."""
        live = [i for i in map(self.instance, self.booted) if not i.deleted]
        ledger: Any = self.cloud.app.repository.get(ledger_id(str(USER.project_id)))
        for resource in ("instances", "cores", "ram"):
            assert ledger.used(resource) == sum(i.quota_held()[resource] for i in live), resource
        for name in self.hosts:
            node: ComputeNode = self.cloud.app.repository.get(node_id(name))
            expected = sum(i.resources()["vcpus"] for i in live if i.host == name)
            pending = sum(i.pending["flavor"]["vcpus"] for i in live
                          if i.pending and i.pending.get("host") == name and "flavor" in i.pending)
            old = sum(i.old_flavor["vcpus"] for i in live
                      if i.old_flavor and (i.resize_from or {}).get("host") == name)
            assert node.used()["vcpus"] == expected + pending + old, name

    def check_guests(self) -> None:
        """One guest per live instance, on its host; none for anything else."""
        live = {i.id: i for i in map(self.instance, self.booted)
                if not i.deleted and i.vm_state is not VmState.ERROR}
        for name, host in self.hosts.items():
            ours = {g for g in host.guests() if g in set(self.booted)}
            assert ours == {i for i, inst in live.items() if inst.host == name}, name


def random_id() -> UUID:
    return uuid.uuid4()


class VolumeFleet(Fleet):
    """A fleet whose workers make root volumes in one storage pool (a Fleet's hosts get no
    volume backend)."""

    def __init__(self, cloud: Cloud, tmp: Path, backend: LibvirtVolumeBackend) -> None:
        super().__init__(cloud, tmp)
        self.backend = backend

    def volumes_of(self, name: str) -> LibvirtVolumeBackend:
        return self.backend


def start_worker(fleet: Fleet, database_url: str, host: str, uri: str, state_dir: Path,
                 log: Path) -> subprocess.Popen[bytes]:
    """`skyledger compute` for `host` as an OS process, on the fleet's data dir and store."""
    # Guests' bridges go where libvirtd runs (a test namespace), never the machine's own.
    env = {**os.environ, "SKYLEDGER_DATA_DIR": str(fleet.cloud.settings.data_dir),
           "SKYLEDGER_DATABASE_URL": database_url, "SKYLEDGER_REPORT_INTERVAL": "0.5",
           "SKYLEDGER_NETWORK_NAMESPACE": HV_NETNS}
    command = [sys.executable, "-m", "ops.cli", "compute", "--host", host, "--libvirt-uri", uri,
               "--state-dir", str(state_dir), "--reconcile-interval", "0.2",
               "--stop-timeout", "0", "--log-level", "debug"]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT)
