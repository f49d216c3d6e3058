"""The service catalog a token carries, built from the catalog read model (projections/
catalog.py): each enabled service with its enabled endpoints, URLs filled in."""

from __future__ import annotations

from projections.catalog import CatalogViews
from projections.store import ReadStore


def endpoint_url(template: str, public_url: str, project_id: str | None) -> str | None:
    """The URL of an endpoint for a token's project; None when it needs a project and the
    token has none. `$(public_url)s` is this server's (the bootstrap's entries use it)."""
    url = template.replace("$(public_url)s", public_url)
    if "$(project_id)s" in url or "$(tenant_id)s" in url:
        if project_id is None:
            return None
        url = url.replace("$(project_id)s", project_id).replace("$(tenant_id)s", project_id)
    return url


def service_catalog(store: ReadStore, public_url: str,
                    project_id: str | None) -> list[dict[str, object]]:
    views = CatalogViews(store)
    by_service: dict[str, list[dict[str, object]]] = {}
    for row in views.endpoints():
        url = endpoint_url(row["url"], public_url, project_id)
        if row["enabled"] and url is not None:
            by_service.setdefault(row["service_id"], []).append(
                {"id": row["id"], "interface": row["interface"], "region": row["region_id"],
                 "region_id": row["region_id"], "url": url})
    # Keystone leaves out the services that have no endpoint to offer.
    return [{"type": s["type"], "name": s["name"] or "", "id": s["id"],
             "endpoints": by_service[s["id"]]}
            for s in views.services() if s["enabled"] and by_service.get(s["id"])]
