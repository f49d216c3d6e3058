"""Read model of servers (Compute `/servers`), server groups and compute-service disable reasons.

A server row keeps the columns lists filter on and the whole server as a JSON document, evolved
event by event the way the `Instance` aggregate evolves (pending action parameters included, so
that a resize's success can move the flavor and host exactly as the aggregate does). Deleted
servers stay, flagged, because Nova's `changes-since` lists them.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable
from typing import Any

from domain.compute import lifecycle
from domain.compute.instance import Instance
from domain.compute.instance_volume_flags import InstanceVolumeFlags
from domain.compute.lifecycle import Fault, Lifecycle
from domain.compute.node import ComputeNode
from domain.compute.server_group import ServerGroup
from domain.compute.states import PowerState, TaskState, VmState
from domain.errors import InvalidInput
from domain.network.floating import FloatingIp
from projections.base import Evolve, Projection, as_json, from_json, handles, hexid, on
from projections.store import ReadCursor, ReadStore, Row


def moment(event: Any) -> str:
    """Naive UTC with microseconds: fixed width, so text order is time order."""
    return str(event.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%f"))


COLUMNS = ("project_id", "user_id", "name", "host", "vm_state", "task_state", "reservation_id",
           "image_id", "flavor_id", "server_group_id", "updated_at", "deleted")


def new_doc(e: Instance.Requested) -> dict[str, Any]:
    keep = ("name", "project_id", "user_id", "key_name", "metadata", "user_data",
            "reservation_id", "launch_index", "server_group_id", "hints")
    doc = {**{k: getattr(e, k) for k in keep}, "requested_az": e.availability_zone,
           "locked": False, "locked_reason": None, "description": None, "deleted": False,
           "ports": [], "volumes": [],
           "created_at": moment(e), "launched_at": None, "terminated_at": None}
    start = lifecycle.requested(e.flavor, e.image)
    become(doc, e, start, start)
    return doc


def lifecycle_of(doc: dict[str, Any]) -> Lifecycle:
    fault = Fault(doc["fault"]["message"]) if doc["fault"] else None
    task = doc["task_state"]
    return Lifecycle(VmState(doc["vm_state"]), TaskState(task) if task else None,
                     PowerState(doc["power_state"]), doc["host"], doc["flavor"], doc["image"],
                     doc["old_flavor"], doc["resize_from"], doc["pending"], fault)


def _updated(doc: dict[str, Any], e: Instance.Updated) -> None:
    """The instance's own zone is the document's requested_az (pinned from 2.104)."""
    doc.update({("requested_az" if k == "availability_zone" else k): v
                for k, v in e.changes.items()})


def become(doc: dict[str, Any], e: Instance.Event, before: Lifecycle, after: Lifecycle) -> None:
    """Write a lifecycle step into the document: plain values, and a fault recorded by this
    step stamped with the event's time (an older one keeps its own)."""
    doc.update(vm_state=after.vm_state.value,
               task_state=after.task_state.value if after.task_state else None,
               power_state=int(after.power_state), host=after.host, flavor=after.flavor,
               image=after.image, old_flavor=after.old_flavor, resize_from=after.resize_from,
               pending=after.pending)
    if after.fault is None:
        doc["fault"] = None
    elif after.fault is not before.fault:
        doc["fault"] = {"code": 500, "message": after.fault.message, "created": moment(e)}


# The step each lifecycle event takes (domain/compute/lifecycle.py, as the aggregate takes it).
STEPS: dict[type, Callable[[Lifecycle, Any], Lifecycle]] = {
    Instance.HostClaimed: lambda s, e: lifecycle.host_claimed(s, e.host),
    Instance.SchedulingFailed: lambda s, e: lifecycle.scheduling_failed(s, e.reason),
    Instance.Spawned: lambda s, e: lifecycle.spawned(s),
    Instance.SpawnFailed: lambda s, e: lifecycle.spawn_failed(s, e.reason),
    Instance.BuildAborted: lambda s, e: lifecycle.errored(s, e.reason),
    Instance.ActionRequested:
        lambda s, e: lifecycle.action_requested(s, e.action, e.from_state, e.params),
    Instance.ActionSucceeded: lambda s, e: lifecycle.action_succeeded(
        s, e.action, VmState(e.vm_state), PowerState(e.power_state)),
    Instance.ActionFailed: lambda s, e: lifecycle.action_failed(s, e.reason),
    Instance.MigrationPrepared: lambda s, e: lifecycle.migration_prepared(s, e.target),
    Instance.PowerStateObserved: lambda s, e: lifecycle.power_observed(
        s, PowerState(e.power_state), VmState(e.vm_state)),
    Instance.StateReset: lambda s, e: lifecycle.state_reset(s, VmState(e.vm_state)),
    Instance.DeleteRequested: lambda s, e: lifecycle.delete_requested(s),
    Instance.Deleted: lambda s, e: lifecycle.deleted(s),
}


def _volume_requested(doc: dict[str, Any], e: Instance.VolumeAttachRequested) -> None:
    # Shown from the request on, as Nova shows a volume once its block device mapping exists.
    # An attached volume is never deleted with its server; a boot volume's event may say so.
    volume = {"id": e.volume_id, "device": e.device,
              "delete_on_termination": bool(getattr(e, "delete_on_termination", False))}
    doc["volumes"] = [*doc.get("volumes", []), volume]


def _volume_flag_set(doc: dict[str, Any],
                     e: InstanceVolumeFlags.VolumeDeleteOnTerminationSet) -> None:
    doc["volumes"] = [{**v, "delete_on_termination": e.delete_on_termination}
                      if v["id"] == e.volume_id else v for v in doc.get("volumes", [])]


def _volume_detached(doc: dict[str, Any], e: Instance.VolumeDetached) -> None:
    doc["volumes"] = [v for v in doc.get("volumes", []) if v["id"] != e.volume_id]


# What the read model keeps beside the lifecycle, per instance event.
EVOLVE: dict[type, Evolve] = dict([
    on(Instance.PortsAttached, lambda d, e: d.update(ports=[*d.get("ports", []), *e.ports])),
    on(Instance.PortDetached, lambda d, e: d.update(
        ports=[p for p in d.get("ports", []) if p["id"] != e.port_id])),
    on(Instance.Spawned, lambda d, e: d.update(launched_at=moment(e))),
    on(Instance.Locked, lambda d, e: d.update(locked=True, locked_reason=e.reason)),
    on(Instance.Unlocked, lambda d, e: d.update(locked=False, locked_reason=None)),
    on(Instance.Updated, _updated),
    on(Instance.ActionRequested, lambda d, e: d.update(requested_az=e.params["availability_zone"])
       if e.action == "unshelve" and "availability_zone" in e.params else None),
    on(Instance.VolumeAttachRequested, _volume_requested),
    on(Instance.VolumeDetached, _volume_detached),
    on(InstanceVolumeFlags.VolumeDeleteOnTerminationSet, _volume_flag_set),
    on(Instance.Deleted, lambda d, e: d.update(deleted=True, terminated_at=moment(e))),
])


def evolve(doc: dict[str, Any], e: Instance.Event) -> None:
    step = STEPS.get(type(e))
    if step is not None:
        before = lifecycle_of(doc)
        become(doc, e, before, step(before, e))
    extra = EVOLVE.get(type(e))
    if extra is not None:
        extra(doc, e)


class ServerProjection(Projection):
    name = "servers"
    tables = ("servers", "server_groups", "compute_services", "server_floating_ips")
    ddl = (
        "CREATE TABLE IF NOT EXISTS servers (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " project_id TEXT NOT NULL, user_id TEXT NOT NULL, name TEXT NOT NULL, host TEXT,"
        " vm_state TEXT NOT NULL, task_state TEXT, reservation_id TEXT NOT NULL,"
        " image_id TEXT, flavor_id TEXT, server_group_id TEXT, updated_at TEXT NOT NULL,"
        " deleted BOOLEAN NOT NULL, doc TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS servers_by_project ON servers (project_id, seq)",
        "CREATE TABLE IF NOT EXISTS server_groups (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " name TEXT NOT NULL, policy TEXT NOT NULL, rules TEXT NOT NULL,"
        " project_id TEXT NOT NULL, user_id TEXT NOT NULL)",
        # Keyed by the node aggregate's id; `seq` is Nova's integer id before 2.53.
        "CREATE TABLE IF NOT EXISTS compute_services (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " host TEXT NOT NULL, disabled_reason TEXT)",
        # Floating addresses by floating IP id: the Associated event names the port, not the
        # address, so the address is remembered from Allocated.
        "CREATE TABLE IF NOT EXISTS server_floating_ips (id TEXT PRIMARY KEY,"
        " address TEXT NOT NULL)",
    )

    def apply(self, cur: ReadCursor, event: Any, position: int) -> None:
        # Creation rows take the event's position as `seq`: creation order, stable on rebuild.
        if isinstance(event, Instance.Requested):
            self.requested(cur, event, position)
        elif isinstance(event, ServerGroup.Created):
            self.group_created(cur, event, position)
        elif isinstance(event, ComputeNode.Registered):
            self.service_registered(cur, event, position)
        else:
            super().apply(cur, event, position)

    @handles(Instance.Requested)
    def requested(self, cur: ReadCursor, e: Instance.Requested, position: int = 0) -> None:
        doc = new_doc(e)
        cur.execute("INSERT INTO servers (id, seq, doc, " + ", ".join(COLUMNS) + ")"
                    " VALUES (?, ?, ?" + ", ?" * len(COLUMNS) + ")",
                    (hexid(e), position, as_json(doc), *self._columns(doc, e)))

    @handles(*STEPS, *EVOLVE)
    def evolved(self, cur: ReadCursor, e: Instance.Event) -> None:
        row = cur.execute("SELECT doc FROM servers WHERE id = ?", (hexid(e),)).one()
        if row is None:
            return
        doc = from_json(row["doc"])
        evolve(doc, e)
        cur.execute("UPDATE servers SET doc = ?, " + ", ".join(f"{c} = ?" for c in COLUMNS)
                    + " WHERE id = ?", (as_json(doc), *self._columns(doc, e), hexid(e)))

    @staticmethod
    def _columns(doc: dict[str, Any], e: Any) -> tuple[Any, ...]:
        values = {**doc, "image_id": doc["image"]["id"], "flavor_id": doc["flavor"]["id"],
                  "updated_at": moment(e)}
        return tuple(values[c] for c in COLUMNS)

    @handles(ServerGroup.Created)
    def group_created(self, cur: ReadCursor, e: ServerGroup.Created, position: int = 0) -> None:
        cur.execute("INSERT INTO server_groups (id, seq, name, policy, rules, project_id, user_id)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)", (hexid(e), position, e.name, e.policy,
                                                      as_json(e.rules), e.project_id, e.user_id))

    @handles(ServerGroup.Deleted)
    def group_deleted(self, cur: ReadCursor, e: ServerGroup.Deleted) -> None:
        cur.execute("DELETE FROM server_groups WHERE id = ?", (hexid(e),))

    @handles(ComputeNode.Registered)
    def service_registered(self, cur: ReadCursor,
                           e: ComputeNode.Registered, position: int = 0) -> None:
        cur.execute("INSERT INTO compute_services (id, seq, host) VALUES (?, ?, ?)",
                    (hexid(e), position, e.host))

    @handles(ComputeNode.Disabled, ComputeNode.Enabled)
    def service_toggled(self, cur: ReadCursor,
                        e: ComputeNode.Disabled | ComputeNode.Enabled) -> None:
        reason = e.reason if isinstance(e, ComputeNode.Disabled) else None
        cur.execute("UPDATE compute_services SET disabled_reason = ? WHERE id = ?",
                    (reason, hexid(e)))


    # -- floating addresses on the server's ports (Nova's `OS-EXT-IPS:type: floating`) ---------
    @handles(FloatingIp.Allocated)
    def floating_allocated(self, cur: ReadCursor, e: FloatingIp.Allocated) -> None:
        cur.execute("INSERT INTO server_floating_ips (id, address) VALUES (?, ?)",
                    (hexid(e), e.address))

    @handles(FloatingIp.Released)
    def floating_released(self, cur: ReadCursor, e: FloatingIp.Released) -> None:
        cur.execute("DELETE FROM server_floating_ips WHERE id = ?", (hexid(e),))

    @handles(FloatingIp.Associated, FloatingIp.Disassociated)
    def floating_moved(self, cur: ReadCursor,
                       e: FloatingIp.Associated | FloatingIp.Disassociated) -> None:
        address = None
        if isinstance(e, FloatingIp.Associated):
            row = cur.execute("SELECT address FROM server_floating_ips WHERE id = ?",
                              (hexid(e),)).one()
            address = row["address"] if row else None
        if e.instance_id is None:
            return
        found = cur.execute("SELECT doc FROM servers WHERE id = ?", (e.instance_id,)).one()
        if found is None:
            return
        doc = from_json(found["doc"])
        for port in doc.get("ports", []):
            if port["id"] == e.port_id:
                port["floating_ip"] = address
        cur.execute("UPDATE servers SET doc = ? WHERE id = ?", (as_json(doc), e.instance_id))


def _server(row: Row) -> Row:
    return {**from_json(row["doc"]), "id": row["id"], "seq": row["seq"],
            "updated_at": row["updated_at"]}


class ServerViews:
    """Queries over the server read model; each server comes back as its document plus
    `id` (hex), `seq` and `updated_at`."""

    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def get(self, server_id: str, include_deleted: bool = False) -> Row | None:
        row = self.store.query_one("SELECT * FROM servers WHERE id = ?", (server_id,))
        if row is None or (row["deleted"] and not include_deleted):
            return None
        return _server(row)

    def list(self, where: dict[str, Any], *, deleted: bool | None = False,
             changes_since: str | None = None, changes_before: str | None = None,
             marker_seq: int | None = None,
             keep: Callable[[Row], bool] = lambda _: True, limit: int | None = None) -> list[Row]:
        """Newest first. `where` holds column equalities (project_id, host, ...); `deleted`
        None means live and deleted alike; `keep` is a filter SQL cannot express portably (a
        name regex, the API status)."""
        clauses, params = ["1 = 1"], []
        for column, value in where.items():
            if column not in COLUMNS:
                raise ValueError(f"not a server column: {column}")
            clauses.append(f"{column} = ?")
            params.append(value)
        if deleted is not None:
            clauses.append("deleted = ?")
            params.append(deleted)
        if changes_since is not None:
            clauses.append("updated_at >= ?")
            params.append(changes_since)
        if changes_before is not None:
            clauses.append("updated_at <= ?")
            params.append(changes_before)
        if marker_seq is not None:
            clauses.append("seq < ?")
            params.append(marker_seq)
        rows = self.store.query(f"SELECT * FROM servers WHERE {' AND '.join(clauses)}"
                                " ORDER BY seq DESC", params)
        servers = [s for s in map(_server, rows) if keep(s)]
        return servers[:limit] if limit is not None else servers

    def members(self, group_id: str) -> builtins.list[str]:
        rows = self.store.query("SELECT id FROM servers WHERE server_group_id = ? AND deleted = ?"
                                " ORDER BY seq", (group_id, False))
        return [r["id"] for r in rows]

    def group(self, group_id: str) -> Row | None:
        row = self.store.query_one("SELECT * FROM server_groups WHERE id = ?", (group_id,))
        return {**row, "rules": from_json(row["rules"]) or {}} if row else None

    def groups(self, project_id: str | None) -> builtins.list[Row]:
        """Oldest first, as Nova lists them; `project_id` None lists every project's."""
        sql, params = "SELECT * FROM server_groups", []
        if project_id is not None:
            sql, params = sql + " WHERE project_id = ?", [project_id]
        rows = self.store.query(sql + " ORDER BY seq", params)
        return [{**r, "rules": from_json(r["rules"]) or {}} for r in rows]

    def services(self) -> builtins.list[Row]:
        """Registered compute services in registration order: id (node, hex), seq, host and
        disabled_reason (live state and capacity are the capacity view's)."""
        return self.store.query("SELECT * FROM compute_services ORDER BY seq")


def name_matcher(pattern: str) -> Callable[[Row], bool]:
    """Nova filters names by regular expression (search, not full match)."""
    try:
        compiled = re.compile(pattern)
    except re.error:
        raise InvalidInput(f"Invalid regular expression for name: {pattern}") from None
    return lambda server: compiled.search(server["name"]) is not None
