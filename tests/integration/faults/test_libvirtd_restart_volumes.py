"""libvirtd restarted under the volume worker's storage backend: its connection and the pool
object bound to it are replaced on the next call, which then works (adapters/storage/
libvirt_volumes.py over adapters/hypervisor/reconnect.py). A volume made before the restart is
still there after it: the pool's files never depended on the daemon."""

from __future__ import annotations

import uuid

import pytest

from adapters.storage.libvirt_volumes import LibvirtVolumeBackend
from tests.support.hypervisor import restart_libvirtd

pytestmark = pytest.mark.qemu


def test_the_volume_backend_reconnects_after_a_libvirtd_restart(
        qemu_backend: LibvirtVolumeBackend) -> None:
    before, after = uuid.uuid4(), uuid.uuid4()
    qemu_backend.create(before, 1)
    reconnects = qemu_backend.reconnects

    restart_libvirtd()

    made = qemu_backend.create(after, 1)  # the first call meets the dead connection
    assert made.size_gib == 1
    assert qemu_backend.reconnects == reconnects + 1
    assert set(qemu_backend.list_volumes()) >= {before, after}
    qemu_backend.delete(before)
    qemu_backend.delete(after)
    assert not {before, after} & set(qemu_backend.list_volumes())
