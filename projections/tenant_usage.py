"""Usage per project over a period (Nova's `os-simple-tenant-usage`), from the server read model.

Nova keeps launch and termination times on its instance rows; here they are what the events
say (`launched_at` from the first Spawned, `terminated_at` from Deleted), kept by the server
projection, deleted servers included. A server counts for the part of the period between its
launch and its end (or the period's end), at its current flavor, as in Nova.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from projections.servers import ServerViews
from projections.store import ReadStore, Row

NOVA_TIME = "%Y-%m-%dT%H:%M:%S.%f"


def parsed(stamp: str) -> datetime:
    return datetime.strptime(stamp, NOVA_TIME).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Period:
    start: datetime
    stop: datetime


def server_usage(server: Row, period: Period, now: datetime) -> dict[str, Any] | None:
    """One server's use of the period, or None when it did not run in it."""
    launched = parsed(server["launched_at"] or server["created_at"])
    ended = parsed(server["terminated_at"]) if server["terminated_at"] else None
    if launched >= period.stop or (ended is not None and ended <= period.start):
        return None
    begin, end = max(launched, period.start), min(ended or period.stop, period.stop)
    flavor = server["flavor"]
    return {
        "instance_id": str(server["uuid"]), "name": server["name"],
        "tenant_id": server["project_id"], "flavor": flavor.get("name") or str(flavor["id"]),
        "hours": max(0.0, (end - begin).total_seconds() / 3600),
        "memory_mb": int(flavor["ram"]), "vcpus": int(flavor["vcpus"]),
        "local_gb": int(flavor["disk"]) + int(flavor.get("ephemeral") or 0),
        "started_at": launched.strftime(NOVA_TIME),
        "ended_at": ended.strftime(NOVA_TIME) if ended else None,
        "state": "terminated" if ended else server["vm_state"],
        "uptime": int(((ended or now) - launched).total_seconds()),
    }


def project_usages(store: ReadStore, period: Period, now: datetime,
                   project_id: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Each project's server usages in the period (one project's, or every project's)."""
    where = {} if project_id is None else {"project_id": project_id}
    found: dict[str, list[dict[str, Any]]] = {}
    for server in reversed(ServerViews(store).list(where, deleted=None)):
        usage = server_usage({**server, "uuid": UUID(server["id"])}, period, now)
        if usage is not None:
            found.setdefault(server["project_id"], []).append(usage)
    return found


def totals(project_id: str, usages: list[dict[str, Any]], period: Period) -> dict[str, Any]:
    return {
        "tenant_id": project_id, "start": period.start.strftime(NOVA_TIME),
        "stop": period.stop.strftime(NOVA_TIME),
        "total_hours": sum(u["hours"] for u in usages),
        "total_memory_mb_usage": sum(u["memory_mb"] * u["hours"] for u in usages),
        "total_vcpus_usage": sum(u["vcpus"] * u["hours"] for u in usages),
        "total_local_gb_usage": sum(u["local_gb"] * u["hours"] for u in usages),
    }
