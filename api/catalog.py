"""The service catalog a token carries: every API of this server, at its public URL."""

from __future__ import annotations

from domain.base import natural_id

SERVICES = (
    # type, name, path under the public URL ({project_id} is filled in per token)
    ("identity", "keystone", "/identity"),
    ("compute", "nova", "/compute/v2.1"),
    ("image", "glance", "/image"),
    ("volumev3", "cinderv3", "/volume/v3/{project_id}"),
    ("block-storage", "cinder", "/volume/v3/{project_id}"),
    ("network", "neutron", "/network"),
)


def service_catalog(
    public_url: str, region: str, project_id: str | None
) -> list[dict[str, object]]:
    catalog: list[dict[str, object]] = []
    for kind, name, path in SERVICES:
        if "{project_id}" in path and project_id is None:
            continue
        url = public_url + path.format(project_id=project_id)
        endpoints = [
            {
                "id": natural_id("endpoint", kind, iface).hex,
                "interface": iface,
                "region": region,
                "region_id": region,
                "url": url,
            }
            for iface in ("public", "internal", "admin")
        ]
        catalog.append(
            {
                "type": kind,
                "name": name,
                "id": natural_id("service", kind).hex,
                "endpoints": endpoints,
            }
        )
    return catalog
