"""Where an instance stood, as the instance-action read model needs it: Nova records on every
action event the host of the service that ran the step (shown from microversion 2.62).

The step's host here is the instance's host when the step opened (the conductor's steps, run
before any host was chosen, take the host they chose when they close). The host follows the
instance's own events: claimed at scheduling, dropped when scheduling fails, moved by a resize
(to the host the resize asked for) and moved back by its revert, and by a live migration.
"""

from __future__ import annotations

from typing import Any

from domain.compute.instance import Instance
from projections.base import hexid
from projections.store import ReadCursor

DDL = ("CREATE TABLE IF NOT EXISTS instance_action_hosts (instance_id TEXT PRIMARY KEY,"
       " host TEXT, resize_to TEXT, resize_from TEXT)")
TABLE = "instance_action_hosts"
MOVES = ("resize", "live_migrate", "evacuate")  # requests that name the host the instance goes to


def host_of(cur: ReadCursor, instance_id: str) -> str | None:
    row = cur.execute("SELECT host FROM instance_action_hosts WHERE instance_id = ?",
                      (instance_id,)).one()
    return row["host"] if row else None


def _set(cur: ReadCursor, instance_id: str, **values: str | None) -> None:
    row = cur.execute("SELECT * FROM instance_action_hosts WHERE instance_id = ?",
                      (instance_id,)).one()
    merged = {"host": None, "resize_to": None, "resize_from": None,
              **(dict(row) if row else {}), **values}
    cur.execute("INSERT INTO instance_action_hosts (instance_id, host, resize_to, resize_from)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (instance_id) DO UPDATE SET"
                " host = excluded.host, resize_to = excluded.resize_to,"
                " resize_from = excluded.resize_from",
                (instance_id, merged["host"], merged["resize_to"], merged["resize_from"]))


def follow(cur: ReadCursor, e: Any) -> None:
    """Move the instance's host as the lifecycle does (domain/compute/lifecycle.py)."""
    ident = hexid(e)
    if isinstance(e, (Instance.HostClaimed, Instance.Spawned)):
        _set(cur, ident, host=e.host)
    elif isinstance(e, Instance.SchedulingFailed):
        _set(cur, ident, host=None)
    elif isinstance(e, Instance.ActionRequested) and e.action in MOVES:
        _set(cur, ident, resize_to=e.params.get("host"))
    elif isinstance(e, Instance.ActionSucceeded) and e.action in MOVES:
        now = host_of(cur, ident)
        row = cur.execute("SELECT resize_to FROM instance_action_hosts WHERE instance_id = ?",
                          (ident,)).one()
        _set(cur, ident, host=(row["resize_to"] if row else None) or now, resize_from=now,
             resize_to=None)
    elif isinstance(e, Instance.ActionSucceeded) and e.action == "revert_resize":
        row = cur.execute("SELECT resize_from FROM instance_action_hosts WHERE instance_id = ?",
                          (ident,)).one()
        if row and row["resize_from"]:
            _set(cur, ident, host=row["resize_from"], resize_from=None)
    elif isinstance(e, Instance.Deleted):
        cur.execute("DELETE FROM instance_action_hosts WHERE instance_id = ?", (ident,))
