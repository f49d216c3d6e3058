"""The version documents of the endpoint roots (api/discovery.py)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from api.responses.base import MISSING, Body, Link


class MediaType(Body):
    base: str
    type: str


class ApiVersion(Body):
    id: str
    status: str
    version: str = MISSING  # type: ignore[assignment]
    min_version: str = MISSING  # type: ignore[assignment]
    updated: str = MISSING  # type: ignore[assignment]
    links: list[Link]
    media_types: list[MediaType] = Field(default=MISSING,  # type: ignore[arg-type]  # base.py
                                         alias="media-types")


class Versions(Body):
    """Glance's, Cinder's, Nova's and Neutron's list of versions."""

    versions: list[ApiVersion]


class VersionValues(Body):
    values: list[ApiVersion]


class KeystoneVersions(Body):
    versions: VersionValues


class VersionShow(Body):
    version: ApiVersion


class Resources(Body):
    resources: list[dict[str, Any]]
