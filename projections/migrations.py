"""Read model of migrations (Compute `/os-migrations`): one row per move of a server, as Nova's
`migrations` table keeps them, built from the instance's own events.

A resize, a cold migration (a resize to the same flavor on another host), a live migration and
an evacuation are each asked for by an ActionRequested that names the destination; the source
is where the instance stood then (the instance-action projection's host, updated after this
runs). Its status follows the move's outcome (for a live migration: preparing, running once the
destination is ready, then completed, error, or cancelled when aborted on request, and error
when the server is deleted meanwhile; for an evacuation: accepted, then done, then completed
once the old host cleaned up) and then the confirm or revert, with Nova's names. Nova
soft-deletes an instance's migrations with it, so they go with the instance's Deleted event.

Rows live in the instance-action projection (InstanceActionProjection calls `follow`), since
they need the host it tracks in the same transaction.
"""

from __future__ import annotations

import builtins
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from domain.compute.instance import Instance
from domain.compute.instance_evacuation import InstanceEvacuation
from domain.compute.instance_live_control import ABORTED
from domain.errors import InvalidInput
from projections import instance_action_hosts as hosts
from projections.base import hexid
from projections.store import ReadCursor, ReadStore, Row

TABLE = "instance_migrations"
DDL = ("CREATE TABLE IF NOT EXISTS instance_migrations (id BIGINT PRIMARY KEY,"
       " uuid TEXT NOT NULL, instance_id TEXT NOT NULL, migration_type TEXT NOT NULL,"
       " status TEXT NOT NULL, source_compute TEXT, dest_compute TEXT, user_id TEXT,"
       " project_id TEXT, created_at TEXT NOT NULL, updated_at TEXT)")

# The move's status after each of the instance's events (Nova's MigrationStatus names).
REQUESTED = {"resize": "migrating", "confirm_resize": "confirming",
             "revert_resize": "reverting", "live_migrate": "preparing",
             "evacuate": "accepted"}
SUCCEEDED = {"resize": "finished", "confirm_resize": "confirmed",
             "revert_resize": "reverted", "live_migrate": "completed", "evacuate": "done"}
MOVES = ("resize", "live_migrate", "evacuate")  # the requests that start a migration row


def moment(event: Any) -> str:
    return str(event.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%f"))


def migration_uuid(instance_id: str, position: int) -> str:
    """Stable across rebuilds: the instance and the position of the event that asked."""
    return str(uuid5(NAMESPACE_URL, f"skyledger:migration:{instance_id}:{position}"))


def follow(cur: ReadCursor, e: Any, position: int) -> None:
    """Called before the host moves (instance_action_hosts.follow)."""
    ident = hexid(e)
    if isinstance(e, Instance.ActionRequested) and e.action in MOVES:
        meta = getattr(e, "meta", None) or {}
        cur.execute(
            "INSERT INTO instance_migrations (id, uuid, instance_id, migration_type, status,"
            " source_compute, dest_compute, user_id, project_id, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (id) DO NOTHING",
            (position, migration_uuid(ident, position), ident,
             e.params.get("migration_type") or "resize", REQUESTED[e.action],
             hosts.host_of(cur, ident), e.params.get("host"), meta.get("user_id"),
             meta.get("project_id"), moment(e)))
    elif isinstance(e, Instance.ActionRequested) and e.action in REQUESTED:
        _set_status(cur, e, REQUESTED[e.action])
    elif isinstance(e, Instance.MigrationPrepared):
        _set_status(cur, e, "running")  # the destination is ready: the guest moves
    elif isinstance(e, Instance.ActionSucceeded) and e.action in SUCCEEDED:
        _set_status(cur, e, SUCCEEDED[e.action])
    elif isinstance(e, Instance.ActionFailed) and e.action in SUCCEEDED:
        failed = "failed" if e.action == "evacuate" else "error"  # Nova's names
        _set_status(cur, e, "cancelled" if e.reason == ABORTED else failed)
    elif isinstance(e, InstanceEvacuation.EvacuationCleanedUp):
        # The old host cleaned up: Nova's compute start moves `done` to `completed`.
        cur.execute("UPDATE instance_migrations SET status = 'completed', updated_at = ?"
                    " WHERE instance_id = ? AND migration_type = 'evacuation'"
                    " AND source_compute = ? AND status = 'done'", (moment(e), ident, e.host))
    elif isinstance(e, Instance.DeleteRequested):
        # Nova's delete destroys the guest under a live migration, which ends it in error
        # (its compute manager's _do_live_migration); the rows go with the deleted instance.
        cur.execute("UPDATE instance_migrations SET status = 'error', updated_at = ?"
                    " WHERE id = (SELECT MAX(id) FROM instance_migrations WHERE instance_id = ?)"
                    " AND migration_type = 'live-migration'"
                    " AND status IN ('preparing', 'running')", (moment(e), ident))
    elif isinstance(e, Instance.Deleted):
        cur.execute("DELETE FROM instance_migrations WHERE instance_id = ?", (ident,))


def _set_status(cur: ReadCursor, e: Any, status: str) -> None:
    """The instance's newest move is the one a confirm, revert or outcome is about."""
    row = cur.execute("SELECT id FROM instance_migrations WHERE instance_id = ?"
                      " ORDER BY id DESC LIMIT 1", (hexid(e),)).one()
    if row is not None:
        cur.execute("UPDATE instance_migrations SET status = ?, updated_at = ? WHERE id = ?",
                    (status, moment(e), row["id"]))


class MigrationViews:
    """Queries over migrations, newest first (Nova sorts by created_at, then id, descending)."""

    FILTERS = {"status": "status = ?", "instance_uuid": "instance_id = ?",
               "migration_type": "migration_type = ?", "source_compute": "source_compute = ?",
               "user_id": "user_id = ?", "project_id": "project_id = ?"}

    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def list(self, filters: dict[str, str], limit: int | None = None,
             marker: str | None = None, changes_since: str | None = None,
             changes_before: str | None = None) -> builtins.list[Row]:
        clauses, params = ["1 = 1"], []
        for key, clause in self.FILTERS.items():
            if key in filters:
                clauses.append(clause)
                params.append(filters[key])
        if "host" in filters:  # either end, as Nova's filter is
            clauses.append("(source_compute = ? OR dest_compute = ?)")
            params += [filters["host"], filters["host"]]
        if changes_since is not None:
            clauses.append("updated_at >= ?")
            params.append(changes_since)
        if changes_before is not None:
            clauses.append("updated_at <= ?")
            params.append(changes_before)
        if marker is not None:
            row = self.store.query_one(f"SELECT id FROM {TABLE} WHERE uuid = ?", (marker,))
            if row is None:
                raise InvalidInput(f"Marker {marker} could not be found.")
            clauses.append("id < ?")
            params.append(row["id"])
        sql = f"SELECT * FROM {TABLE} WHERE {' AND '.join(clauses)} ORDER BY id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self.store.query(sql, params)

    def get(self, instance_id: str, migration_id: int) -> Row | None:
        return self.store.query_one(f"SELECT * FROM {TABLE} WHERE id = ? AND instance_id = ?",
                                    (migration_id, instance_id))
