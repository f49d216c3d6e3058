"""A resize's confirm or revert settled on the ledgers: the hosts' claims, the server group's
move and the project's quota, saved with the instance's event (by OutcomeService when the
worker reports, by deletion.py when a soft delete confirms a resize first)."""

from __future__ import annotations

from uuid import UUID

from domain.app import SkyLedger
from domain.compute.instance import Instance
from domain.compute.node import ComputeNode, node_id
from domain.compute.server_group import ServerGroup
from domain.services.quotas import open_ledger


def settle_resize(app: SkyLedger, instance: Instance, action: str, host_before: str | None,
                  source: str | None, held_before: dict[str, int]) -> list[object]:
    """Confirm: the source's claim goes, the new flavor's claim becomes the instance's.
    Revert: the destination's claim for the new flavor goes. Either way the quota ledger
    gives back what the instance no longer holds. Returns the aggregates changed."""
    key = instance.id.hex
    if action == "confirm_resize":
        source_node, dest_node = _node(app, source), _node(app, host_before)
        if source_node is not None:
            source_node.release(key)
        dest_node = source_node if source == host_before else dest_node
        if dest_node is not None:
            dest_node.rekey(f"{key}:resize", key)
        nodes = [n for n in (source_node, dest_node) if n is not None]
    elif action == "revert_resize":
        dest_node = _node(app, host_before)
        if dest_node is not None:
            dest_node.release(f"{key}:resize")
        nodes = [dest_node] if dest_node is not None else []
    else:
        return []
    group = _group(app, instance)
    if group is not None:
        (group.finish_move if action == "confirm_resize" else group.cancel_move)(key)
    ledger = open_ledger(app, instance.project_id)
    held_after = instance.quota_held()
    ledger.release({k: held_before[k] - held_after[k] for k in held_before}, instance.user_id)
    return [ledger, *nodes, *([group] if group is not None else [])]


def _node(app: SkyLedger, host: str | None) -> ComputeNode | None:
    found = app.find(node_id(host)) if host else None
    return found if isinstance(found, ComputeNode) else None


def _group(app: SkyLedger, instance: Instance) -> ServerGroup | None:
    if instance.server_group_id is None:
        return None
    group = app.find(UUID(instance.server_group_id))
    return group if isinstance(group, ServerGroup) else None
