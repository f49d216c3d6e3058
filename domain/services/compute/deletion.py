"""Deleting a server: now, or deferred as Nova's soft_delete when reclaim_instance_interval is
set (then the guest is powered off and the server kept SOFT_DELETED, with its claims, until
restored, force-deleted or reclaimed by its host's worker: domain/process/compute/reclaimer.py).

Nova's DELETE soft-deletes a server in any vm_state once it has been launched (a server that
never ran is deleted at once: check_instance_state's must_have_launched). Here the deferral
applies to a server resting (no task in progress) in the states its host can power off and
keep: active, stopped, paused, suspended, error, rescued, and resized, whose resize is first
confirmed, as Nova's _confirm_resize_on_deleting does before its soft delete. A server on no
host or on a host that is down is deleted at once (Nova's local delete, final even for a soft
one), as is one with a task in progress.
"""

from __future__ import annotations

from domain.app import SkyLedger
from domain.commands import changed
from domain.compute.instance import Instance
from domain.compute.states import TRANSITIONS, VmState
from domain.context import RequestContext
from domain.services.compute.release import release_everything
from domain.services.compute.resize_settling import settle_resize

# Where a DELETE may be deferred: soft_delete's own states, and a resize waiting for its
# confirmation (confirmed first).
DEFERRABLE = TRANSITIONS["soft_delete"].sources | {VmState.RESIZED}


def may_defer(instance: Instance) -> bool:
    """Whether a DELETE of this server is a soft delete, when deletes are deferred."""
    return instance.task_state is None and instance.vm_state in DEFERRABLE and \
        instance.launched


def delete(app: SkyLedger, ctx: RequestContext, instance: Instance, host_is_up: bool,
           soft: bool) -> None:
    """Delete `instance` (locks already checked): `soft`, a deferred delete if it may be."""
    if instance.host is None or not host_is_up:
        # Nothing runs anywhere we can reach: complete the delete now (Nova's local delete).
        app.save(*release_everything(app, instance))
    elif soft and may_defer(instance):
        confirmed = confirm_resize(app, ctx, instance) \
            if instance.vm_state is VmState.RESIZED else []
        instance.request("soft_delete", ctx.is_admin)
        app.save(*changed(instance, *confirmed))
    else:
        instance.request_delete()
        app.save(*changed(instance))


def confirm_resize(app: SkyLedger, ctx: RequestContext, instance: Instance) -> list[object]:
    """The resize confirmed as its own action before the soft delete, in the same save: the
    source's claim and the quota the old flavor held go, as at any confirm, and the source's
    worker destroys its copy when it sees the confirm succeeded (plans.py `_left`). The
    destination has nothing to do for a confirm, so nothing waits on it. `deleting` files the
    confirm under the DELETE's own instance action (Nova records confirmResize and delete for
    that request; one action per request here). Returns the aggregates the confirm changed
    besides the instance."""
    held_before, host_before = instance.quota_held(), instance.host
    source = (instance.resize_from or {}).get("host")
    instance.request("confirm_resize", ctx.is_admin, deleting=True)
    instance.action_succeeded("confirm_resize")
    return settle_resize(app, instance, "confirm_resize", host_before, source, held_before)
