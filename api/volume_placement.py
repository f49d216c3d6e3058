"""Where a new volume goes (Cinder's scheduler, reduced to what a type can ask here): a type
whose `volume_backend_name` names a backend goes to an enabled, up volume service of that
backend; none such leaves the volume in error, as Cinder's "No valid backend". Any other volume
goes to the API's own storage host, as before types existed.

Read from the volume service and type read models: a choice, not an invariant (the worker of
the chosen host is what makes the volume)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from api.deps import CloudServices
from domain.storage.service import ServiceLiveness
from domain.storage.volume_type import BACKEND_SPEC
from projections.storage_services import StorageServiceViews
from projections.store import Row
from projections.volume_types import VolumeTypeViews

NO_VALID_BACKEND = "No valid backend was found. No weighed backends available"
# What every pool here reports (a libvirt storage pool of files), and Cinder's
# CapabilitiesFilter matches a type's extra specs of the same names against.
VENDOR, PROTOCOL, DRIVER_VERSION = "Open Source", "file", "1.0.0"
CAPABILITIES = {"vendor_name": VENDOR, "storage_protocol": PROTOCOL}


def is_up(cloud: CloudServices, row: Row) -> bool:
    beat = datetime.fromisoformat(row["updated_at"]).replace(tzinfo=UTC)
    return ServiceLiveness(down_after=cloud.settings.service_down_time).is_up(beat)


def type_row(cloud: CloudServices, ref: str) -> Row | None:
    views = VolumeTypeViews(cloud.store)
    try:
        return views.get(UUID(ref).hex) or views.by_name(ref)
    except ValueError:
        return views.by_name(ref)


def place(cloud: CloudServices, volume_type: str | None) -> tuple[str | None, str | None]:
    """(the storage host, or None for the default one; why there is none, or None)."""
    row = type_row(cloud, volume_type) if volume_type is not None else None
    specs = (row or {}).get("extra_specs", {})
    if any(specs[k] != v for k, v in CAPABILITIES.items()
           if k in specs and not str(specs[k]).startswith("<")):  # operators: not matched here
        return None, NO_VALID_BACKEND
    backend = specs.get(BACKEND_SPEC)
    if backend is None:
        return None, None
    for service in StorageServiceViews(cloud.store).all():
        if service["backend"] == backend and service["enabled"] and is_up(cloud, service):
            return str(service["host"]), None
    return None, NO_VALID_BACKEND
