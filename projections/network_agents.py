"""Read model of network agents (`/network/v2.0/agents`): what each registered, when it started
and last beat, and what an operator set. Times are Neutron's agent format (UTC, no zone)."""

from __future__ import annotations

from typing import Any

from domain.network.agent import NetworkAgentRecord
from domain.network.dhcp_hosting import DhcpHosting
from domain.network.router_hosting import RouterHosting
from projections.base import Projection, as_json, from_json, handles, hexid
from projections.store import ReadCursor, ReadStore, Row

AGENT_TIME = "%Y-%m-%d %H:%M:%S"


def agent_time(event: Any) -> str:
    return str(event.timestamp.strftime(AGENT_TIME))


class NetworkAgentProjection(Projection):
    name = "network_agents"
    tables = ("network_agents", "hosting_ledgers", "hosted_resources")
    ddl = (
        "CREATE TABLE IF NOT EXISTS network_agents (id TEXT PRIMARY KEY, host TEXT NOT NULL,"
        " agent_type TEXT NOT NULL, agent_binary TEXT NOT NULL, topic TEXT NOT NULL,"
        " configurations TEXT NOT NULL, description TEXT NOT NULL,"
        " admin_state_up INTEGER NOT NULL, created_at TEXT NOT NULL, started_at TEXT NOT NULL,"
        " heartbeat_timestamp TEXT NOT NULL)",
        # What each host's agents run by its ledgers: kind 'router' (RouterHosting), and
        # 'network' (DhcpHosting: networks scheduled to its DHCP agent).
        "CREATE TABLE IF NOT EXISTS hosting_ledgers (id TEXT PRIMARY KEY, host TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS hosted_resources (ledger_id TEXT NOT NULL,"
        " kind TEXT NOT NULL, resource_id TEXT NOT NULL,"
        " PRIMARY KEY (ledger_id, kind, resource_id))",
        "CREATE INDEX IF NOT EXISTS hosted_by_resource ON hosted_resources (kind, resource_id)",
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

    @handles(RouterHosting.Opened, DhcpHosting.Opened)
    def ledger_opened(self, cur: ReadCursor, e: RouterHosting.Opened) -> None:
        cur.execute("INSERT INTO hosting_ledgers (id, host) VALUES (?, ?)", (hexid(e), e.host))

    @handles(RouterHosting.Hosted)
    def router_hosted(self, cur: ReadCursor, e: RouterHosting.Hosted) -> None:
        cur.execute("INSERT INTO hosted_resources (ledger_id, kind, resource_id)"
                    " VALUES (?, 'router', ?)", (hexid(e), e.router_id))

    @handles(RouterHosting.Released)
    def router_released(self, cur: ReadCursor, e: RouterHosting.Released) -> None:
        cur.execute("DELETE FROM hosted_resources WHERE ledger_id = ? AND kind = 'router'"
                    " AND resource_id = ?", (hexid(e), e.router_id))

    @handles(DhcpHosting.Scheduled)
    def network_scheduled(self, cur: ReadCursor, e: DhcpHosting.Scheduled) -> None:
        cur.execute("INSERT INTO hosted_resources (ledger_id, kind, resource_id)"
                    " VALUES (?, 'network', ?)", (hexid(e), e.network_id))

    @handles(DhcpHosting.Unscheduled)
    def network_unscheduled(self, cur: ReadCursor, e: DhcpHosting.Unscheduled) -> None:
        cur.execute("DELETE FROM hosted_resources WHERE ledger_id = ? AND kind = 'network'"
                    " AND resource_id = ?", (hexid(e), e.network_id))


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

    def hosted(self, host: str, kind: str) -> list[str]:
        """The ids (hex) of what `host`'s ledger of that kind holds."""
        rows = self.store.query(
            "SELECT r.resource_id FROM hosted_resources r JOIN hosting_ledgers l"
            " ON l.id = r.ledger_id WHERE l.host = ? AND r.kind = ? ORDER BY r.resource_id",
            (host, kind))
        return [r["resource_id"] for r in rows]

    def hosts_of(self, kind: str, resource_id: str) -> list[str]:
        rows = self.store.query(
            "SELECT l.host FROM hosted_resources r JOIN hosting_ledgers l ON l.id = r.ledger_id"
            " WHERE r.kind = ? AND r.resource_id = ? ORDER BY l.host", (kind, resource_id))
        return [r["host"] for r in rows]

    def agent_of(self, host: str, agent_type: str) -> Row | None:
        rows = self.store.query("SELECT * FROM network_agents WHERE host = ? AND agent_type = ?",
                                (host, agent_type))
        return {**rows[0], "configurations": from_json(rows[0]["configurations"])} if rows \
            else None

    def dhcp_networks(self, host: str) -> list[str]:
        """The networks `host`'s DHCP agent serves: those scheduled to it, and those with
        addressed ports of the live servers on it (the servers and networks read models)."""
        rows = self.store.query(
            "SELECT DISTINCT p.network_id FROM ports p JOIN servers s ON s.id = p.device_id"
            " WHERE s.host = ? AND NOT s.deleted AND p.fixed_ip <> ''", (host,))
        return sorted({r["network_id"] for r in rows} | set(self.hosted(host, "network")))

    def dhcp_hosts(self, network_id: str) -> list[str]:
        """The hosts whose DHCP agents serve the network (the converse of dhcp_networks)."""
        rows = self.store.query(
            "SELECT DISTINCT s.host FROM ports p JOIN servers s ON s.id = p.device_id"
            " WHERE p.network_id = ? AND NOT s.deleted AND p.fixed_ip <> ''"
            " AND s.host IS NOT NULL", (network_id,))
        return sorted({r["host"] for r in rows} | set(self.hosts_of("network", network_id)))
