"""Read model of security groups, their rules, and the groups of each port (Neutron's
`/security-groups`, `/security-group-rules`, a port's `security_groups`; Nova's proxies).

Rows are keyed by aggregate or rule id (hex); `seq` is the position of the event that made the
row, so lists come back in creation order and stay so on rebuild. Deleted groups and rules are
removed, as Neutron lists none.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.network.port import Port
from domain.network.security_group import SecurityGroup
from projections.base import Projection, as_json, from_json, handles, hexid, stamp
from projections.store import ReadCursor, ReadStore, Row

RULE_COLUMNS = ("direction", "ethertype", "protocol", "port_range_min", "port_range_max",
                "remote_ip_prefix", "remote_group_id", "description")


class SecurityGroupProjection(Projection):
    name = "security_groups"
    tables = ("port_security", "security_group_rules", "security_groups")
    ddl = (
        "CREATE TABLE IF NOT EXISTS security_groups (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " project_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL,"
        " stateful INTEGER NOT NULL, is_default INTEGER NOT NULL, created_at TEXT NOT NULL,"
        " updated_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS security_groups_by_project ON security_groups"
        " (project_id, seq)",
        "CREATE TABLE IF NOT EXISTS security_group_rules (id TEXT PRIMARY KEY,"
        " seq BIGINT NOT NULL, group_id TEXT NOT NULL, project_id TEXT NOT NULL,"
        " direction TEXT NOT NULL, ethertype TEXT NOT NULL, protocol TEXT,"
        " port_range_min INTEGER, port_range_max INTEGER, remote_ip_prefix TEXT,"
        " remote_group_id TEXT, description TEXT NOT NULL, created_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS security_group_rules_by_group ON security_group_rules"
        " (group_id, seq)",
        # A port's groups in their order (JSON list of hex ids), and its port security switch.
        "CREATE TABLE IF NOT EXISTS port_security (port_id TEXT PRIMARY KEY,"
        " security_groups TEXT NOT NULL, enabled INTEGER NOT NULL)",
    )

    def apply(self, cur: ReadCursor, event: Any, position: int) -> None:
        if isinstance(event, SecurityGroup.Created | SecurityGroup.Reopened):
            self.group_created(cur, event, position)
        elif isinstance(event, SecurityGroup.RuleAdded):
            self.rule_added(cur, event, position)
        else:
            super().apply(cur, event, position)

    @handles(SecurityGroup.Created, SecurityGroup.Reopened)
    def group_created(self, cur: ReadCursor, e: SecurityGroup.Created | SecurityGroup.Reopened,
                      position: int = 0) -> None:
        # A reopened group is a default group an admin deleted, made again under its id.
        reopened = isinstance(e, SecurityGroup.Reopened)
        cur.execute("INSERT INTO security_groups (id, seq, project_id, name, description,"
                    " stateful, is_default, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (hexid(e), position, e.project_id, e.name, e.description,
                     1 if reopened else int(getattr(e, "stateful", True)),
                     1 if reopened else int(getattr(e, "is_default", False)),
                     stamp(e), stamp(e)))

    @handles(SecurityGroup.Updated)
    def group_updated(self, cur: ReadCursor, e: SecurityGroup.Updated) -> None:
        cur.execute("UPDATE security_groups SET name = ?, description = ?, stateful = ?,"
                    " updated_at = ? WHERE id = ?",
                    (e.name, e.description, int(e.stateful), stamp(e), hexid(e)))

    @handles(SecurityGroup.Deleted)
    def group_deleted(self, cur: ReadCursor, e: SecurityGroup.Deleted) -> None:
        cur.execute("DELETE FROM security_groups WHERE id = ?", (hexid(e),))

    @handles(SecurityGroup.RuleAdded)
    def rule_added(self, cur: ReadCursor, e: SecurityGroup.RuleAdded, position: int = 0) -> None:
        group = cur.execute("SELECT project_id FROM security_groups WHERE id = ?",
                            (hexid(e),)).one()
        project_id = group["project_id"] if group else ""
        rule = e.rule
        cur.execute("INSERT INTO security_group_rules (id, seq, group_id, project_id,"
                    f" {', '.join(RULE_COLUMNS)}, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (e.rule_id, position, hexid(e), project_id,
                     *(rule.get(c) for c in RULE_COLUMNS[:-1]), rule.get("description") or "",
                     stamp(e)))

    @handles(SecurityGroup.RuleRemoved)
    def rule_removed(self, cur: ReadCursor, e: SecurityGroup.RuleRemoved) -> None:
        cur.execute("DELETE FROM security_group_rules WHERE id = ?", (e.rule_id,))

    @handles(Port.SecurityChanged)
    def port_secured(self, cur: ReadCursor, e: Port.SecurityChanged) -> None:
        cur.execute("INSERT INTO port_security (port_id, security_groups, enabled)"
                    " VALUES (?, ?, ?) ON CONFLICT (port_id) DO UPDATE SET"
                    " security_groups = excluded.security_groups, enabled = excluded.enabled",
                    (hexid(e), as_json(e.security_groups), int(e.port_security_enabled)))

    @handles(Port.Released)
    def port_released(self, cur: ReadCursor, e: Port.Released) -> None:
        cur.execute("DELETE FROM port_security WHERE port_id = ?", (hexid(e),))


class SecurityGroupViews:
    """Queries over the read model. `project_id` None means every project (admins)."""

    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def groups(self, project_id: str | None, **filters: Any) -> list[Row]:
        clauses, params = ["1 = 1"], []
        if project_id is not None:
            clauses.append("project_id = ?")
            params.append(project_id)
        for column, value in filters.items():
            clauses.append(f"{column} = ?")
            params.append(value)
        return self.store.query(f"SELECT * FROM security_groups WHERE {' AND '.join(clauses)}"
                                " ORDER BY seq", params)

    def group(self, group_id: str) -> Row | None:
        return self.store.query_one("SELECT * FROM security_groups WHERE id = ?", (group_id,))

    def default_group_ids(self) -> set[str]:
        rows = self.store.query("SELECT id FROM security_groups WHERE is_default = 1")
        return {r["id"] for r in rows}

    def rules(self, group_ids: list[str] | None = None,
              project_id: str | None = None) -> list[Row]:
        """The rules of these groups (all groups: None), of one project's groups or all."""
        clauses, params = ["1 = 1"], []
        if group_ids is not None:
            if not group_ids:
                return []
            clauses.append(f"group_id IN ({', '.join('?' for _ in group_ids)})")
            params.extend(group_ids)
        if project_id is not None:
            clauses.append("project_id = ?")
            params.append(project_id)
        return self.store.query("SELECT * FROM security_group_rules WHERE "
                                f"{' AND '.join(clauses)} ORDER BY seq", params)

    def rule(self, rule_id: str) -> Row | None:
        return self.store.query_one("SELECT * FROM security_group_rules WHERE id = ?",
                                    (rule_id,))

    def port_security(self, port_id: str) -> tuple[list[str], bool]:
        """A port's group ids (hex) and port security; a port that never recorded them has
        none, with port security on."""
        row = self.store.query_one("SELECT * FROM port_security WHERE port_id = ?", (port_id,))
        if row is None:
            return [], True
        return list(from_json(row["security_groups"]) or []), bool(row["enabled"])

    def instance_group_names(self, instance_id: str) -> list[str]:
        """The names of the groups of an instance's ports, each once (Nova's server body);
        reads the network read model's ports beside this one's tables."""
        rows = self.store.query("SELECT s.security_groups FROM ports p JOIN port_security s"
                                " ON s.port_id = p.id WHERE p.device_id = ? ORDER BY p.seq",
                                (UUID(instance_id).hex,))
        ids = dict.fromkeys(g for r in rows for g in from_json(r["security_groups"]) or [])
        names = {r["id"]: r["name"] for r in self.store.query(
            "SELECT id, name FROM security_groups WHERE id IN "
            f"({', '.join('?' for _ in ids)})", list(ids))} if ids else {}
        return list(dict.fromkeys(names[g] for g in ids if g in names))

    def count(self, project_id: str) -> tuple[int, int]:
        """(groups, rules) of the project."""
        groups = self.store.query_one("SELECT COUNT(*) AS n FROM security_groups"
                                      " WHERE project_id = ?", (project_id,))
        rules = self.store.query_one("SELECT COUNT(*) AS n FROM security_group_rules"
                                     " WHERE project_id = ?", (project_id,))
        return int(groups["n"] if groups else 0), int(rules["n"] if rules else 0)
