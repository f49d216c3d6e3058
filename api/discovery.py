"""Version discovery documents for every endpoint root, as keystoneauth and openstacksdk
read them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.responses.discovery import KeystoneVersions, Resources, Versions, VersionShow

COMPUTE_MIN, COMPUTE_MAX = "2.1", "2.104"
VOLUME_MIN, VOLUME_MAX = "3.0", "3.70"
UPDATED = "2026-11-25T00:00:00Z"

router = APIRouter(tags=["discovery"])


def base(request: Request) -> str:
    return str(request.app.state.cloud.settings.public_url)


def link(href: str) -> list[dict[str, str]]:
    return [{"rel": "self", "href": href}]


def identity_version(request: Request) -> dict[str, object]:
    return {
        "id": "v3.14",
        "status": "stable",
        "updated": UPDATED,
        "links": link(f"{base(request)}/identity/v3/"),
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}
        ],
    }


def compute_version(request: Request) -> dict[str, object]:
    return {
        "id": "v2.1",
        "status": "CURRENT",
        "version": COMPUTE_MAX,
        "min_version": COMPUTE_MIN,
        "updated": UPDATED,
        "links": link(f"{base(request)}/compute/v2.1/"),
        "media-types": [
            {
                "base": "application/json",
                "type": "application/vnd.openstack.compute+json;version=2.1",
            }
        ],
    }


def compute_legacy_version(request: Request) -> dict[str, object]:
    """Nova's v2.0: the same API at 2.1 without microversions (api/legacy_v2.py)."""
    return {
        "id": "v2.0",
        "status": "DEPRECATED",
        "version": "",
        "min_version": "",
        "updated": UPDATED,
        "links": link(f"{base(request)}/compute/v2/"),
        "media-types": [
            {"base": "application/json",
             "type": "application/vnd.openstack.compute+json;version=2"}
        ],
    }


def volume_version(request: Request) -> dict[str, object]:
    return {
        **simple_version(request, "volume/v3", "v3.0", VOLUME_MAX, VOLUME_MIN),
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.volume+json;version=3"}
        ],
    }


def simple_version(
    request: Request, path: str, vid: str, version: str = "", min_version: str = ""
) -> dict[str, object]:
    return {
        "id": vid,
        "status": "CURRENT",
        "version": version,
        "min_version": min_version,
        "updated": UPDATED,
        "links": link(f"{base(request)}/{path}/"),
    }


@router.get("/identity", include_in_schema=False)
@router.get("/identity/", status_code=300, response_model=KeystoneVersions)
def identity_root(request: Request) -> JSONResponse:
    return JSONResponse({"versions": {"values": [identity_version(request)]}}, status_code=300)


@router.get("/identity/v3", include_in_schema=False)
@router.get("/identity/v3/", response_model=VersionShow)
def identity_v3(request: Request) -> dict[str, object]:
    return {"version": identity_version(request)}


@router.get("/compute", include_in_schema=False)
@router.get("/compute/", response_model=Versions)
def compute_root(request: Request) -> dict[str, object]:
    # v2.0 first, as Nova lists it.
    return {"versions": [compute_legacy_version(request), compute_version(request)]}


@router.get("/compute/v2", include_in_schema=False)
@router.get("/compute/v2/", response_model=VersionShow)
def compute_v2(request: Request) -> dict[str, object]:
    return {"version": compute_legacy_version(request)}


@router.get("/compute/v2.1", include_in_schema=False)
@router.get("/compute/v2.1/", response_model=VersionShow)
def compute_v21(request: Request) -> dict[str, object]:
    return {"version": compute_version(request)}


@router.get("/image", include_in_schema=False)
@router.get("/image/", status_code=300, response_model=Versions)
def image_root(request: Request) -> JSONResponse:
    return JSONResponse(
        {"versions": [simple_version(request, "image/v2", "v2.16")]}, status_code=300
    )


@router.get("/image/v2", include_in_schema=False)
@router.get("/image/v2/", status_code=300, response_model=Versions)
def image_v2(request: Request) -> JSONResponse:
    return JSONResponse(
        {"versions": [simple_version(request, "image/v2", "v2.16")]}, status_code=300
    )


@router.get("/volume", include_in_schema=False)
@router.get("/volume/", status_code=300, response_model=Versions)
def volume_root(request: Request) -> JSONResponse:
    return JSONResponse(
        {"versions": [volume_version(request)]}, status_code=300
    )


@router.get("/volume/v3", include_in_schema=False)
@router.get("/volume/v3/", response_model=Versions)
def volume_v3(request: Request) -> dict[str, object]:
    # Cinder's versions controller answers /v3/ as it answers the root, with a 200: a list.
    return {"versions": [volume_version(request)]}


@router.get("/network", include_in_schema=False)
@router.get("/network/", response_model=Versions)
def network_root(request: Request) -> dict[str, object]:
    return {
        "versions": [
            {"id": "v2.0", "status": "CURRENT", "links": link(f"{base(request)}/network/v2.0/")}
        ]
    }


@router.get("/network/v2.0", include_in_schema=False)
@router.get("/network/v2.0/", response_model=Resources)
def network_v20(request: Request) -> dict[str, object]:
    # Neutron's core resources, each with its collection's address.
    collections = {"network": "networks", "subnet": "subnets", "port": "ports"}
    return {"resources": [
        {"name": name, "collection": collection,
         "links": [{"rel": "self", "href": f"{base(request)}/network/v2.0/{collection}"}]}
        for name, collection in collections.items()]}
