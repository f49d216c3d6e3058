"""Steering a libvirt live migration job while it runs, as Nova's libvirt driver does
(`live_migration_abort`, `live_migration_force_complete`).

The migration call runs in a helper thread; this thread asks `control` every POLL_S what the
API asked of it. "abort" cancels the job (`abortJob`): the guest runs on at the source and the
move fails with MigrationAborted. "force_complete" pauses the guest (Nova's way when post-copy
is not permitted, its default): a paused guest dirties no memory, so the copy converges; the
destination resumes it when the move completes, and a move that fails anyway leaves it running
at the source again. A request made before the job started waits for it to start.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import libvirt

from domain.compute.backends import LiveControl, MigrationAborted
from domain.compute.instance_live_control import ABORT, ABORTED, FORCE_COMPLETE
from domain.process.effects import record

log = logging.getLogger(__name__)

POLL_S = 0.2


class _Job(threading.Thread):
    def __init__(self, run: Callable[[], object]) -> None:
        super().__init__(name="live-migration", daemon=True)
        self.run_job = run
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.run_job()
        except BaseException as error:  # noqa: BLE001 - handed to the steering thread
            self.error = error


def steer(dom: libvirt.virDomain, run: Callable[[], object], control: LiveControl) -> None:
    """Run the migration `run` and act on `control` until it ends; raises its error (or
    MigrationAborted when it ended because it was aborted)."""
    job, done = _Job(run), set[str]()
    job.start()
    while job.is_alive():
        wanted = control()
        if wanted in (ABORT, FORCE_COMPLETE) and wanted not in done and _act(dom, wanted):
            done.add(wanted)
        job.join(POLL_S)
    if job.error is not None:
        if FORCE_COMPLETE in done:
            _ignore(dom.resume)  # paused for it: it runs on here, as before
        if ABORT in done:
            raise MigrationAborted(ABORTED) from job.error
        raise job.error


def _act(dom: libvirt.virDomain, wanted: str) -> bool:
    """Whether the job was steered; False when it has not started yet (asked again next)."""
    try:
        if not _job_active(dom):
            return False
        if wanted == ABORT:
            dom.abortJob()
        else:
            dom.suspend()
    except libvirt.libvirtError as error:
        log.info("live migration of %s: %s not done yet: %s", dom.name(), wanted, error)
        return False
    record("libvirt", "abortJob" if wanted == ABORT else "suspend", dom.name(), why=wanted)
    return True


def _job_active(dom: libvirt.virDomain) -> bool:
    return int(dom.jobInfo()[0]) not in (libvirt.VIR_DOMAIN_JOB_NONE,
                                         libvirt.VIR_DOMAIN_JOB_COMPLETED)


def _ignore(action: Callable[[], object]) -> None:
    try:
        action()
    except libvirt.libvirtError as error:
        log.warning("live migration: %s", error)
