"""Read model of networks, ports and floating IPs (Neutron `/network/v2.0`); subnets and the
attributes users set are in `network_details`, and the queries over both in network_queries.py.

Rows are keyed by the aggregate id (hex); `seq` is the creation event's position, so lists come
back in creation order and stay so on rebuild. Deleted or released resources are removed: Neutron
lists no deleted resource.
"""

from __future__ import annotations

from typing import Any

from domain.network.floating import FloatingIp
from domain.network.network import Network
from domain.network.pool import EXTERNAL_NETWORK_ID
from domain.network.port import COMPUTE_OWNER, Port
from projections.base import Projection, handles, hexid, stamp
from projections.store import ReadCursor


class NetworkProjection(Projection):
    name = "networks"
    tables = ("floating_networks", "floating_ips", "port_labels", "ports", "networks")
    ddl = (
        "CREATE TABLE IF NOT EXISTS networks (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " project_id TEXT NOT NULL, name TEXT NOT NULL, segment_type TEXT NOT NULL,"
        " segmentation_id INTEGER NOT NULL, cidr TEXT NOT NULL, created_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS networks_by_project ON networks (project_id, seq)",
        "CREATE TABLE IF NOT EXISTS ports (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " network_id TEXT NOT NULL, project_id TEXT NOT NULL, device_id TEXT NOT NULL,"
        " mac TEXT NOT NULL, fixed_ip TEXT NOT NULL, floating_ip_id TEXT,"
        " created_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS ports_by_project ON ports (project_id, seq)",
        # Port labels live in a table of their own, so stores made before labels existed gain
        # it with IF NOT EXISTS; `free` is 1 for a port bound to no instance.
        "CREATE TABLE IF NOT EXISTS port_labels (id TEXT PRIMARY KEY, name TEXT NOT NULL,"
        " description TEXT NOT NULL, device_owner TEXT NOT NULL, free INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS floating_ips (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " project_id TEXT NOT NULL, address TEXT NOT NULL, port_id TEXT, fixed_ip TEXT,"
        " instance_id TEXT, network_id TEXT, created_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS floating_ips_by_project ON floating_ips (project_id, seq)",
        # The external network of a floating IP not from the `public` pool, in a table of its
        # own as port labels are, so stores made before such floating IPs need no rebuild.
        "CREATE TABLE IF NOT EXISTS floating_networks (id TEXT PRIMARY KEY,"
        " network_id TEXT NOT NULL)",
    )

    def apply(self, cur: ReadCursor, event: Any, position: int) -> None:
        # Creation rows take the event's position as `seq` (creation order, stable on rebuild).
        if isinstance(event, Network.Created):
            self.network_created(cur, event, position)
        elif isinstance(event, Port.Allocated):
            self.port_allocated(cur, event, position)
        elif isinstance(event, FloatingIp.Allocated):
            self.floating_allocated(cur, event, position)
        else:
            super().apply(cur, event, position)

    @handles(Network.Created)
    def network_created(self, cur: ReadCursor, e: Network.Created, position: int = 0) -> None:
        cur.execute("INSERT INTO networks (id, seq, project_id, name, segment_type,"
                    " segmentation_id, cidr, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (hexid(e), position, e.project_id, e.name, e.segment_type,
                     e.segmentation_id, e.cidr, stamp(e)))

    @handles(Network.Deleted)
    def network_deleted(self, cur: ReadCursor, e: Network.Deleted) -> None:
        cur.execute("DELETE FROM networks WHERE id = ?", (hexid(e),))

    @handles(Port.Allocated)
    def port_allocated(self, cur: ReadCursor, e: Port.Allocated, position: int = 0) -> None:
        # An instance's port is that instance's device; a free port's device_id is a label.
        # (getattr: `Allocated` events recorded before labels existed have none.)
        free = not e.instance_id
        device_id = (getattr(e, "device_id", None) or "") if free else e.instance_id
        owner = getattr(e, "device_owner", None) or ("" if free else COMPUTE_OWNER)
        cur.execute("INSERT INTO ports (id, seq, network_id, project_id, device_id, mac,"
                    " fixed_ip, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (hexid(e), position, e.network_id, e.project_id, device_id, e.mac,
                     e.fixed_ip, stamp(e)))
        cur.execute("INSERT INTO port_labels (id, name, description, device_owner, free)"
                    " VALUES (?, ?, ?, ?, ?)", (hexid(e), getattr(e, "name", ""),
                                                getattr(e, "description", ""), owner,
                                                int(free)))

    @handles(Port.Updated)
    def port_updated(self, cur: ReadCursor, e: Port.Updated) -> None:
        # A port projected before labels existed has no row yet: it was an instance's.
        cur.execute("INSERT INTO port_labels (id, name, description, device_owner, free)"
                    " VALUES (?, ?, ?, ?, 0) ON CONFLICT (id) DO UPDATE SET"
                    " name = excluded.name, description = excluded.description",
                    (hexid(e), e.name, e.description, COMPUTE_OWNER))

    @handles(Port.DeviceChanged)
    def port_device(self, cur: ReadCursor, e: Port.DeviceChanged) -> None:
        # A free port joined to (or taken off) a router as its interface.
        cur.execute("UPDATE ports SET device_id = ? WHERE id = ?", (e.device_id, hexid(e)))
        cur.execute("UPDATE port_labels SET device_owner = ? WHERE id = ?",
                    (e.device_owner, hexid(e)))

    @handles(Port.Bound, Port.Unbound)
    def port_binding(self, cur: ReadCursor, e: Port.Bound | Port.Unbound) -> None:
        bound = isinstance(e, Port.Bound)
        device_id, owner = (e.instance_id, e.device_owner) if isinstance(e, Port.Bound) \
            else ("", "")
        cur.execute("UPDATE ports SET device_id = ? WHERE id = ?", (device_id, hexid(e)))
        cur.execute("UPDATE port_labels SET device_owner = ?, free = ? WHERE id = ?",
                    (owner, 0 if bound else 1, hexid(e)))

    @handles(Port.FixedIpsChanged)
    def port_addresses(self, cur: ReadCursor, e: Port.FixedIpsChanged) -> None:
        cur.execute("UPDATE ports SET fixed_ip = ? WHERE id = ?", (e.fixed_ip, hexid(e)))

    @handles(Network.Updated)
    def network_updated(self, cur: ReadCursor, e: Network.Updated) -> None:
        if "name" in e.changes:
            cur.execute("UPDATE networks SET name = ? WHERE id = ?",
                        (e.changes["name"], hexid(e)))

    @handles(Port.FloatingIpAssociated, Port.FloatingIpDisassociated)
    def port_floating(self, cur: ReadCursor,
                      e: Port.FloatingIpAssociated | Port.FloatingIpDisassociated) -> None:
        value = e.floating_ip_id if isinstance(e, Port.FloatingIpAssociated) else None
        cur.execute("UPDATE ports SET floating_ip_id = ? WHERE id = ?", (value, hexid(e)))

    @handles(Port.Released)
    def port_released(self, cur: ReadCursor, e: Port.Released) -> None:
        cur.execute("DELETE FROM port_labels WHERE id = ?", (hexid(e),))
        cur.execute("DELETE FROM ports WHERE id = ?", (hexid(e),))

    @handles(FloatingIp.Allocated)
    def floating_allocated(self, cur: ReadCursor,
                           e: FloatingIp.Allocated, position: int = 0) -> None:
        cur.execute("INSERT INTO floating_ips (id, seq, project_id, address, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (hexid(e), position, e.project_id, e.address, stamp(e)))
        if e.floating_network_id != EXTERNAL_NETWORK_ID:
            cur.execute("INSERT INTO floating_networks (id, network_id) VALUES (?, ?)",
                        (hexid(e), e.floating_network_id))

    @handles(FloatingIp.Associated)
    def floating_associated(self, cur: ReadCursor, e: FloatingIp.Associated) -> None:
        cur.execute("UPDATE floating_ips SET port_id = ?, fixed_ip = ?, instance_id = ?,"
                    " network_id = ? WHERE id = ?",
                    (e.port_id, e.fixed_ip, e.instance_id, e.network_id, hexid(e)))

    @handles(FloatingIp.Disassociated)
    def floating_disassociated(self, cur: ReadCursor, e: FloatingIp.Disassociated) -> None:
        cur.execute("UPDATE floating_ips SET port_id = NULL, fixed_ip = NULL,"
                    " instance_id = NULL, network_id = NULL WHERE id = ?", (hexid(e),))

    @handles(FloatingIp.Released)
    def floating_released(self, cur: ReadCursor, e: FloatingIp.Released) -> None:
        cur.execute("DELETE FROM floating_ips WHERE id = ?", (hexid(e),))
        cur.execute("DELETE FROM floating_networks WHERE id = ?", (hexid(e),))
