"""Subnet pools (Neutron's `/subnetpools`): a project's prefixes to cut subnets from.

A pool is one aggregate (domain/network/prefix_pool.py); subnets cut from it are claimed on it
in their network's save (domain/services/network/subnets.py).
"""

from __future__ import annotations

from typing import Any

from domain.app import SkyLedger
from domain.commands import command
from domain.context import RequestContext
from domain.errors import Forbidden
from domain.network.prefix_pool import PrefixPool, check_lengths, check_prefixes
from domain.services.network.workset import Workset, check_owner


class PrefixPoolService:
    """Commands on subnet pools. Every id is a hex or dashed UUID string."""

    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def create_pool(self, ctx: RequestContext, project_id: str, name: str, prefixes: Any,
                    default_prefixlen: Any = None, min_prefixlen: Any = None,
                    max_prefixlen: Any = None,
                    attributes: dict[str, Any] | None = None) -> PrefixPool:
        version, collapsed = check_prefixes(prefixes)
        lengths = check_lengths(version, collapsed, default_prefixlen, min_prefixlen,
                                max_prefixlen)
        pool = PrefixPool(project_id, name, version, collapsed, list(lengths),
                          dict(attributes or {}))
        self.app.save(pool)
        return pool

    @command
    def update_pool(self, ctx: RequestContext, pool_id: str,
                    changes: dict[str, Any]) -> PrefixPool:
        pool = self.owned(ctx, Workset(self.app), pool_id)
        pool.update(changes)
        self.app.save(pool)
        return pool

    @command
    def delete_pool(self, ctx: RequestContext, pool_id: str) -> None:
        """Refused (409) while subnets are cut from it."""
        pool = self.owned(ctx, Workset(self.app), pool_id)
        pool.delete()
        self.app.save(pool)

    def owned(self, ctx: RequestContext, ws: Workset, pool_id: str) -> PrefixPool:
        pool = ws.prefix_pool(pool_id)
        if pool.shared and pool.project_id != ctx.project_id and not ctx.is_admin:
            raise Forbidden(f"Only the owner of subnet pool {pool_id} can change it.")
        check_owner(ctx, pool.project_id, "Subnet pool", pool_id)
        return pool
