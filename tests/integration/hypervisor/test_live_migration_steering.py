"""A real TCG guest's live migration between the migration bed's two libvirtd hosts
(tests/support/migration_bed.py), steered while it runs through the adapter's `control`, as
the source's worker steers it for the API's abort and force-complete
(adapters/hypervisor/steering.py). The move is slowed down (the source's migration bandwidth,
SKYLEDGER_LIVE_MIGRATION_BANDWIDTH) so that it is still running when the steering acts.

Aborted, the guest runs on at the source and nothing of it runs at the destination.
Forced, the guest is paused at the source while its memory is copied, and runs again at the
destination once the move completes.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest

from adapters.hypervisor.libvirt_driver import LibvirtHypervisor
from domain.compute.backends import GuestSpec, GuestState, ImageDisk, KernelBoot, MigrationAborted
from domain.compute.instance_live_control import ABORT, FORCE_COMPLETE
from domain.context import RequestContext
from domain.process.effects import recording
from tests.support.migration_bed import MigrationBed
from tests.support.waiting import wait_for

pytestmark = pytest.mark.qemu

READY = "SKYLEDGER-GUEST-READY"
BOOT_TIMEOUT_S = 90.0
CTX = RequestContext(user_id="compute:bed-a", project_id=None, request_id="req-steering")
SLOW_MIB_S = 2  # the guest's ~30 MiB of touched memory then take several seconds to copy


def test_a_live_migration_is_aborted_then_forced_to_complete(
    migration_bed: MigrationBed, guest_image: KernelBoot, tmp_path: Path
) -> None:
    a, b = migration_bed.hosts
    base = tmp_path / "base.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(base), "64M"], check=True)
    spec = GuestSpec(instance_id=uuid.uuid4(), name="steered", vcpus=1, memory_mib=128,
                     root_disk=ImageDisk(base), kernel=guest_image)
    guest = spec.instance_id
    slow = LibvirtHypervisor(a.uri, a.instances, migration_bandwidth=SLOW_MIB_S)
    with slow as source, b.hypervisor() as dest:
        source.spawn(spec)
        wait_for(lambda: READY in source.console_output(guest), "the guest to boot on A",
                 BOOT_TIMEOUT_S)
        dest.prepare_incoming(spec)

        with recording(CTX) as aborting, pytest.raises(MigrationAborted):
            source.live_migrate(guest, b.target(), lambda: ABORT)
        assert [e["action"] for e in aborting.effects] == ["abortJob"]
        assert (source.state(guest), dest.state(guest)) == (GuestState.RUNNING,
                                                            GuestState.MISSING)

        with recording(CTX) as forcing:
            source.live_migrate(guest, b.target(), lambda: FORCE_COMPLETE)
        assert [e["action"] for e in forcing.effects] == ["suspend", "migrateToURI3"]
        assert (source.state(guest), dest.state(guest)) == (GuestState.MISSING,
                                                            GuestState.RUNNING)
        dest.destroy(guest)
