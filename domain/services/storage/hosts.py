"""Volume services: a volume worker registers its host's backend and beats; an administrator
enables or disables the service (Cinder's os-services)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.app import SkyLedger
from domain.commands import command
from domain.context import RequestContext
from domain.errors import NotFound
from domain.storage.service import StorageService, storage_service_id


@dataclass(frozen=True)
class Capacity:
    total_gb: float
    free_gb: float


class StorageHosts:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def register(self, ctx: RequestContext, host: str, backend: str, availability_zone: str,
                 capacity: Capacity) -> StorageService:
        """First start registers the service; later starts record a changed backend or zone,
        and a beat."""
        service = self.app.find(storage_service_id(host))
        if service is None:
            service = StorageService(host, backend, availability_zone, capacity.total_gb,
                                     capacity.free_gb)
        else:
            if (service.backend, service.availability_zone) != (backend, availability_zone):
                service.reregister(backend, availability_zone)
            service.beat(capacity.total_gb, capacity.free_gb)
        self.app.save(service)
        return service

    @command
    def heartbeat(self, ctx: RequestContext, host: str, capacity: Capacity) -> None:
        service = self.get(host)
        service.beat(capacity.total_gb, capacity.free_gb)
        self.app.save(service)

    def get(self, host: str) -> StorageService:
        service = self.app.find(storage_service_id(host))
        if not isinstance(service, StorageService):
            raise NotFound(f"Service {host} could not be found.")
        return service

    @command
    def disable(self, ctx: RequestContext, host: str, reason: str | None) -> StorageService:
        service = self.get(host)
        if service.enabled or service.disabled_reason != reason:
            service.disable(reason)
            self.app.save(service)
        return service

    @command
    def enable(self, ctx: RequestContext, host: str) -> StorageService:
        service = self.get(host)
        if not service.enabled:
            service.enable()
            self.app.save(service)
        return service
