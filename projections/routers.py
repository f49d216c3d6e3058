"""Read model of Neutron routers (`/network/v2.0/routers`): labels, gateway and extra routes.

A router's interfaces are ports: the port list shows them (device_owner
`network:router_interface`, device_id the router's), so this model keeps none of its own.
`seq` is the position of the event that made the row (creation order, stable on rebuild).
"""

from __future__ import annotations

from typing import Any

from domain.network.router import INTERFACE_OWNER, Router
from projections.base import Projection, as_json, from_json, handles, hexid, stamp
from projections.store import ReadCursor, ReadStore, Row


class RouterProjection(Projection):
    name = "routers"
    tables = ("routers",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS routers (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " project_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL,"
        " admin_state_up INTEGER NOT NULL, gateway TEXT, routes TEXT NOT NULL,"
        " created_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS routers_by_project ON routers (project_id, seq)",
    )

    def apply(self, cur: ReadCursor, event: Any, position: int) -> None:
        if isinstance(event, Router.Created):
            self.created(cur, event, position)
        else:
            super().apply(cur, event, position)

    @handles(Router.Created)
    def created(self, cur: ReadCursor, e: Router.Created, position: int = 0) -> None:
        cur.execute("INSERT INTO routers (id, seq, project_id, name, description,"
                    " admin_state_up, gateway, routes, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, NULL, '[]', ?, ?)",
                    (hexid(e), position, e.project_id, e.name, e.description,
                     int(e.admin_state_up), stamp(e), stamp(e)))

    @handles(Router.Updated)
    def updated(self, cur: ReadCursor, e: Router.Updated) -> None:
        cur.execute("UPDATE routers SET name = ?, description = ?, admin_state_up = ?,"
                    " updated_at = ? WHERE id = ?",
                    (e.name, e.description, int(e.admin_state_up), stamp(e), hexid(e)))

    @handles(Router.GatewaySet)
    def gateway_set(self, cur: ReadCursor, e: Router.GatewaySet) -> None:
        gateway = None if e.gateway is None else as_json(e.gateway)
        cur.execute("UPDATE routers SET gateway = ?, updated_at = ? WHERE id = ?",
                    (gateway, stamp(e), hexid(e)))

    @handles(Router.RoutesSet)
    def routes_set(self, cur: ReadCursor, e: Router.RoutesSet) -> None:
        cur.execute("UPDATE routers SET routes = ?, updated_at = ? WHERE id = ?",
                    (as_json(e.routes), stamp(e), hexid(e)))

    @handles(Router.Deleted)
    def deleted(self, cur: ReadCursor, e: Router.Deleted) -> None:
        cur.execute("DELETE FROM routers WHERE id = ?", (hexid(e),))


class RouterViews:
    """Queries over the read model. `project_id` None means every project (admins)."""

    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def routers(self, project_id: str | None) -> list[Row]:
        if project_id is None:
            return self.store.query("SELECT * FROM routers ORDER BY seq")
        return self.store.query("SELECT * FROM routers WHERE project_id = ? ORDER BY seq",
                                (project_id,))

    def router(self, router_id: str) -> Row | None:
        return self.store.query_one("SELECT * FROM routers WHERE id = ?", (router_id,))

    def router_serving(self, network_id: str, external_network_id: str) -> str | None:
        """The router that joins this network and has its gateway on the external network (a
        floating IP of that network on one of this network's ports goes through it: its
        `router_id`); reads the ports of the networks read model beside this one's table."""
        rows = self.store.query(
            "SELECT r.id, r.gateway FROM routers r JOIN ports p ON p.device_id = r.id"
            " JOIN port_labels l ON l.id = p.id WHERE p.network_id = ? AND l.device_owner = ?"
            " AND r.gateway IS NOT NULL ORDER BY r.seq", (network_id, INTERFACE_OWNER))
        return next((str(r["id"]) for r in rows
                     if from_json(r["gateway"])["network_id"] == external_network_id), None)
