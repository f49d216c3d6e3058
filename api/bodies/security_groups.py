"""Security groups and rules as Neutron shows them, from the security group read model, and the
project's default group made on first need (as Neutron makes it when a project first looks).

Nova's proxy bodies (api/routers/compute_security_groups.py) are built from the same rows.
"""

from __future__ import annotations

from ipaddress import ip_interface
from typing import Any
from uuid import UUID

from api.auth import Caller
from api.bodies.networks import dashed, owned_by, parse_ref
from api.deps import CloudServices
from domain.errors import InvalidInput, NotFound
from projections.security_groups import SecurityGroupViews
from projections.store import Row


def sg_views(cloud: CloudServices) -> SecurityGroupViews:
    return SecurityGroupViews(cloud.store)


def ensure_default(cloud: CloudServices, caller: Caller, project_id: str | None) -> None:
    """Neutron makes a project's default group the first time the project lists groups or
    rules; a read model that shows one already needs no command."""
    if not project_id or sg_views(cloud).groups(project_id, is_default=1):
        return
    cloud.security_groups.ensure_default(caller.ctx, project_id)
    cloud.catch_up_for_reads()


def rule_body(row: Row, default_group_ids: set[str] | None = None) -> dict[str, Any]:
    prefix = row["remote_ip_prefix"]
    return {
        "id": dashed(row["id"]), "security_group_id": dashed(row["group_id"]),
        **owned_by(row["project_id"]), "direction": row["direction"],
        "ethertype": row["ethertype"], "protocol": row["protocol"],
        "port_range_min": row["port_range_min"], "port_range_max": row["port_range_max"],
        "remote_ip_prefix": prefix, "remote_group_id": dashed(row["remote_group_id"]),
        "remote_address_group_id": None,
        "normalized_cidr": str(ip_interface(prefix).network) if prefix else None,
        "description": row["description"],
        "belongs_to_default_sg": row["group_id"] in (default_group_ids or set()),
        "revision_number": 0, "created_at": row["created_at"], "updated_at": row["created_at"],
    }


def group_body(row: Row, rules: list[Row]) -> dict[str, Any]:
    defaults = {row["id"]} if row["is_default"] else set()
    return {
        "id": dashed(row["id"]), "name": row["name"], "description": row["description"],
        "stateful": bool(row["stateful"]), "shared": False, **owned_by(row["project_id"]),
        "security_group_rules": [rule_body(r, defaults) for r in rules
                                 if r["group_id"] == row["id"]],
        "tags": [], "revision_number": 0,
        "created_at": row["created_at"], "updated_at": row["updated_at"],
    }


def group_bodies(cloud: CloudServices, rows: list[Row]) -> list[dict[str, Any]]:
    """Bodies of many groups with one query for all their rules."""
    rules = sg_views(cloud).rules([r["id"] for r in rows])
    return [group_body(r, rules) for r in rows]


def shown_group(cloud: CloudServices, group_id: str) -> dict[str, Any]:
    """A group just changed by a command, once the read model has it."""
    cloud.catch_up_for_reads()
    row = sg_views(cloud).group(group_id)
    if row is None:
        raise NotFound(f"Security group {group_id} does not exist")
    return group_bodies(cloud, [row])[0]


def visible_group(cloud: CloudServices, caller: Caller, ref: str) -> Row:
    """A group the caller may see (another project's does not exist, for a non-admin)."""
    row = sg_views(cloud).group(parse_ref(ref, "Security group"))
    if row is None or (row["project_id"] != caller.project_id and not caller.is_admin):
        raise NotFound(f"Security group {ref} does not exist")
    return row


def visible_rule(cloud: CloudServices, caller: Caller, ref: str) -> Row:
    try:
        row = sg_views(cloud).rule(parse_ref(ref, "Security group rule"))
    except NotFound:
        row = None
    if row is None or (row["project_id"] != caller.project_id and not caller.is_admin):
        raise NotFound(f"Security group rule {ref} does not exist")
    return row


def find_group(cloud: CloudServices, project_id: str, ref: str) -> list[Row]:
    """The project's groups a name or id names (Neutron's find by name or id: an id first)."""
    try:
        row = sg_views(cloud).group(UUID(ref).hex)
    except ValueError:
        row = None
    if row is not None and row["project_id"] == project_id:
        return [row]
    return sg_views(cloud).groups(project_id, name=ref)


def group_refs(refs: list[str] | None) -> list[str] | None:
    """Security group ids asked for on a port: each a UUID (Neutron's uuid_list, 400)."""
    if refs is None:
        return None
    try:
        return [UUID(str(ref)).hex for ref in refs]
    except ValueError:
        raise InvalidInput(f"Invalid input for security_groups. Reason: '{refs}' is not a "
                           "list of unique UUIDs.") from None


def secured(cloud: CloudServices, body: dict[str, Any]) -> dict[str, Any]:
    """A port body with its security groups and port security from the read model."""
    groups, enabled = sg_views(cloud).port_security(UUID(body["id"]).hex)
    return {**body, "security_groups": [dashed(g) for g in groups],
            "port_security_enabled": enabled}


def default_ids(cloud: CloudServices) -> set[str]:
    return sg_views(cloud).default_group_ids()
