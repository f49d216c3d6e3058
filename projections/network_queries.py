"""Queries over the `networks` and `network_details` read models (the API's only source).

Visibility follows Neutron: a project sees its own networks plus every shared or external
one, and the subnets of the networks it sees. `project_id` None means every project (admins).
"""

from __future__ import annotations

from typing import Any

from domain.network.network import DEFAULT_ATTRIBUTES, carved_subnet, carved_subnet_id
from domain.network.pool import EXTERNAL_NETWORK_ID
from domain.network.port import DEFAULT_PORT_ATTRIBUTES
from projections.base import from_json
from projections.store import ReadStore, Row

NETWORKS = ("SELECT n.*, a.attrs AS attrs, a.updated_at AS attrs_updated_at FROM networks n"
            " LEFT JOIN network_attrs a ON a.id = n.id")
# A port row with its labels and attributes (NULL for a port projected before they existed).
PORTS = ("SELECT p.*, l.name, l.description, l.device_owner, l.free, x.fixed_ips AS addresses,"
         " x.attrs AS attrs, x.updated_at AS attrs_updated_at FROM ports p"
         " LEFT JOIN port_labels l ON l.id = p.id LEFT JOIN port_attrs x ON x.id = p.id")

# A floating IP row with its external network (the `public` pool's unless recorded otherwise)
# and that network's name (NULL for the `public` pool, which is no row of `networks`).
FLOATING_IPS = ("SELECT f.*, COALESCE(o.network_id, ?) AS floating_network_id,"
                " n.name AS floating_network_name"
                " FROM floating_ips f LEFT JOIN floating_networks o ON o.id = f.id"
                " LEFT JOIN networks n ON n.id = o.network_id")


def _network(row: Row) -> Row:
    attrs = {**DEFAULT_ATTRIBUTES, **(from_json(row.get("attrs")) or {})}
    return {**row, "attrs": attrs,
            "updated_at": row.get("attrs_updated_at") or row["created_at"]}


def _port(row: Row) -> Row:
    addresses = from_json(row.get("addresses"))
    if addresses is None:  # one address on the carved subnet, as ports always had
        addresses = [{"subnet_id": carved_subnet_id(row["network_id"]),
                      "ip_address": row["fixed_ip"]}] if row["fixed_ip"] else []
    attrs = {**DEFAULT_PORT_ATTRIBUTES, **(from_json(row.get("attrs")) or {})}
    return {**row, "fixed_ips": addresses, "attrs": attrs,
            "updated_at": row.get("attrs_updated_at") or row["created_at"]}


class NetworkViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = store

    @staticmethod
    def _where(project_id: str | None, filters: dict[str, Any],
               table: str = "") -> tuple[str, list[Any]]:
        clauses, params = ["1 = 1"], []
        prefix = f"{table}." if table else ""
        if project_id is not None:
            clauses.append(f"{prefix}project_id = ?")
            params.append(project_id)
        for column, value in filters.items():
            clauses.append(f"{prefix}{column} = ?")
            params.append(value)
        return " AND ".join(clauses), params

    # -- networks ---------------------------------------------------------------------------------
    def networks(self, project_id: str | None, visible_to: str | None = None) -> list[Row]:
        """The networks of `project_id` (None: all); with `visible_to`, plus the shared and
        external networks that project sees."""
        where, params = self._where(project_id, {}, "n")
        if visible_to is not None:
            where = f"({where} OR a.shared = 1 OR a.external = 1)"
        rows = self.store.query(f"{NETWORKS} WHERE {where} ORDER BY n.seq", params)
        return [_network(r) for r in rows]

    def external_networks(self) -> list[Row]:
        """Every `router:external` network (Nova's floating IP pools), oldest first."""
        rows = self.store.query(f"{NETWORKS} WHERE a.external = 1 ORDER BY n.seq", ())
        return [_network(r) for r in rows]

    def network(self, network_id: str) -> Row | None:
        row = self.store.query_one(f"{NETWORKS} WHERE n.id = ?", (network_id,))
        return _network(row) if row else None

    # -- subnets ----------------------------------------------------------------------------------
    def subnets_of(self, networks: list[Row]) -> list[Row]:
        """Every subnet of these networks, by network then creation (carved ones first)."""
        if not networks:
            return []
        ids = [n["id"] for n in networks]
        marks = ", ".join("?" for _ in ids)
        stored = self.store.query(f"SELECT * FROM subnets WHERE network_id IN ({marks})"
                                  " ORDER BY seq", ids)
        by_id = {r["id"]: r for r in stored}
        found: list[Row] = []
        for network in networks:
            carved = carved_subnet_id(network["id"]) if network["cidr"] else None
            if carved is not None and carved not in by_id:
                spec = carved_subnet(network["id"], network["project_id"], network["name"],
                                     network["cidr"]).as_data()
                found.append({**spec, "created_at": network["created_at"],
                              "updated_at": network["created_at"]})
            for row in stored:
                if row["network_id"] == network["id"] and not row["removed"]:
                    found.append({**from_json(row["spec"]),
                                  "created_at": row["created_at"] or network["created_at"],
                                  "updated_at": row["updated_at"] or network["created_at"]})
        return found

    def subnet(self, subnet_id: str, networks: list[Row]) -> Row | None:
        return next((s for s in self.subnets_of(networks) if s["id"] == subnet_id), None)

    def subnet_network(self, subnet_id: str) -> str | None:
        """The network a user-made subnet belongs to (carved ones: see `subnet`)."""
        row = self.store.query_one("SELECT network_id FROM subnets WHERE id = ? AND"
                                   " removed = 0", (subnet_id,))
        return None if row is None else str(row["network_id"])

    # -- ports ------------------------------------------------------------------------------------
    def ports(self, project_id: str | None, **filters: Any) -> list[Row]:
        where, params = self._where(project_id, filters, "p")
        return [_port(r) for r in
                self.store.query(f"{PORTS} WHERE {where} ORDER BY p.seq", params)]

    def port(self, port_id: str) -> Row | None:
        row = self.store.query_one(f"{PORTS} WHERE p.id = ?", (port_id,))
        return _port(row) if row else None

    # -- subnet pools -----------------------------------------------------------------------------
    def subnet_pools(self, project_id: str | None) -> list[Row]:
        """The pools of `project_id` and the shared ones (None: every pool)."""
        where, params = ("1 = 1", []) if project_id is None else (
            "project_id = ? OR shared = 1", [project_id])
        rows = self.store.query(f"SELECT * FROM subnet_pools WHERE {where} ORDER BY seq", params)
        return [{**r, "pool": from_json(r["pool"])} for r in rows]

    def subnet_pool(self, pool_id: str) -> Row | None:
        row = self.store.query_one("SELECT * FROM subnet_pools WHERE id = ?", (pool_id,))
        return None if row is None else {**row, "pool": from_json(row["pool"])}

    # -- floating IPs -----------------------------------------------------------------------------
    def floating_ips(self, project_id: str | None, **filters: Any) -> list[Row]:
        where, params = self._where(project_id, filters, "f")
        return self.store.query(f"{FLOATING_IPS} WHERE {where} ORDER BY f.seq",
                                [EXTERNAL_NETWORK_ID, *params])

    def floating_ip(self, floating_ip_id: str) -> Row | None:
        return self.store.query_one(f"{FLOATING_IPS} WHERE f.id = ?",
                                    (EXTERNAL_NETWORK_ID, floating_ip_id))

    def count(self, table: str, project_id: str) -> int:
        if table not in ("networks", "ports", "floating_ips"):
            raise ValueError(table)
        row = self.store.query_one(f"SELECT COUNT(*) AS n FROM {table} WHERE project_id = ?",
                                   (project_id,))
        return int(row["n"]) if row else 0
