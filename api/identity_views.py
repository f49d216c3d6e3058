"""Keystone-shaped bodies for users, projects, roles and tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

DEFAULT_DOMAIN = {"id": "default", "name": "Default"}


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def project_body(row: dict[str, Any], base: str) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "domain_id": row["domain_id"],
            "description": row.get("description") or "", "enabled": bool(row["enabled"]),
            "is_domain": False, "parent_id": row["domain_id"], "tags": [], "options": {},
            "links": {"self": f"{base}/identity/v3/projects/{row['id']}"}}


def user_body(row: dict[str, Any], base: str) -> dict[str, Any]:
    body = {"id": row["id"], "name": row["name"], "domain_id": row["domain_id"],
            "enabled": bool(row["enabled"]), "password_expires_at": None, "options": {},
            "description": row.get("description") or "",
            "links": {"self": f"{base}/identity/v3/users/{row['id']}"}}
    if row.get("default_project_id"):
        body["default_project_id"] = row["default_project_id"]
    if row.get("email"):
        body["email"] = row["email"]
    return body


def role_body(row: dict[str, Any], base: str) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "domain_id": None, "description": None,
            "options": {}, "links": {"self": f"{base}/identity/v3/roles/{row['id']}"}}
