"""The hypervisor backend: what a compute process manager asks of a host, in domain terms.

Every call is keyed by the instance uuid, never by a handle the hypervisor hands out. A compute
worker can be killed between "the guest was created" and "InstanceSpawned was recorded"; on restart
it replays the same `spawn(spec)` from its tracking position. Because the adapter names the guest
after the uuid (and derives its disk paths from it), the replay finds the guest it already made
instead of making a second one, and `destroy(id)` can clean up whatever a half-finished spawn left.
Idempotency therefore needs no state outside the hypervisor itself.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from uuid import UUID


class HypervisorError(Exception):
    """The hypervisor refused or failed an action (the message says why)."""


class MigrationAborted(HypervisorError):
    """A live migration was cancelled on request; the guest runs on where it was."""


# Asked while a live migration runs: "abort", "force_complete" or None (go on as it goes).
LiveControl = Callable[[], str | None]


def no_control() -> str | None:
    return None


class GuestNotFound(HypervisorError):
    """No guest is defined for this instance uuid."""

    def __init__(self, instance_id: UUID) -> None:
        self.instance_id = instance_id
        super().__init__(f"no guest for instance {instance_id}")


class GuestState(enum.Enum):
    RUNNING = "running"
    PAUSED = "paused"  # vCPUs stopped, memory kept in the host's RAM
    SUSPENDED = "suspended"  # memory saved to disk, no process running (Nova's suspend)
    SHUTOFF = "shutoff"
    CRASHED = "crashed"
    MISSING = "missing"  # no guest defined for this uuid
    UNKNOWN = "unknown"  # a state we do not act on (e.g. the guest suspended itself to RAM)


@dataclass(frozen=True)
class ImageDisk:
    """A root disk as a copy-on-write overlay over a base image file, which is never written."""

    base_image: Path
    base_format: str = "qcow2"
    size_gib: int | None = None  # grow the overlay to the flavor's root size; None keeps the base's


@dataclass(frozen=True)
class KernelBoot:
    """Direct kernel boot: the hypervisor loads the kernel and initrd itself (no bootloader)."""

    kernel: Path
    initrd: Path | None = None
    cmdline: str = "console=ttyS0"


@dataclass(frozen=True)
class GuestNic:
    """A virtio NIC with the port's MAC, plugged into the host bridge of the port's network."""

    mac: str
    bridge: str
    # The host-side tap's name (port_filters.tap_device), so the port's filter finds it.
    device: str | None = None


@dataclass(frozen=True)
class GuestVolume:
    """A volume attached to the guest: its file (or block device) as a virtio disk at
    `target_dev` ("vdb"), with the volume uuid as the disk's serial."""

    volume_id: UUID
    path: Path
    target_dev: str


@dataclass(frozen=True)
class GuestSpec:
    """Everything needed to create a guest; `root_disk` or `root_volume`, `kernel`, or both
    must be given."""

    instance_id: UUID
    name: str  # the user's display name; the guest itself is named after instance_id
    vcpus: int
    memory_mib: int
    root_disk: ImageDisk | None = None
    kernel: KernelBoot | None = None
    ephemeral_gib: int = 0  # a blank second disk, as Nova's flavor ephemeral disk
    console_log: Path | None = None  # None: the adapter keeps it beside the guest's disks
    nics: tuple[GuestNic, ...] = ()  # in the instance's port order
    volumes: tuple[GuestVolume, ...] = ()  # attached volumes a (re)built guest must keep
    # Boot from volume: the root disk (vda) is this volume instead of an image overlay.
    root_volume: GuestVolume | None = None
    # A rescue guest of a volume-backed server: that server's root volume, kept as its second
    # disk (otherwise a rescue guest keeps the server's own root disk file there).
    rescued_volume: GuestVolume | None = None
    # A container's init and its arguments, shell-quoted (the image's `os_command_line`, as a
    # kernel's command line is for a VM); None: /sbin/init, as Nova's LXC guests. VMs ignore it.
    init_command: str | None = None
    # The config drive's files by their path on it (domain/compute/guest_metadata.py), made
    # into an ISO 9660 volume labelled config-2 and given to the guest as a CD-ROM; None: none.
    config_drive: dict[str, bytes] | None = None

    def __post_init__(self) -> None:
        if self.root_disk is None and self.root_volume is None and self.kernel is None:
            raise ValueError("a guest needs a root disk, a kernel, or both")
        if self.root_disk is not None and self.root_volume is not None:
            raise ValueError("a guest has one root disk: an image overlay or a volume")
        if self.vcpus < 1 or self.memory_mib < 1 or self.ephemeral_gib < 0:
            raise ValueError("vcpus and memory must be positive, ephemeral size not negative")


@dataclass(frozen=True)
class HostResources:
    """The capacity of the host as the hypervisor reports it (totals, not what is free)."""

    hostname: str
    hypervisor_type: str  # "QEMU", "LXC", "TEST", ... as libvirt names its driver
    vcpus: int
    memory_mib: int
    disk_gib: int
    version: int = 0  # the driver's version, as libvirt numbers it: major*10^6 + minor*10^3 + micro


@dataclass(frozen=True)
class MigrationTarget:
    """Where a live migration goes: the destination host's hypervisor as the source's reaches it
    (`hypervisor_uri`, e.g. qemu+tcp://HOST/system), the address the guest's memory streams to
    (`migrate_uri`, tcp://HOST), the directory the destination keeps its guests' files in, and
    whether the local disks are copied (block migration: no shared storage)."""

    hypervisor_uri: str
    migrate_uri: str
    state_dir: Path
    copy_disks: bool = True


@dataclass(frozen=True)
class DiskStats:
    dev: str  # the disk's target dev in the guest ("vda")
    read_requests: int
    read_bytes: int
    write_requests: int
    write_bytes: int
    errors: int


@dataclass(frozen=True)
class NicStats:
    """A NIC's counters; all None when it has no host device to count on (as Nova's driver)."""

    mac: str
    dev: str | None = None  # its host-side device ("tap...")
    rx_bytes: int | None = None
    rx_packets: int | None = None
    rx_errors: int | None = None
    rx_drop: int | None = None
    tx_bytes: int | None = None
    tx_packets: int | None = None
    tx_errors: int | None = None
    tx_drop: int | None = None


@dataclass(frozen=True)
class GuestDiagnostics:
    """What the hypervisor measures of one guest now, read with the calls Nova's libvirt driver
    reads for get_diagnostics and get_instance_diagnostics: memory in KiB, each vCPU's time in
    ns, per disk and per NIC its counters, the balloon's statistics (KiB and counts, by
    libvirt's names). `virt_type`: what the host runs guests with ("qemu", "kvm", "lxc")."""

    state: GuestState
    virt_type: str
    max_memory_kib: int
    memory_kib: int
    vcpus: int
    cpu_times: tuple[int, ...] = ()
    disks: tuple[DiskStats, ...] = ()
    nics: tuple[NicStats, ...] = ()
    memory_stats: dict[str, int] = field(default_factory=dict)


class Hypervisor(Protocol):
    """One host's hypervisor. Every action is idempotent; asking for the state a guest is
    already in does nothing. Actions on a guest that does not exist raise GuestNotFound,
    except `destroy`, for which "already gone" is success."""

    def host_resources(self) -> HostResources: ...

    def spawn(self, spec: GuestSpec) -> None:
        """Make the disks, define the guest and start it; a replay finds and starts the same one.
        If starting fails, the guest may stay defined: `destroy` is the clean-up either way."""

    def start(self, instance_id: UUID) -> None: ...

    def stop(self, instance_id: UUID, timeout_s: float = 0.0) -> None:
        """Power off; with timeout_s > 0 ask the guest (ACPI) first and force it off after that."""

    def reboot(self, instance_id: UUID, hard: bool = False) -> None:
        """Soft: ask the guest to reboot (ACPI). Hard: power off and on again."""

    def pause(self, instance_id: UUID) -> None: ...

    def unpause(self, instance_id: UUID) -> None: ...

    def suspend(self, instance_id: UUID) -> None: ...

    def resume(self, instance_id: UUID) -> None: ...

    def destroy(self, instance_id: UUID) -> None:
        """Power off, undefine and delete the disks the adapter created (never an attached
        volume's); missing is fine."""

    def rescue(self, spec: GuestSpec) -> None:
        """Run the guest from `spec` (the rescue image as its root disk), the guest's own root
        disk kept and attached as its next disk; a guest already rescued is left running."""

    def unrescue(self, spec: GuestSpec) -> None:
        """Drop the rescue guest and its rescue disk, and run the guest `spec` (its own) again
        on the disks it kept; a guest not rescued is only made sure to run."""

    def sync_nics(self, spec: GuestSpec) -> None:
        """Give the guest exactly the NICs of `spec` (attached and detached by MAC, live when
        it runs); a missing guest is left to its next spawn, which makes them from its spec."""

    def state(self, instance_id: UUID) -> GuestState:
        """GuestState.MISSING rather than an error when there is no such guest."""

    def list_guests(self) -> dict[UUID, GuestState]:
        """The guests this port manages (named after an instance uuid); others are ignored."""

    def console_output(self, instance_id: UUID) -> str:
        """The serial console's log so far (its last lines are cut by the reader: `tail` in
        domain/compute/console.py)."""

    def diagnostics(self, instance_id: UUID) -> GuestDiagnostics:
        """The guest's statistics now (a look: nothing changes)."""

    def inject_nmi(self, instance_id: UUID) -> None:
        """Send the guest a non-maskable interrupt (Nova's trigger_crash_dump); a guest that is
        not running raises HypervisorError."""

    def snapshot(self, instance_id: UUID, dest: Path) -> None:
        """The root disk as one standalone qcow2 file at `dest` (pausing a running guest for the
        copy); `dest` appears only once complete."""

    def attach_volume(
        self, instance_id: UUID, volume_id: UUID, path: Path, target_dev: str | None = None
    ) -> str:
        """Attach the volume at `path` as a virtio disk whose serial is the volume uuid: live and
        persistently to a running guest, persistently to a stopped one. target_dev None takes
        the first free vdX. Returns the target dev; an attached volume keeps its own."""

    def detach_volume(self, instance_id: UUID, volume_id: UUID) -> None:
        """Detach live and persistently; returns once the guest released the disk (bounded, a
        HypervisorError otherwise). Detaching a volume that is not attached does nothing."""

    def resize_volume(self, instance_id: UUID, volume_id: UUID, size_bytes: int) -> None:
        """Tell the guest its attached volume grew to `size_bytes` (an in-use extend);
        HypervisorError when the volume is not in the guest."""

    def attached_volumes(self, instance_id: UUID) -> dict[UUID, str]:
        """Volume uuid -> target dev, as the guest has them now."""

    def cache_image(self, image: Path) -> Path:
        """This host's own copy of the image file (Nova's `_base`), made if missing: what root
        overlays back onto, so that they outlive the image. Idempotent."""

    def prepare_incoming(self, spec: GuestSpec) -> None:
        """On a live migration's destination: make the disks the guest's copied disks land in
        (no guest is defined: the migration brings it). Idempotent."""

    def live_migrate(self, instance_id: UUID, target: MigrationTarget,
                     control: LiveControl = no_control) -> None:
        """Move the running guest to `target` with its memory and, if asked, its local disks;
        returns once it runs there and is gone here. On failure it still runs here.
        `control` is asked while the guest moves: "abort" cancels the move (raising
        MigrationAborted), "force_complete" makes it converge (Nova's force-complete)."""
