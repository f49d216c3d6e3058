"""Read model of the service catalog: regions, services, endpoints (Keystone's `/regions`,
`/services`, `/endpoints`, and the catalog a token carries)."""

from __future__ import annotations

from typing import Any

from domain.identity.catalog import Endpoint, Region, Service
from projections.base import Projection, as_json, handles, hexid
from projections.identity import SafeQueries, _decoded, _filters, _one, update_columns
from projections.store import ReadCursor, ReadStore, Row

REGION_COLUMNS = ("description", "parent_region_id", "extra")
SERVICE_COLUMNS = ("type", "name", "description", "enabled", "extra")
ENDPOINT_COLUMNS = ("service_id", "interface", "url", "region_id", "enabled", "extra")


def created_at(event: Any) -> str:
    # Entries are listed in the order they were made (the seeded catalog keeps its order).
    return str(event.timestamp.isoformat())


class CatalogProjection(Projection):
    name = "catalog"
    tables = ("endpoints", "services", "regions")
    ddl = (
        # id: the aggregate's (a uuid5 of region_id, the name users see and give).
        "CREATE TABLE IF NOT EXISTS regions (id TEXT PRIMARY KEY, region_id TEXT NOT NULL,"
        " description TEXT, parent_region_id TEXT, extra TEXT, created TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS services (id TEXT PRIMARY KEY, type TEXT NOT NULL,"
        " name TEXT, description TEXT, enabled BOOLEAN NOT NULL, extra TEXT,"
        " created TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS endpoints (id TEXT PRIMARY KEY, service_id TEXT NOT NULL,"
        " interface TEXT NOT NULL, url TEXT NOT NULL, region_id TEXT, enabled BOOLEAN NOT NULL,"
        " extra TEXT, created TEXT NOT NULL)",
    )

    @handles(Region.Created)
    def region_created(self, cur: ReadCursor, e: Region.Created) -> None:
        cur.execute("INSERT INTO regions (id, region_id, description, parent_region_id, extra,"
                    " created) VALUES (?, ?, ?, ?, ?, ?)",
                    (hexid(e), e.region_id, e.description, e.parent_region_id,
                     as_json(e.extra or {}), created_at(e)))

    @handles(Region.Updated)
    def region_updated(self, cur: ReadCursor, e: Region.Updated) -> None:
        update_columns(cur, "regions", REGION_COLUMNS, hexid(e), e.changes)

    @handles(Region.Deleted)
    def region_deleted(self, cur: ReadCursor, e: Region.Deleted) -> None:
        cur.execute("DELETE FROM regions WHERE id = ?", (hexid(e),))

    @handles(Service.Created)
    def service_created(self, cur: ReadCursor, e: Service.Created) -> None:
        cur.execute("INSERT INTO services (id, type, name, description, enabled, extra, created)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (hexid(e), e.type, e.name, e.description, e.enabled,
                     as_json(e.extra or {}), created_at(e)))

    @handles(Service.Updated)
    def service_updated(self, cur: ReadCursor, e: Service.Updated) -> None:
        update_columns(cur, "services", SERVICE_COLUMNS, hexid(e), e.changes)

    @handles(Service.Deleted)
    def service_deleted(self, cur: ReadCursor, e: Service.Deleted) -> None:
        cur.execute("DELETE FROM services WHERE id = ?", (hexid(e),))

    @handles(Endpoint.Created)
    def endpoint_created(self, cur: ReadCursor, e: Endpoint.Created) -> None:
        cur.execute("INSERT INTO endpoints (id, service_id, interface, url, region_id, enabled,"
                    " extra, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (hexid(e), e.service_id, e.interface, e.url, e.region_id, e.enabled,
                     as_json(e.extra or {}), created_at(e)))

    @handles(Endpoint.Updated)
    def endpoint_updated(self, cur: ReadCursor, e: Endpoint.Updated) -> None:
        update_columns(cur, "endpoints", ENDPOINT_COLUMNS, hexid(e), e.changes)

    @handles(Endpoint.Deleted)
    def endpoint_deleted(self, cur: ReadCursor, e: Endpoint.Deleted) -> None:
        cur.execute("DELETE FROM endpoints WHERE id = ?", (hexid(e),))


class CatalogViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = SafeQueries(store)

    def region(self, region_id: str) -> Row | None:
        return _one(self.store, "SELECT * FROM regions WHERE region_id = ?", (region_id,))

    def regions(self, parent_region_id: str | None = None) -> list[Row]:
        where, params = _filters(parent_region_id=parent_region_id)
        return _decoded(self.store.query(f"SELECT * FROM regions{where} ORDER BY created, id",
                                         params))

    def service(self, service_id: str) -> Row | None:
        return _one(self.store, "SELECT * FROM services WHERE id = ?", (service_id,))

    def services(self, type: str | None = None, name: str | None = None) -> list[Row]:  # noqa: A002
        where, params = _filters(type=type, name=name)
        return _decoded(self.store.query(f"SELECT * FROM services{where} ORDER BY created, id",
                                         params))

    def endpoint(self, endpoint_id: str) -> Row | None:
        return _one(self.store, "SELECT * FROM endpoints WHERE id = ?", (endpoint_id,))

    def endpoints(self, service_id: str | None = None, interface: str | None = None,
                  region_id: str | None = None) -> list[Row]:
        where, params = _filters(service_id=service_id, interface=interface, region_id=region_id)
        return _decoded(self.store.query(f"SELECT * FROM endpoints{where} ORDER BY created, id",
                                         params))
