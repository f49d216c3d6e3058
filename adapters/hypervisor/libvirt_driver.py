"""The Hypervisor port over libvirt-python, for any URI: test:///default, test:///ABS/node.xml,
qemu:///system, lxc:///system (containers: container_*.py; ops/lxc-libvirtd runs their daemon).

Each guest is a libvirt domain named after its instance uuid, with its files in `state_dir/<uuid>/`
(see guest_files). On the test driver no files are made at all: its guests need none to "run".
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from uuid import UUID

import libvirt

from adapters.hypervisor import domain_stats, live_migration, nic_attach, volume_attach
from adapters.hypervisor.base_images import base_dir, cached_base, with_cached_kernel
from adapters.hypervisor.container_console import ConsoleReaders
from adapters.hypervisor.container_rootfs import prepare_container
from adapters.hypervisor.domain_stats import state_of
from adapters.hypervisor.domain_xml import RESCUE, build_domain_xml, console_log_path, is_rescue
from adapters.hypervisor.guest_files import GuestFiles, create_disks
from adapters.hypervisor.image_capture import snapshot_root
from adapters.hypervisor.power_off import ignore_gone, power_off
from adapters.hypervisor.reconnect import Reconnecting, reconnecting
from domain.compute.backends import (
    GuestDiagnostics,
    GuestNotFound,
    GuestSpec,
    GuestState,
    HostResources,
    HypervisorError,
    LiveControl,
    MigrationTarget,
    no_control,
)
from domain.process.effects import record

# Like Nova: never hand back more than this much console log, however long the guest has run.
MAX_CONSOLE_BYTES = 100 * 1024

# Callers of the port catch HypervisorError, never a libvirt type. A call on a connection that
# libvirtd's restart killed is made once more on a new one (reconnect.py).
_translated = reconnecting(HypervisorError)


class LibvirtHypervisor(Reconnecting):
    @_translated
    def __init__(self, uri: str, state_dir: Path, virt_type: str | None = None,
                 disk_gib: int | None = None, migration_bandwidth: int = 0) -> None:
        """`migration_bandwidth`: MiB/s a live migration from here may use (0: no limit)."""
        # libvirt prints every error to stderr as well as raising it; we raise, that is enough.
        libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
        self._conn = self._open(uri)
        self._is_test = self._conn.getType() == "TEST"  # sic: the test driver says TEST
        self._is_lxc = self._conn.getType() == "LXC"
        self._consoles = ConsoleReaders(uri) if self._is_lxc else None
        # Not "kvm" by default: /dev/kvm may exist on a CPU without VT-x, where KVM guests hang.
        self._virt_type = virt_type or ("test" if self._is_test else "qemu")
        self._state_dir = state_dir.resolve()
        self._disk_gib = disk_gib
        self._migration_bandwidth = migration_bandwidth

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> LibvirtHypervisor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @_translated
    def host_resources(self) -> HostResources:
        _model, memory_mib, cpus, *_ = self._conn.getInfo()
        return HostResources(
            hostname=self._conn.getHostname(),
            hypervisor_type=self._conn.getType(),
            vcpus=cpus,
            memory_mib=memory_mib,
            disk_gib=self._disk_gib if self._disk_gib is not None else self._filesystem_gib(),
            version=self._conn.getVersion(),
        )

    @_translated
    def spawn(self, spec: GuestSpec) -> None:
        dom = self._lookup(spec.instance_id)
        if dom is None:
            files = self._files(spec.instance_id)
            if self._is_lxc:
                dom = self._conn.defineXML(prepare_container(spec, files))
            else:
                spec = with_cached_kernel(spec, self._bases)
                create_disks(spec, files, self._bases)
                dom = self._conn.defineXML(build_domain_xml(spec, self._virt_type, files))
            _done("defineXML", dom)
        if not dom.isActive():
            dom.create()
            _done("create", dom)
            self._powered_on(dom, "powered on")

    @_translated
    def start(self, instance_id: UUID) -> None:
        dom = self._require(instance_id)
        if not dom.isActive():
            dom.create()  # also restores a suspended guest, as starting it should
            _done("create", dom)
            self._powered_on(dom, "powered on")

    @_translated
    def stop(self, instance_id: UUID, timeout_s: float = 0.0) -> None:
        dom = self._require(instance_id)
        power_off(dom, timeout_s, container=self._is_lxc)
        self._console_done(dom)
        if not self._is_lxc and dom.hasManagedSaveImage(0):
            dom.managedSaveRemove(0)  # a stopped guest does not come back with its old memory
            _done("managedSaveRemove", dom)

    @_translated
    def reboot(self, instance_id: UUID, hard: bool = False) -> None:
        dom = self._require(instance_id)
        if not hard and self._is_lxc:
            # A container has no ACPI; libvirt's LXC reboot needs an init that honours
            # /dev/initctl. Like Nova when a soft reboot fails: power it off and on.
            self._expect(dom, GuestState.RUNNING, "reboot")
            hard = True
        if not hard:
            self._expect(dom, GuestState.RUNNING, "reboot")
            dom.reboot(0)
            _done("reboot", dom)
            self._powered_on(dom, "rebooted")
            return
        # Power off and on rather than dom.reset(): a wedged QEMU process is replaced too, as in
        # Nova. Hard reboot also brings up a stopped, paused or suspended guest, fresh.
        power_off(dom, 0, container=self._is_lxc)
        self._console_done(dom)
        if not self._is_lxc and dom.hasManagedSaveImage(0):
            dom.managedSaveRemove(0)
            _done("managedSaveRemove", dom)
        dom.create()
        _done("create", dom)
        self._powered_on(dom, "powered off and on (hard reboot)")

    @_translated
    def pause(self, instance_id: UUID) -> None:
        dom = self._require(instance_id)
        if self._expect(dom, GuestState.RUNNING, "pause", done=GuestState.PAUSED):
            dom.suspend()  # libvirt's "suspend" only stops the vCPUs: Nova's pause
            _done("suspend", dom)

    @_translated
    def unpause(self, instance_id: UUID) -> None:
        dom = self._require(instance_id)
        if self._expect(dom, GuestState.PAUSED, "unpause", done=GuestState.RUNNING):
            dom.resume()
            _done("resume", dom)

    @_translated
    def suspend(self, instance_id: UUID) -> None:
        dom = self._require(instance_id)
        if self._expect(dom, GuestState.RUNNING, "suspend", done=GuestState.SUSPENDED):
            dom.managedSave(0)  # memory to disk, QEMU exits; start/create restores it
            _done("managedSave", dom)

    @_translated
    def resume(self, instance_id: UUID) -> None:
        dom = self._require(instance_id)
        if self._expect(dom, GuestState.SUSPENDED, "resume", done=GuestState.RUNNING):
            dom.create()
            _done("create", dom)

    @_translated
    def destroy(self, instance_id: UUID) -> None:
        dom = self._lookup(instance_id)
        if dom is not None:
            self._undefine(dom)
        # Even without a domain: a spawn may have died after making the disks, before defining it.
        shutil.rmtree(self._files(instance_id).directory, ignore_errors=True)

    @_translated
    def rescue(self, spec: GuestSpec) -> None:
        """The guest's domain is replaced by a rescue domain of the same name: the rescue
        image's overlay (in `rescue/`) as vda, the guest's own root disk as vdb. Its ephemeral
        disk and volumes stay off it, as their devices would clash (Nova's rescue keeps
        them off too unless asked for stable device rescue)."""
        dom = self._lookup(spec.instance_id)
        files = self._files(spec.instance_id)
        if dom is not None and not is_rescue(dom.XMLDesc(0)):
            self._undefine(dom)  # the disks stay: the rescue guest reads them
            dom = None
        if dom is None:
            rescue_files = GuestFiles(files.directory / RESCUE)
            rescue_spec = with_cached_kernel(
                replace(spec, ephemeral_gib=0, volumes=(),
                        console_log=spec.console_log or files.console_log), self._bases)
            create_disks(rescue_spec, rescue_files, self._bases)
            dom = self._conn.defineXML(build_domain_xml(rescue_spec, self._virt_type,
                                                        rescue_files, rescued_root=files.root))
            _done("defineXML", dom, rescue=True)
        if not dom.isActive():
            dom.create()
            _done("create", dom)

    @_translated
    def unrescue(self, spec: GuestSpec) -> None:
        dom = self._lookup(spec.instance_id)
        if dom is not None and is_rescue(dom.XMLDesc(0)):
            self._undefine(dom)
        shutil.rmtree(self._files(spec.instance_id).directory / RESCUE, ignore_errors=True)
        self.spawn(spec)  # its own disks are still there: spawn defines it anew over them

    def _undefine(self, dom: libvirt.virDomain) -> None:
        power_off(dom, 0, container=self._is_lxc)
        self._console_done(dom)  # a rebuild's new container of this name needs its own reader
        # A container has no saved memory, and the LXC driver refuses the flag.
        flags = 0 if self._is_lxc else libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
        ignore_gone(lambda: dom.undefineFlags(flags))
        _done("undefine", dom)

    @_translated
    def sync_nics(self, spec: GuestSpec) -> None:
        dom = self._lookup(spec.instance_id)
        if dom is not None:
            nic_attach.sync_nics(dom, spec.nics, hotplug=not self._is_test,
                                 container=self._is_lxc)

    @_translated
    def state(self, instance_id: UUID) -> GuestState:
        dom = self._lookup(instance_id)
        return GuestState.MISSING if dom is None else state_of(dom)

    @_translated
    def list_guests(self) -> dict[UUID, GuestState]:
        guests = {}
        for dom in self._conn.listAllDomains(0):
            instance_id = _instance_id(dom.name())
            if instance_id is not None:
                try:
                    guests[instance_id] = state_of(dom)
                except libvirt.libvirtError as error:
                    if error.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
                        raise  # else: destroyed while we listed, so not a guest any more
        return guests

    def _console_done(self, dom: libvirt.virDomain) -> None:
        if self._consoles is not None:
            self._consoles.finish(dom.name())

    def _powered_on(self, dom: libvirt.virDomain, how: str) -> None:
        """A container's console is read from its pty from now on (container_console.py).

        On the test driver no guest runs, so nothing ever writes to the serial port: write
        the line a guest's firmware would, so that the console output path (file, worker,
        Console event, read model, API) carries real text there too -- Nova's fake driver
        answers a canned console log for the same reason. A real guest writes its own."""
        if self._consoles is not None:
            self._consoles.follow(dom.name(), self._files(UUID(dom.name())).console_log)
            return
        path = console_log_path(dom.XMLDesc(0)) if self._is_test else None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as log:
                log.write(f"{dom.name()}: {how}\n"
                          f"{dom.name()}: libvirt's test driver emulates no CPU; no guest runs\n"
                          f"{dom.name()}: these lines are skyledger's libvirt adapter's\n")

    @_translated
    def console_output(self, instance_id: UUID) -> str:
        dom = self._require(instance_id)
        if self._consoles is not None:
            path: Path | None = self._files(instance_id).console_log
            if dom.isActive():  # e.g. this worker restarted: attach again
                self._powered_on(dom, "attached")
        else:
            path = console_log_path(dom.XMLDesc(0))
        if path is None or not path.is_file():
            return ""  # a guest that never ran has none yet
        with path.open("rb") as log:
            log.seek(max(0, path.stat().st_size - MAX_CONSOLE_BYTES))
            return log.read().decode("utf-8", errors="replace").replace("\r\n", "\n")

    @_translated
    def diagnostics(self, instance_id: UUID) -> GuestDiagnostics:
        return domain_stats.diagnostics(self._require(instance_id), self._virt_type)

    @_translated
    def inject_nmi(self, instance_id: UUID) -> None:
        dom = self._require(instance_id)
        dom.injectNMI(0)
        _done("injectNMI", dom)

    @_translated
    def attach_volume(self, instance_id: UUID, volume_id: UUID, path: Path,
                      target_dev: str | None = None) -> str:
        dom = self._require(instance_id)
        return volume_attach.attach(dom, volume_id, path, target_dev, hotplug=not self._is_test)

    @_translated
    def detach_volume(self, instance_id: UUID, volume_id: UUID) -> None:
        volume_attach.detach(self._require(instance_id), volume_id, hotplug=not self._is_test)

    @_translated
    def resize_volume(self, instance_id: UUID, volume_id: UUID, size_bytes: int) -> None:
        volume_attach.resize(self._require(instance_id), volume_id, size_bytes, not self._is_test)

    @_translated
    def attached_volumes(self, instance_id: UUID) -> dict[UUID, str]:
        return volume_attach.attached_volumes(self._require(instance_id), not self._is_test)

    @_translated
    def prepare_incoming(self, spec: GuestSpec) -> None:
        if not self._is_test and not self._is_lxc:
            spec = with_cached_kernel(spec, self._bases)  # where the moved XML points
            create_disks(spec, self._files(spec.instance_id), self._bases)

    @_translated
    def live_migrate(self, instance_id: UUID, target: MigrationTarget,
                     control: LiveControl = no_control) -> None:
        live_migration.migrate(self._require(instance_id), target, self._state_dir, control,
                               self._migration_bandwidth)

    def _lookup(self, instance_id: UUID) -> libvirt.virDomain | None:
        try:
            return self._conn.lookupByName(str(instance_id))
        except libvirt.libvirtError as error:
            if error.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return None
            raise

    def _require(self, instance_id: UUID) -> libvirt.virDomain:
        dom = self._lookup(instance_id)
        if dom is None:
            raise GuestNotFound(instance_id)
        return dom

    def _expect(self, dom: libvirt.virDomain, state: GuestState, action: str,
                done: GuestState | None = None) -> bool:
        """True if the action must run, False if the guest is already where it would take it."""
        current = state_of(dom)
        if current == done:
            return False
        if current != state:
            raise HypervisorError(f"cannot {action} guest {dom.name()}: it is {current.value}")
        return True

    @_translated
    def snapshot(self, instance_id: UUID, dest: Path) -> None:
        snapshot_root(self._require(instance_id), self._files(instance_id).root, dest,
                      self._is_test)

    @_translated
    def cache_image(self, image: Path) -> Path:
        return cached_base(image, base_dir(self._state_dir))

    @property
    def _bases(self) -> Path | None:
        """Where root overlays' bases are; None where no disk files are made (test driver)."""
        return None if self._is_test else base_dir(self._state_dir)

    def _files(self, instance_id: UUID) -> GuestFiles:
        return GuestFiles(self._state_dir / str(instance_id))

    def _filesystem_gib(self) -> int:
        path = self._state_dir
        while not path.exists():  # the state directory is only made by the first spawn
            path = path.parent
        return shutil.disk_usage(path).total // 2**30


def _instance_id(name: str) -> UUID | None:
    try:
        instance_id = UUID(name)
    except ValueError:
        return None  # not ours: a domain someone else defined on this host
    return instance_id if str(instance_id) == name else None  # UUID() also takes other spellings


def _done(action: str, dom: libvirt.virDomain, **detail: object) -> None:
    """A change made to a domain, for the effects recording of whoever asked (effects.py)."""
    record("libvirt", action, dom.name(), **detail)

