"""Read model of image tasks (Image v2 `/tasks` and `/images/{id}/tasks`)."""

from __future__ import annotations

from uuid import UUID

from domain.catalog.image_task import TASK_TYPE, ImageTask
from projections.base import Projection, as_json, from_json, handles, hexid, stamp
from projections.store import ReadCursor, ReadStore, Row


class ImageTaskProjection(Projection):
    name = "image_tasks"
    tables = ("image_tasks",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS image_tasks (id TEXT PRIMARY KEY, image_id TEXT NOT NULL,"
        " owner TEXT NOT NULL, status TEXT NOT NULL, input TEXT NOT NULL, result TEXT,"
        " message TEXT NOT NULL, request_id TEXT, user_id TEXT, created_at TEXT NOT NULL,"
        " updated_at TEXT NOT NULL)",
    )

    @handles(ImageTask.Created)
    def created(self, cur: ReadCursor, e: ImageTask.Created) -> None:
        cur.execute(
            "INSERT INTO image_tasks (id, image_id, owner, status, input, message, request_id,"
            " user_id, created_at, updated_at) VALUES (?, ?, ?, 'processing', ?, '', ?, ?, ?, ?)",
            (hexid(e), e.image_id, e.owner, as_json(e.task_input), e.meta.get("request_id"),
             e.meta.get("user_id"), stamp(e), stamp(e)))

    @handles(ImageTask.Succeeded)
    def succeeded(self, cur: ReadCursor, e: ImageTask.Succeeded) -> None:
        cur.execute(
            "UPDATE image_tasks SET status = 'success', result = ?, updated_at = ? WHERE id = ?",
            (as_json(e.result), stamp(e), hexid(e)))

    @handles(ImageTask.Failed)
    def failed(self, cur: ReadCursor, e: ImageTask.Failed) -> None:
        cur.execute(
            "UPDATE image_tasks SET status = 'failure', message = ?, updated_at = ? WHERE id = ?",
            (e.message, stamp(e), hexid(e)))


class ImageTaskViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def of_image(self, image_id: str) -> list[Row]:
        return [task_body(r) for r in self.store.query(
            "SELECT * FROM image_tasks WHERE image_id = ? ORDER BY created_at", (image_id,))]

    def get(self, task_id: str) -> Row | None:
        row = self.store.query_one("SELECT * FROM image_tasks WHERE id = ?", (task_id,))
        return task_body(row) if row else None


def task_body(row: Row) -> Row:
    """A task in Glance's shape."""
    return {"id": str(UUID(row["id"])), "type": TASK_TYPE, "status": row["status"],
            "owner": row["owner"], "input": from_json(row["input"]),
            "result": from_json(row["result"]), "message": row["message"],
            "image_id": str(UUID(row["image_id"])), "request_id": row["request_id"],
            "user_id": row["user_id"], "created_at": row["created_at"],
            "updated_at": row["updated_at"], "expires_at": None,
            "schema": "/v2/schemas/task", "self": f"/v2/tasks/{UUID(row['id'])}"}
