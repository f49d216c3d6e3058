"""Compute keypairs through the API: the URL, headers per microversion, a create."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

URL = "/compute/v2.1/os-keypairs"


# Nova's own api-sample key and the fingerprint Nova computed for it.
NOVA_KEY = ("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDx8nkQv/zgGgB4rMYmIf+6A4l6Rr+o/6lHBQdW5aYd44bd8J"
            "ttDCE/F/pNRr0lRE+PiqSPO8nDPHw0010JeMH9gYgnnFlyY3/OcJ02RhIPyyxYpv9FhY+2YiUkpwFOcLImyr"
            "xEsYXpD/0d3ac30bNH6Sw9JD9UZHYcpSxsIbECHw== Generated-by-Nova")


def headers(token_or_headers: dict[str, str] | str, version: str | None = None) -> dict[str, str]:
    h = ({"X-Auth-Token": token_or_headers} if isinstance(token_or_headers, str)
         else dict(token_or_headers))
    if version:
        h["OpenStack-API-Version"] = f"compute {version}"
    return h


def create(client: TestClient, who: Any, version: str | None = None, **keypair: Any) -> Any:
    return client.post(URL, json={"keypair": keypair}, headers=headers(who, version))
