"""Read model of what Neutron users set beyond a network's segment and a port's one address:
subnets, network attributes (shared, router:external, admin_state_up, mtu, description) and
port attributes (admin_state_up, binding:*) and addresses, and subnet pools.

A read model of its own (beside `networks`) so that stores made before these existed gain it
by a rebuild of this one alone. An auto-made network's carved subnet has no row here until it
is changed or removed: `NetworkDetailViews` derives it from the `networks` row, as it always
was, and a `removed` row hides it once deleted.
"""

from __future__ import annotations

from typing import Any

from domain.network.network import Network
from domain.network.port import Port
from domain.network.prefix_pool import PrefixPool
from projections.base import Projection, as_json, from_json, handles, hexid, stamp
from projections.store import ReadCursor


class NetworkDetailProjection(Projection):
    name = "network_details"
    tables = ("subnets", "network_attrs", "port_attrs", "subnet_pools")
    ddl = (
        "CREATE TABLE IF NOT EXISTS subnets (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " network_id TEXT NOT NULL, project_id TEXT NOT NULL, spec TEXT NOT NULL,"
        " removed INTEGER NOT NULL, created_at TEXT, updated_at TEXT)",
        "CREATE INDEX IF NOT EXISTS subnets_by_network ON subnets (network_id, seq)",
        "CREATE TABLE IF NOT EXISTS network_attrs (id TEXT PRIMARY KEY, attrs TEXT NOT NULL,"
        " shared INTEGER NOT NULL, external INTEGER NOT NULL, updated_at TEXT)",
        "CREATE TABLE IF NOT EXISTS port_attrs (id TEXT PRIMARY KEY, fixed_ips TEXT,"
        " attrs TEXT NOT NULL, updated_at TEXT)",
        # A subnet pool's body as plain data (prefixes, lengths, attributes), `shared` for
        # visibility queries.
        "CREATE TABLE IF NOT EXISTS subnet_pools (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " project_id TEXT NOT NULL, shared INTEGER NOT NULL, pool TEXT NOT NULL,"
        " created_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
    )

    def apply(self, cur: ReadCursor, event: Any, position: int) -> None:
        if isinstance(event, Network.SubnetAdded):
            self.subnet_added(cur, event, position)
        elif isinstance(event, PrefixPool.Created):
            self.pool_created(cur, event, position)
        else:
            super().apply(cur, event, position)

    @handles(Network.SubnetAdded)
    def subnet_added(self, cur: ReadCursor, e: Network.SubnetAdded, position: int = 0) -> None:
        cur.execute("INSERT INTO subnets (id, seq, network_id, project_id, spec, removed,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
                    (e.subnet["id"], position, hexid(e), e.subnet["project_id"],
                     as_json(e.subnet), stamp(e), stamp(e)))

    @handles(Network.SubnetUpdated)
    def subnet_updated(self, cur: ReadCursor, e: Network.SubnetUpdated) -> None:
        # A carved subnet gets its first row here (seq 0: it came with its network).
        cur.execute("INSERT INTO subnets (id, seq, network_id, project_id, spec, removed,"
                    " created_at, updated_at) VALUES (?, 0, ?, ?, ?, 0, NULL, ?)"
                    " ON CONFLICT (id) DO UPDATE SET spec = excluded.spec,"
                    " updated_at = excluded.updated_at",
                    (e.subnet["id"], hexid(e), e.subnet["project_id"], as_json(e.subnet),
                     stamp(e)))

    @handles(Network.SubnetRemoved)
    def subnet_removed(self, cur: ReadCursor, e: Network.SubnetRemoved) -> None:
        cur.execute("INSERT INTO subnets (id, seq, network_id, project_id, spec, removed)"
                    " VALUES (?, 0, ?, '', '{}', 1) ON CONFLICT (id) DO UPDATE SET removed = 1",
                    (e.subnet_id, hexid(e)))

    @handles(Network.Updated)
    def network_updated(self, cur: ReadCursor, e: Network.Updated) -> None:
        row = cur.execute("SELECT attrs FROM network_attrs WHERE id = ?", (hexid(e),)).one()
        attrs = {**(from_json(row["attrs"]) if row else {}), **e.changes}
        cur.execute("INSERT INTO network_attrs (id, attrs, shared, external, updated_at)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                    " attrs = excluded.attrs, shared = excluded.shared,"
                    " external = excluded.external, updated_at = excluded.updated_at",
                    (hexid(e), as_json(attrs), int(bool(attrs.get("shared"))),
                     int(bool(attrs.get("router:external"))), stamp(e)))

    @handles(Network.Deleted)
    def network_deleted(self, cur: ReadCursor, e: Network.Deleted) -> None:
        cur.execute("DELETE FROM network_attrs WHERE id = ?", (hexid(e),))
        cur.execute("DELETE FROM subnets WHERE network_id = ?", (hexid(e),))

    @handles(Port.Allocated)
    def port_allocated(self, cur: ReadCursor, e: Port.Allocated) -> None:
        # (getattr: `Allocated` events recorded before these existed have neither.)
        cur.execute("INSERT INTO port_attrs (id, fixed_ips, attrs, updated_at)"
                    " VALUES (?, ?, ?, ?)",
                    (hexid(e), _json_or_null(getattr(e, "fixed_ips", None)),
                     as_json(getattr(e, "attributes", None) or {}), stamp(e)))

    @handles(Port.AttributesChanged)
    def port_attributes(self, cur: ReadCursor, e: Port.AttributesChanged) -> None:
        row = cur.execute("SELECT attrs FROM port_attrs WHERE id = ?", (hexid(e),)).one()
        attrs = {**(from_json(row["attrs"]) if row else {}), **e.changes}
        self.upsert_port(cur, hexid(e), "attrs", as_json(attrs), stamp(e))

    @handles(Port.FixedIpsChanged)
    def port_fixed_ips(self, cur: ReadCursor, e: Port.FixedIpsChanged) -> None:
        self.upsert_port(cur, hexid(e), "fixed_ips", as_json(e.fixed_ips), stamp(e))

    @handles(Port.Updated)
    def port_relabelled(self, cur: ReadCursor, e: Port.Updated) -> None:
        cur.execute("UPDATE port_attrs SET updated_at = ? WHERE id = ?", (stamp(e), hexid(e)))

    @staticmethod
    def upsert_port(cur: ReadCursor, port_id: str, column: str, value: str,
                    when: str) -> None:
        assert column in ("attrs", "fixed_ips")
        cur.execute("INSERT INTO port_attrs (id, fixed_ips, attrs, updated_at) VALUES"
                    " (?, NULL, '{}', ?) ON CONFLICT (id) DO NOTHING", (port_id, when))
        cur.execute(f"UPDATE port_attrs SET {column} = ?, updated_at = ? WHERE id = ?",
                    (value, when, port_id))

    @handles(PrefixPool.Created)
    def pool_created(self, cur: ReadCursor, e: PrefixPool.Created, position: int = 0) -> None:
        cur.execute("INSERT INTO subnet_pools (id, seq, project_id, shared, pool, created_at,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (hexid(e), position, e.project_id, int(bool(e.attributes.get("shared"))),
                     as_json(_pool_data(e)), stamp(e), stamp(e)))

    @handles(PrefixPool.Updated)
    def pool_updated(self, cur: ReadCursor, e: PrefixPool.Updated) -> None:
        row = cur.execute("SELECT pool FROM subnet_pools WHERE id = ?", (hexid(e),)).one()
        pool = {**(from_json(row["pool"]) if row else {}), **e.changes}
        cur.execute("UPDATE subnet_pools SET pool = ?, updated_at = ? WHERE id = ?",
                    (as_json(pool), stamp(e), hexid(e)))

    @handles(PrefixPool.Deleted)
    def pool_deleted(self, cur: ReadCursor, e: PrefixPool.Deleted) -> None:
        cur.execute("DELETE FROM subnet_pools WHERE id = ?", (hexid(e),))

    @handles(Port.Released)
    def port_released(self, cur: ReadCursor, e: Port.Released) -> None:
        cur.execute("DELETE FROM port_attrs WHERE id = ?", (hexid(e),))


def _pool_data(e: PrefixPool.Created) -> dict[str, Any]:
    return {"name": e.name, "ip_version": e.ip_version, "prefixes": e.prefixes,
            "lengths": e.lengths, **e.attributes}


def _json_or_null(value: Any) -> str | None:
    return None if value is None else as_json(value)
