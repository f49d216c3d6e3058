"""Read model of domains, groups, group membership and the roles given to groups."""

from __future__ import annotations

from domain.identity.domain import Domain
from domain.identity.group import Group
from domain.identity.inheritance import inherited_target
from domain.identity.project import Project
from domain.identity.user import User
from projections.base import Projection, as_json, handles, hexid
from projections.identity import newer, update_columns
from projections.store import ReadCursor

DOMAIN_COLUMNS = ("name", "description", "enabled", "tags", "extra")
GROUP_COLUMNS = ("name", "description", "extra")


class DomainGroupProjection(Projection):
    name = "identity_domains"
    tables = ("project_parents", "group_grants", "group_members", "groups", "domains")
    ddl = (
        "CREATE TABLE IF NOT EXISTS domains (id TEXT PRIMARY KEY, name TEXT NOT NULL,"
        " description TEXT, enabled BOOLEAN NOT NULL, tags TEXT, extra TEXT)",
        "CREATE TABLE IF NOT EXISTS groups (id TEXT PRIMARY KEY, name TEXT NOT NULL,"
        " domain_id TEXT NOT NULL, description TEXT, extra TEXT)",
        "CREATE TABLE IF NOT EXISTS group_members (group_id TEXT NOT NULL,"
        " user_id TEXT NOT NULL, PRIMARY KEY (group_id, user_id))",
        # target: a project id, or 'system'.
        "CREATE TABLE IF NOT EXISTS group_grants (group_id TEXT NOT NULL, target TEXT NOT NULL,"
        " role TEXT NOT NULL, PRIMARY KEY (group_id, target, role))",
        # Projects with a parent project (Keystone's hierarchy); others sit under their domain.
        "CREATE TABLE IF NOT EXISTS project_parents (project_id TEXT PRIMARY KEY,"
        " parent_id TEXT NOT NULL)",
    )

    @handles(Domain.Created)
    def domain_created(self, cur: ReadCursor, e: Domain.Created) -> None:
        cur.execute("INSERT INTO domains (id, name, description, enabled, tags, extra)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (hexid(e), e.name, e.description, e.enabled, as_json(newer(e, "tags", [])),
                     as_json(newer(e, "extra", {}))))

    @handles(Domain.Updated)
    def domain_updated(self, cur: ReadCursor, e: Domain.Updated) -> None:
        update_columns(cur, "domains", DOMAIN_COLUMNS, hexid(e), e.changes)

    @handles(Domain.Deleted)
    def domain_deleted(self, cur: ReadCursor, e: Domain.Deleted) -> None:
        cur.execute("DELETE FROM domains WHERE id = ?", (hexid(e),))

    @handles(Group.Created)
    def group_created(self, cur: ReadCursor, e: Group.Created) -> None:
        cur.execute("INSERT INTO groups (id, name, domain_id, description, extra)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (hexid(e), e.name, e.domain_id, e.description,
                     as_json(newer(e, "extra", {}))))

    @handles(Group.Updated)
    def group_updated(self, cur: ReadCursor, e: Group.Updated) -> None:
        update_columns(cur, "groups", GROUP_COLUMNS, hexid(e), e.changes)

    @handles(Group.Deleted)
    def group_deleted(self, cur: ReadCursor, e: Group.Deleted) -> None:
        for table in ("group_grants", "group_members"):
            cur.execute(f"DELETE FROM {table} WHERE group_id = ?", (hexid(e),))
        cur.execute("DELETE FROM groups WHERE id = ?", (hexid(e),))

    @handles(Group.RoleGranted)
    def group_role_granted(self, cur: ReadCursor, e: Group.RoleGranted) -> None:
        cur.execute("INSERT INTO group_grants (group_id, target, role) VALUES (?, ?, ?)"
                    " ON CONFLICT DO NOTHING", (hexid(e), e.target, e.role))

    @handles(Group.RoleRevoked)
    def group_role_revoked(self, cur: ReadCursor, e: Group.RoleRevoked) -> None:
        cur.execute("DELETE FROM group_grants WHERE group_id = ? AND target = ? AND role = ?",
                    (hexid(e), e.target, e.role))

    @handles(User.AddedToGroup)
    def member_added(self, cur: ReadCursor, e: User.AddedToGroup) -> None:
        cur.execute("INSERT INTO group_members (group_id, user_id) VALUES (?, ?)"
                    " ON CONFLICT DO NOTHING", (e.group_id, hexid(e)))

    @handles(User.RemovedFromGroup)
    def member_removed(self, cur: ReadCursor, e: User.RemovedFromGroup) -> None:
        cur.execute("DELETE FROM group_members WHERE group_id = ? AND user_id = ?",
                    (e.group_id, hexid(e)))

    @handles(User.Deleted)
    def user_deleted(self, cur: ReadCursor, e: User.Deleted) -> None:
        cur.execute("DELETE FROM group_members WHERE user_id = ?", (hexid(e),))

    @handles(Project.Created)
    def project_created(self, cur: ReadCursor, e: Project.Created) -> None:
        parent = newer(e, "parent_id", None)
        if parent is not None:
            cur.execute("INSERT INTO project_parents (project_id, parent_id) VALUES (?, ?)",
                        (hexid(e), parent))

    @handles(Project.Deleted)
    def project_deleted(self, cur: ReadCursor, e: Project.Deleted) -> None:
        cur.execute("DELETE FROM group_grants WHERE target IN (?, ?)",
                    (hexid(e), inherited_target("project", hexid(e))))
        cur.execute("DELETE FROM project_parents WHERE project_id = ?", (hexid(e),))
