"""Catalog commands: regions, services and endpoints; and the entries the bootstrap seeds."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, TypeVar

from domain.app import SkyLedger
from domain.base import natural_id
from domain.commands import changed, command
from domain.context import RequestContext
from domain.errors import AlreadyExists, InvalidInput, NotFound
from domain.identity.catalog import (
    INTERFACES,
    CatalogEntry,
    Endpoint,
    Region,
    Service,
    region_key,
)
from domain.services.identity.core import merged_extra, parse_id

# The APIs of this server: type, name, URL. `$(public_url)s` is the server's public URL when a
# catalog is shown (so the seeds follow a changed setting); `$(project_id)s` is Keystone's own
# substitution, by the token's project.
DEFAULT_SERVICES = (
    ("identity", "keystone", "$(public_url)s/identity"),
    ("compute", "nova", "$(public_url)s/compute/v2.1"),
    ("image", "glance", "$(public_url)s/image"),
    ("volumev3", "cinderv3", "$(public_url)s/volume/v3/$(project_id)s"),
    ("block-storage", "cinder", "$(public_url)s/volume/v3/$(project_id)s"),
    ("network", "neutron", "$(public_url)s/network"),
    ("ec2", "ec2", "$(public_url)s/ec2"),
)

E = TypeVar("E", bound=CatalogEntry)


class CatalogService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    # regions ----------------------------------------------------------------------------------
    @command
    def create_region(self, ctx: RequestContext, region_id: str | None, description: str = "",
                      parent_region_id: str | None = None,
                      extra: dict[str, Any] | None = None) -> Region:
        region_id = region_id or uuid.uuid4().hex
        if self.app.find(region_key(region_id)) is not None:
            raise AlreadyExists(f"Duplicate ID, {region_id}.")
        if parent_region_id is not None:
            self.region(parent_region_id)
        region = Region(region_id, description, parent_region_id, extra)
        self.app.save(region)
        return region

    @command
    def update_region(self, ctx: RequestContext, region_id: str,
                      changes: dict[str, Any]) -> Region:
        region = self.region(region_id)
        if changes.get("parent_region_id") is not None:
            if changes["parent_region_id"] == region_id:
                raise InvalidInput("A region cannot be its own parent.")
            self.region(changes["parent_region_id"])
        return self._update(region, changes)

    @command
    def delete_region(self, ctx: RequestContext, region_id: str) -> None:
        region = self.region(region_id)
        region.delete()
        self.app.save(region)

    def region(self, region_id: str) -> Region:
        return self.app.get(region_key(region_id), Region, f"region {region_id!r}")

    # services ---------------------------------------------------------------------------------
    @command
    def create_service(self, ctx: RequestContext, type: str, name: str = "",  # noqa: A002
                       description: str = "", enabled: bool = True,
                       extra: dict[str, Any] | None = None,
                       service_id: str | None = None) -> Service:
        service = Service(service_id or uuid.uuid4().hex, type, name, description, enabled, extra)
        self.app.save(service)
        return service

    @command
    def update_service(self, ctx: RequestContext, service_id: str,
                       changes: dict[str, Any]) -> Service:
        return self._update(self.service(service_id), changes)

    @command
    def delete_service(self, ctx: RequestContext, service_id: str,
                       endpoint_ids: Iterable[str] = ()) -> None:
        """Delete the service and, in the same save, the endpoints the caller found of it."""
        service = self.service(service_id)
        service.delete()
        endpoints = [self.app.find(parse_id(e, "endpoint")) for e in endpoint_ids]
        for endpoint in endpoints:
            if isinstance(endpoint, Endpoint) and not endpoint.deleted:
                endpoint.delete()
        self.app.save(*changed(service, *endpoints))

    def service(self, service_id: str) -> Service:
        return self.app.get(parse_id(service_id, "service"), Service, "service")

    # endpoints --------------------------------------------------------------------------------
    @command
    def create_endpoint(self, ctx: RequestContext, service_id: str, interface: str, url: str,
                        region_id: str | None = None, enabled: bool = True,
                        extra: dict[str, Any] | None = None,
                        endpoint_id: str | None = None, make_region: bool = False) -> Endpoint:
        """`make_region`: a missing region is created with the endpoint, as Keystone does for
        the legacy `region` attribute."""
        new_region = None
        if make_region and region_id is not None and self.app.find(region_key(region_id)) is None:
            new_region = Region(region_id, "", None)
        self._check_references(service_id, interface, None if new_region else region_id)
        endpoint = Endpoint(endpoint_id or uuid.uuid4().hex, self.service(service_id).id.hex,
                            interface, url, region_id, enabled, extra)
        self.app.save(*changed(new_region, endpoint))
        return endpoint

    @command
    def update_endpoint(self, ctx: RequestContext, endpoint_id: str, changes: dict[str, Any],
                        make_region: bool = False) -> Endpoint:
        endpoint = self.endpoint(endpoint_id)
        region_id = changes.get("region_id", endpoint.region_id)
        new_region = None
        if make_region and region_id is not None and self.app.find(region_key(region_id)) is None:
            new_region = Region(region_id, "", None)
        self._check_references(changes.get("service_id", endpoint.service_id),
                               changes.get("interface", endpoint.interface),
                               None if new_region else region_id)
        changes = merged_extra(endpoint.extra, changes)
        if changes:
            endpoint.update(changes)
        self.app.save(*changed(new_region, endpoint))
        return endpoint

    @command
    def delete_endpoint(self, ctx: RequestContext, endpoint_id: str) -> None:
        endpoint = self.endpoint(endpoint_id)
        endpoint.delete()
        self.app.save(endpoint)

    def endpoint(self, endpoint_id: str) -> Endpoint:
        return self.app.get(parse_id(endpoint_id, "endpoint"), Endpoint, "endpoint")

    def _check_references(self, service_id: str, interface: str, region_id: str | None) -> None:
        if interface not in INTERFACES:
            raise InvalidInput(f"Invalid interface {interface!r}: one of {', '.join(INTERFACES)}.")
        try:
            self.service(service_id)
            if region_id is not None:
                self.region(region_id)
        except NotFound as missing:
            # Keystone answers a reference to nothing in a body with 400.
            raise InvalidInput(str(missing)) from None

    def _update(self, entry: E, changes: dict[str, Any]) -> E:
        changes = merged_extra(entry.extra, changes)
        if changes:
            entry.update(changes)
        self.app.save(*changed(entry))
        return entry

    # the bootstrap's entries ------------------------------------------------------------------
    def seed_defaults(self, ctx: RequestContext, region_id: str) -> None:
        """Idempotent: the region and this server's APIs, with the ids tokens always carried."""
        if self.app.find(region_key(region_id)) is None:
            self.create_region(ctx, region_id)
        for kind, name, url in DEFAULT_SERVICES:
            service_id = natural_id("service", kind).hex
            if self.app.find(parse_id(service_id, "service")) is None:
                self.create_service(ctx, kind, name, service_id=service_id)
            for interface in INTERFACES:
                endpoint_id = natural_id("endpoint", kind, interface).hex
                if self.app.find(parse_id(endpoint_id, "endpoint")) is None:
                    self.create_endpoint(ctx, service_id, interface, url, region_id,
                                         endpoint_id=endpoint_id)
