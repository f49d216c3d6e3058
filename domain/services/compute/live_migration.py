"""os-migrateLive: a running (or paused) server moves to another host without stopping.

The request claims the destination (`<id>:live` on its node, beside the source's claim, saved
with the request: no double booking, no lost claim), then the destination's worker prepares
(its disks) and reports how the source reaches it, then the source's worker moves the guest
(domain/process/compute/plans.py). The move's outcome settles the claims in the same save
(domain/services/compute/outcomes.py): moved, the source's claim goes and the destination's
becomes the instance's; not moved, the destination's goes and the guest runs on at the source.
"""

from __future__ import annotations

from dataclasses import replace

from domain.app import SkyLedger
from domain.commands import changed
from domain.compute.instance import Instance
from domain.compute.instance_live_control import ABORT
from domain.compute.server_group import ServerGroup
from domain.context import RequestContext
from domain.errors import InvalidInput, NotFound
from domain.services.compute.placement import HostChooser, Nodes, place, request_spec


def live_migrate(app: SkyLedger, chooser: HostChooser, ctx: RequestContext, instance: Instance,
                 group: ServerGroup | None, host: str | None,
                 block_migration: bool | None) -> Instance:
    """`host` None: the scheduler picks another host. `block_migration` None ("auto"): the
    disks are copied, as no storage is shared between hosts here; False: they are on storage
    both hosts reach, and stay."""
    instance.check_can("live_migrate", ctx.is_admin, shown_as="os-migrateLive")
    if host is not None and host == instance.host:
        raise InvalidInput(f"The supplied target host {host} is the source host.")
    nodes = Nodes(app)
    if host is not None and nodes.get(host) is None:
        raise InvalidInput(f"Compute host {host} could not be found.")
    spec = replace(request_spec(instance, group, (host,) if host else (), ()),
                   ignore_hosts=(*([instance.host] if instance.host else []),))
    chosen = place(instance, spec, chooser, nodes, group, claim_key=f"{instance.id.hex}:live")
    if chosen is None:
        raise InvalidInput("No valid host was found. No other host can take the server.")
    instance.request("live_migrate", ctx.is_admin, host=chosen,
                     block_migration=block_migration is not False,
                     migration_type="live-migration")
    if group is not None:
        group.start_move(instance.id.hex, chosen)
    app.save(*changed(instance, group), *nodes.changed())
    return instance


def control_live(app: SkyLedger, ctx: RequestContext, instance: Instance, control: str,
                 migration_id: str, listed: str | None, queued_too: bool = False) -> None:
    """Abort or force-complete `instance`'s live migration `migration_id`, as Nova checks
    them: the server's state (409), then the migration (`listed`: its status in the read
    model, None when the server has no such migration: 404 for an abort, 400 to force it),
    then whether that migration may be (400). The source's worker acts on the request."""
    instance.check_live_control(control, ctx.is_admin)
    if listed is None:
        message = f"Migration {migration_id} not found for instance {instance.id}"
        raise NotFound(message) if control == ABORT else InvalidInput(message)
    if listed not in ("preparing", "running"):  # an older migration of this server
        method = "abort live migration" if control == ABORT else "force complete"
        raise InvalidInput(f"Migration {migration_id} state of instance {instance.id} is "
                           f"{listed}. Cannot {method} while the migration is in this state.")
    instance.request_live_control(control, migration_id, queued_too)
    app.save(*changed(instance))
