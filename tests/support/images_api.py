"""The Image v2 API under test: create, upload, patch, show and list, as a given caller."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient

IMAGES = "/image/v2/images"
PATCH = {"Content-Type": "application/openstack-images-v2.1-json-patch"}
OCTET = {"Content-Type": "application/octet-stream"}


def auth(who: dict[str, str]) -> dict[str, str]:
    """Headers for a member fixture (admin's fixture already is headers)."""
    return {"X-Auth-Token": who["token"]} if "token" in who else who


def create(client: TestClient, who: dict[str, str], **body: Any) -> dict[str, Any]:
    # raw: any bytes are a raw disk, so tests may upload any bytes (the inspector checks formats)
    body = {"disk_format": "raw", "container_format": "bare", **body}
    response = client.post(IMAGES, json=body, headers=auth(who))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def upload(client: TestClient, who: dict[str, str], image_id: str, data: bytes) -> httpx.Response:
    return client.put(f"{IMAGES}/{image_id}/file", content=data, headers={**auth(who), **OCTET})


def patch(client: TestClient, who: dict[str, str], image_id: str,
          ops: Any) -> httpx.Response:
    return client.patch(f"{IMAGES}/{image_id}", json=ops, headers={**auth(who), **PATCH})


def show(client: TestClient, who: dict[str, str], image_id: str) -> httpx.Response:
    return client.get(f"{IMAGES}/{image_id}", headers=auth(who))


def names(client: TestClient, who: dict[str, str], query: str = "") -> list[str]:
    response = client.get(f"{IMAGES}{query}", headers=auth(who))
    assert response.status_code == 200, response.text
    return [image["name"] for image in response.json()["images"]]


