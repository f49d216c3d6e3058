"""Read model of network agents (`/network/v2.0/agents`): what each registered, when it started
and last beat, and what an operator set. Times are Neutron's agent format (UTC, no zone)."""

from __future__ import annotations

from typing import Any

from domain.network.agent import NetworkAgentRecord
from projections.base import Projection, as_json, from_json, handles, hexid
from projections.store import ReadCursor, ReadStore, Row

AGENT_TIME = "%Y-%m-%d %H:%M:%S"


def agent_time(event: Any) -> str:
    return str(event.timestamp.strftime(AGENT_TIME))


class NetworkAgentProjection(Projection):
    name = "network_agents"
    tables = ("network_agents",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS network_agents (id TEXT PRIMARY KEY, host TEXT NOT NULL,"
        " agent_type TEXT NOT NULL, agent_binary TEXT NOT NULL, topic TEXT NOT NULL,"
        " configurations TEXT NOT NULL, description TEXT NOT NULL,"
        " admin_state_up INTEGER NOT NULL, created_at TEXT NOT NULL, started_at TEXT NOT NULL,"
        " heartbeat_timestamp TEXT NOT NULL)",
    )

    @handles(NetworkAgentRecord.Registered)
    def registered(self, cur: ReadCursor, e: NetworkAgentRecord.Registered) -> None:
        at = agent_time(e)
        cur.execute("DELETE FROM network_agents WHERE id = ?", (hexid(e),))
        cur.execute("INSERT INTO network_agents (id, host, agent_type, agent_binary, topic,"
                    " configurations, description, admin_state_up, created_at, started_at,"
                    " heartbeat_timestamp) VALUES (?, ?, ?, ?, ?, ?, '', 1, ?, ?, ?)",
                    (hexid(e), e.host, e.agent_type, e.binary, e.topic,
                     as_json(e.configurations), at, at, at))

    @handles(NetworkAgentRecord.Restarted)
    def restarted(self, cur: ReadCursor, e: NetworkAgentRecord.Restarted) -> None:
        cur.execute("UPDATE network_agents SET configurations = ?, started_at = ?,"
                    " heartbeat_timestamp = ? WHERE id = ?",
                    (as_json(e.configurations), agent_time(e), agent_time(e), hexid(e)))
        if not cur.rowcount:  # the record was deleted: it comes back as new
            self.registered(cur, e)  # type: ignore[arg-type]  # the same fields

    @handles(NetworkAgentRecord.Beat)
    def beat(self, cur: ReadCursor, e: NetworkAgentRecord.Beat) -> None:
        cur.execute("UPDATE network_agents SET heartbeat_timestamp = ? WHERE id = ?",
                    (agent_time(e), hexid(e)))

    @handles(NetworkAgentRecord.Updated)
    def updated(self, cur: ReadCursor, e: NetworkAgentRecord.Updated) -> None:
        cur.execute("UPDATE network_agents SET description = ?, admin_state_up = ?"
                    " WHERE id = ?", (e.description, int(e.admin_state_up), hexid(e)))

    @handles(NetworkAgentRecord.Deleted)
    def deleted(self, cur: ReadCursor, e: NetworkAgentRecord.Deleted) -> None:
        cur.execute("DELETE FROM network_agents WHERE id = ?", (hexid(e),))


class NetworkAgentViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def agents(self) -> list[Row]:
        rows = self.store.query("SELECT * FROM network_agents ORDER BY host, agent_type")
        return [{**r, "configurations": from_json(r["configurations"])} for r in rows]

    def agent(self, agent_id: str) -> Row | None:
        rows = self.store.query("SELECT * FROM network_agents WHERE id = ?", (agent_id,))
        return {**rows[0], "configurations": from_json(rows[0]["configurations"])} if rows \
            else None
