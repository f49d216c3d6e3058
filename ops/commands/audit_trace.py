"""`skyledger audit --request-id ID --trace`: one request as a tree, from the request to the
events it caused to the side effects each host recorded with them (libvirt, pyroute2, dnsmasq,
nftables; see domain/process/effects.py)."""

from __future__ import annotations

import json
from typing import Any

from projections.store import Row

DETAIL_ORDER = ("kind", "id", "link", "master", "state", "address", "disk", "volume", "pool",
                "bytes", "netns")


def trace_json(request_id: str, rows: list[Row]) -> str:
    return json.dumps({"request_id": request_id, "events": rows}, indent=2, sort_keys=True,
                      default=str)


def trace_text(request_id: str, rows: list[Row]) -> str:
    """Events saved together with an outcome carry its side effects too; they are shown under
    the first of them only (the JSON says `same_effects_as` on the others)."""
    if not rows:
        return f"{request_id}: no events recorded with this request id"
    effects = sum(len(row["effects"]) for row in rows)
    first = rows[0]
    lines = [f"{request_id}  (user {first['user_id'] or '-'}, project "
             f"{first['project_id'] or '-'}): {len(rows)} event(s), {effects} side effect(s)"]
    for index, row in enumerate(rows):
        last = index == len(rows) - 1
        lines.append(("└─ " if last else "├─ ") + event_line(row))
        below = "   " if last else "│  "
        for number, effect in enumerate(row["effects"]):
            branch = "└─ " if number == len(row["effects"]) - 1 else "├─ "
            lines.append(below + branch + effect_line(effect))
    return "\n".join(lines)


def event_line(row: Row) -> str:
    when = str(row["occurred_at"]).replace("+00:00", "Z")
    by = row["user_id"] or "-"
    return (f"{when}  #{row['position']}  {row['aggregate_type']}.{row['event']}  "
            f"{row['aggregate_id']}  by {by}")


def effect_line(effect: dict[str, Any]) -> str:
    rest = {k: v for k, v in effect.items() if k not in ("system", "action", "target")}
    keys = [k for k in DETAIL_ORDER if k in rest] + sorted(k for k in rest if k not in DETAIL_ORDER)
    details = " ".join(f"{k}={rest[k]}" for k in keys)
    return f"{effect['system']} {effect['action']} {effect['target']}" + (
        f"  {details}" if details else "")
