"""Flavor commands (admin only, by policy): create, describe, extra specs, access, delete."""

from __future__ import annotations

from domain.app import SkyLedger
from domain.catalog.flavor import DEFAULT_FLAVORS, Flavor, flavor_uuid
from domain.commands import command
from domain.context import RequestContext
from domain.errors import AlreadyExists, NotFound
from domain.naming_service import claim_name, release_name


class FlavorService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def create(self, ctx: RequestContext, flavorid: str, name: str, ram: int, vcpus: int, disk: int,
               ephemeral: int = 0, swap: int = 0, rxtx_factor: float = 1.0, is_public: bool = True,
               description: str | None = None) -> Flavor:
        existing = self.app.find(flavor_uuid(flavorid))
        if existing is not None and not existing.deleted:
            raise AlreadyExists(f"Flavor with ID {flavorid} already exists.")
        if existing is not None:
            # Nova never reuses a deleted flavor's id for another flavor: ids are history.
            raise AlreadyExists(f"Flavor with ID {flavorid} existed before and was deleted.")
        flavor = Flavor(flavorid, name, ram, vcpus, disk, ephemeral, swap, rxtx_factor,
                        is_public, description)
        try:
            claim = claim_name(self.app, "flavor", "", name, flavor.id)
        except AlreadyExists:
            raise AlreadyExists(f"Flavor with name {name} already exists.") from None
        self.app.save(flavor, claim)
        return flavor

    def get(self, flavorid: str) -> Flavor:
        return self.app.get(flavor_uuid(flavorid), Flavor, "Flavor")

    @command
    def describe(self, ctx: RequestContext, flavorid: str, description: str | None) -> Flavor:
        flavor = self.get(flavorid)
        flavor.describe(description)
        self.app.save(flavor)
        return flavor

    @command
    def set_extra_specs(self, ctx: RequestContext, flavorid: str, specs: dict[str, str]) -> Flavor:
        flavor = self.get(flavorid)
        flavor.set_extra_specs(specs)
        self.app.save(flavor)
        return flavor

    @command
    def unset_extra_spec(self, ctx: RequestContext, flavorid: str, key: str) -> None:
        flavor = self.get(flavorid)
        if key not in flavor.extra_specs:
            raise NotFound(f"Flavor {flavorid} has no extra specs with key {key}.")
        flavor.unset_extra_spec(key)
        self.app.save(flavor)

    @command
    def grant_access(self, ctx: RequestContext, flavorid: str, project_id: str) -> Flavor:
        flavor = self.get(flavorid)
        flavor.grant_access(project_id)
        self.app.save(flavor)
        return flavor

    @command
    def revoke_access(self, ctx: RequestContext, flavorid: str, project_id: str) -> Flavor:
        flavor = self.get(flavorid)
        flavor.revoke_access(project_id)
        self.app.save(flavor)
        return flavor

    @command
    def delete(self, ctx: RequestContext, flavorid: str) -> None:
        flavor = self.get(flavorid)
        flavor.delete()
        self.app.save(flavor, release_name(self.app, "flavor", "", flavor.name, flavor.id))

    @command
    def seed_defaults(self, ctx: RequestContext) -> int:
        """Create Nova's m1.* flavors that do not exist yet; returns how many were created."""
        created = 0
        for flavorid, name, ram, vcpus, disk in DEFAULT_FLAVORS:
            if self.app.find(flavor_uuid(flavorid)) is None:
                flavor = Flavor(flavorid, name, ram, vcpus, disk, 0, 0, 1.0, True, None)
                self.app.save(flavor, claim_name(self.app, "flavor", "", name, flavor.id))
                created += 1
        return created
