"""Metadata definition commands: namespaces and the definitions inside them (Glance's metadefs;
domain/catalog/metadef.py). Writes are an admin's (Glance's default policy), checked by the API."""

from __future__ import annotations

from typing import Any

from domain.app import SkyLedger
from domain.catalog.metadef import MetadefNamespace, check_visibility, namespace_id
from domain.commands import command
from domain.context import RequestContext
from domain.errors import InvalidInput, NotFound


class MetadefService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    def get(self, ctx: RequestContext, name: str) -> MetadefNamespace:
        found = self.app.find(namespace_id(name))
        if not isinstance(found, MetadefNamespace) or not found.visible_to(ctx.project_id,
                                                                           ctx.is_admin):
            raise NotFound(f"Metadata definition namespace={name} was not found.")
        return found

    @command
    def create(self, ctx: RequestContext, name: str, fields: dict[str, Any],
               definitions: dict[str, dict[str, dict[str, Any]]]) -> MetadefNamespace:
        if not name:
            raise InvalidInput("A namespace needs a name ('namespace').")
        check_visibility(fields.get("visibility", "private"))
        found = self.app.find(namespace_id(name))
        if isinstance(found, MetadefNamespace):
            found.recreate(ctx.project_id, fields)
            namespace = found
        else:
            namespace = MetadefNamespace(name, ctx.project_id, fields)
        for kind, entries in definitions.items():
            for entry_name, body in entries.items():
                namespace.save(kind, entry_name, body)
        self.app.save(namespace)
        return namespace

    @command
    def update(self, ctx: RequestContext, name: str, fields: dict[str, Any]) -> MetadefNamespace:
        namespace = self.get(ctx, name)
        namespace.update(fields)
        self.app.save(namespace)
        return namespace

    @command
    def delete(self, ctx: RequestContext, name: str) -> None:
        namespace = self.get(ctx, name)
        namespace.delete()
        self.app.save(namespace)

    @command
    def save(self, ctx: RequestContext, name: str, kind: str, entry: str, body: dict[str, Any],
             replacing: str | None = None) -> MetadefNamespace:
        namespace = self.get(ctx, name)
        namespace.save(kind, entry, body, replacing)
        self.app.save(namespace)
        return namespace

    @command
    def replace_all(self, ctx: RequestContext, name: str, kind: str,
                    bodies: dict[str, dict[str, Any]]) -> MetadefNamespace:
        """Glance's POST .../tags: the given tags replace the namespace's."""
        namespace = self.get(ctx, name)
        namespace.remove(kind)
        for entry, body in bodies.items():
            namespace.save(kind, entry, body)
        self.app.save(namespace)
        return namespace

    @command
    def remove(self, ctx: RequestContext, name: str, kind: str, entry: str | None) -> None:
        namespace = self.get(ctx, name)
        namespace.remove(kind, entry)
        self.app.save(namespace)
