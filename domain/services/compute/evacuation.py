"""Evacuate (Nova's `evacuate` action): a server whose host is down (its heartbeats stopped,
or an admin forced its service down) is rebuilt on another host from its image.

The request claims the new host (`<id>:evacuate` on its node, saved with the request); that
host's worker spawns the guest (domain/process/compute/plans.py); the outcome settles the
claims in the same save as the instance's event: succeeded, the new host's claim becomes the
instance's and the instance records the old host as evacuated from (instance_evacuation.py);
failed, the new host's claim goes. The old host's claim is left to the old host: its worker,
when it runs again, destroys the guest it still has and releases that claim with the event
that says so (`cleaned_up`). A crash between any two of these steps leaves each claim either
still held or released with the event that says why: none is released twice or leaked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from domain.app import SkyLedger
from domain.commands import changed
from domain.compute.instance import Instance
from domain.compute.node import ComputeNode, node_id
from domain.compute.server_group import ServerGroup
from domain.context import RequestContext
from domain.errors import InvalidInput, NotFound
from domain.services.compute.placement import HostChooser, Nodes, place, request_spec


def evacuate(app: SkyLedger, chooser: HostChooser, host_is_up: Callable[[str], bool],
             ctx: RequestContext, instance: Instance, group: ServerGroup | None,
             host: str | None, stopped: bool = False) -> Instance:
    """`host` None: the scheduler picks one (a named host is still checked for room, with
    or without Nova's `force`); `stopped` (2.95): the server comes back stopped."""
    nodes = Nodes(app)
    if host is not None and nodes.get(host) is None:
        raise NotFound(f"Compute host {host} not found.")
    if host is not None and host == instance.host:
        raise InvalidInput("The target host can't be the same one.")
    instance.check_can("evacuate", ctx.is_admin)
    if instance.host is None or host_is_up(instance.host):
        raise InvalidInput(f"Compute service of {instance.host} is still in use.")
    spec = replace(request_spec(instance, group, (host,) if host else (), ()),
                   ignore_hosts=(instance.host,))
    chosen = place(instance, spec, chooser, nodes, group, claim_key=f"{instance.id.hex}:evacuate")
    if chosen is None:
        raise InvalidInput("No valid host was found. No other host can take the server.")
    # Stopped at the end (2.95) is recorded as an evacuation of a stopped server: Nova's
    # rebuild then powers the new guest off, and so does the worker here.
    instance.request("evacuate", ctx.is_admin, host=chosen, migration_type="evacuation",
                     **({"from_state": "stopped"} if stopped else {}))
    if group is not None:
        group.start_move(instance.id.hex, chosen)
    app.save(*changed(instance, group), *nodes.changed())
    return instance


def _node(app: SkyLedger, host: str | None) -> ComputeNode | None:
    node = app.find(node_id(host)) if host else None
    return node if isinstance(node, ComputeNode) else None


def settle(app: SkyLedger, instance: Instance, source: str | None,
           group: ServerGroup | None) -> list[object]:
    """Rebuilt on its new host: that host's claim becomes the instance's; the old host's
    stays until that host has cleaned up."""
    key, dest = instance.id.hex, _node(app, instance.host)
    if dest is not None:
        dest.rekey(f"{key}:evacuate", key)
    if source is not None:
        instance.evacuated(source)
    if group is not None:
        group.finish_move(key)
    return [a for a in (dest, group) if a is not None]


def release(app: SkyLedger, instance: Instance, dest: str,
            group: ServerGroup | None) -> list[object]:
    """Not rebuilt: the new host's claim goes; the server stays on its (down) host."""
    node = _node(app, dest)
    if node is not None:
        node.release(f"{instance.id.hex}:evacuate")
    if group is not None:
        group.cancel_move(instance.id.hex)
    return [a for a in (node, group) if a is not None]


def cleaned_up(app: SkyLedger, instance: Instance, host: str) -> None:
    """The old host destroyed its guest: its claim is released with the event saying so."""
    if host not in instance.evacuated_from():
        return  # a replayed report
    instance.evacuation_cleaned_up(host)
    node = _node(app, host)
    if node is not None and instance.id.hex in node.claims:
        node.release(instance.id.hex)
    app.save(*changed(instance, node))
