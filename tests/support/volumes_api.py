"""The block storage API under test: `Volumes`, which the `volumes` fixture
(tests/integration/conftest.py) hands out.

Where the storage worker would carry out a recorded request, the tests report its outcome
through the volume service's outcome methods (`created`, `attached`, ...) themselves: those are
the service's public API, which the worker calls; the worker has tests of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
from fastapi.testclient import TestClient

from domain.context import RequestContext
from domain.naming import claim_id
from domain.storage.volume import Volume
from ops.bootstrap import Cloud
from tests.support.compute_api import auth

WORKER = RequestContext(user_id="storage-worker", project_id=None)


def project_of(cloud: Cloud, who: dict[str, str]) -> str:
    """The project a member fixture belongs to; the bootstrap admin's for the admin headers."""
    if "project_id" in who:
        return who["project_id"]
    project = cloud.app.find(claim_id("project", "default", "admin"))
    assert project is not None
    return str(project.owner_id.hex)


@dataclass
class Volumes:
    cloud: Cloud
    client: TestClient

    def url(self, who: dict[str, str], path: str = "volumes") -> str:
        return f"/volume/v3/{project_of(self.cloud, who)}/{path}"

    def create(self, who: dict[str, str], **fields: Any) -> httpx.Response:
        return self.client.post(self.url(who), headers=auth(who),
                                json={"volume": {"size": 1, **fields}})

    def made(self, who: dict[str, str], **fields: Any) -> str:
        response = self.create(who, **fields)
        assert response.status_code == 202, response.text
        return str(response.json()["volume"]["id"])

    def ready(self, who: dict[str, str], **fields: Any) -> str:
        """A volume the backend has made: available."""
        volume_id = self.made(who, **fields)
        self.report("created", volume_id, f"/pool/{volume_id}")
        return volume_id

    def get(self, who: dict[str, str], volume_id: str) -> httpx.Response:
        return self.client.get(self.url(who, f"volumes/{volume_id}"), headers=auth(who))

    def show(self, who: dict[str, str], volume_id: str) -> Any:
        response = self.get(who, volume_id)
        assert response.status_code == 200, response.text
        return response.json()["volume"]

    def action(self, who: dict[str, str], volume_id: str, body: Any) -> httpx.Response:
        return self.client.post(self.url(who, f"volumes/{volume_id}/action"), headers=auth(who),
                                json=body)

    def listed(self, who: dict[str, str], path: str = "volumes/detail", **params: Any) -> Any:
        response = self.client.get(self.url(who, path), headers=auth(who), params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def aggregate(self, volume_id: str) -> Volume:
        return self.cloud.app.repository.get(UUID(volume_id))  # type: ignore[no-any-return]

    def attachment_id(self, volume_id: str) -> str:
        attachment = self.aggregate(volume_id).attachment
        assert attachment is not None
        return str(attachment["attachment_id"])

    def report(self, outcome: str, volume_id: str, *args: Any) -> None:
        """Stand in for the storage worker: record an outcome, then let the read models follow."""
        getattr(self.cloud.volumes, outcome)(WORKER, volume_id, *args)
        self.cloud.sync_read_models()


