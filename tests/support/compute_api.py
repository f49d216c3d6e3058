"""The compute API under test: auth headers, hosts and an image, and `Compute` (the `compute`
fixture of tests/integration/conftest.py), which boots servers and stands in for the worker.

Hosts are registered through HostService (with the heartbeat a compute worker's first start
records), and an image is registered and uploaded through ImageService. Where the compute worker
would act on a recorded request, the tests report its outcome through OutcomeService themselves:
the worker (domain/process, ops/roles/compute.py) has its own tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
from fastapi.testclient import TestClient

from domain.compute.instance import Instance
from domain.context import RequestContext
from domain.services.compute.hosts import HostRegistration
from ops.bootstrap import Cloud
from tests.support.disk_images import fake_qcow2

SERVERS = "/compute/v2.1/servers"
OPERATOR = RequestContext(user_id="operator", project_id="operations",
                          roles=("admin", "member", "reader"))
WORKER = RequestContext(user_id="compute-worker", project_id=None)


def auth(who: dict[str, str], version: str | None = None) -> dict[str, str]:
    """Headers for a member fixture (the admin fixture already is headers), at a microversion."""
    headers = {"X-Auth-Token": who["token"]} if "token" in who else dict(who)
    if version is not None:
        headers["OpenStack-API-Version"] = f"compute {version}"
    return headers


def register_host(cloud: Cloud, host: str, vcpus: int = 4, memory_mb: int = 8192,
                  disk_gb: int = 100, zone: str = "nova") -> None:
    cloud.hosts.register(OPERATOR, HostRegistration(host, "QEMU", vcpus, memory_mb, disk_gb,
                                                    availability_zone=zone, cpu_ratio=1.0,
                                                    ram_ratio=1.0))
    cloud.sync_read_models()


def make_image(cloud: Cloud, name: str = "cirros") -> str:
    image = cloud.images.register(OPERATOR, None, name, "operations", visibility="public",
                                  disk_format="qcow2", container_format="bare")
    data = fake_qcow2(b"not really a disk")
    cloud.image_data.upload(OPERATOR, image.id, iter([data]), cloud.blobs, 2**20)
    return str(image.id)


@dataclass
class Compute:
    """A cloud with two hosts and one public image, and ways to stand in for the worker."""

    cloud: Cloud
    client: TestClient
    image: str

    def boot(self, who: dict[str, str], version: str | None = None,
             **server: Any) -> httpx.Response:
        body = {"server": {"name": "vm", "flavorRef": "1", "imageRef": self.image, **server}}
        hints = body["server"].pop("hints", None)
        if hints is not None:
            body["os:scheduler_hints"] = hints
        return self.client.post(SERVERS, json=body, headers=auth(who, version))

    def booted(self, who: dict[str, str], **server: Any) -> str:
        response = self.boot(who, **server)
        assert response.status_code == 202, response.text
        return str(response.json()["server"]["id"])

    def instance(self, server_id: str) -> Instance:
        return self.cloud.app.repository.get(UUID(server_id))  # type: ignore[no-any-return]

    def spawned(self, server_id: str) -> None:
        self.cloud.outcomes.spawned(WORKER, UUID(server_id), self.instance(server_id).host)
        self.cloud.sync_read_models()

    def succeeded(self, server_id: str, action: str) -> None:
        self.cloud.outcomes.action_succeeded(WORKER, UUID(server_id), action)
        self.cloud.sync_read_models()

    def failed(self, server_id: str, action: str, reason: str) -> None:
        self.cloud.outcomes.action_failed(WORKER, UUID(server_id), action, reason)
        self.cloud.sync_read_models()

    def deleted(self, server_id: str) -> None:
        self.cloud.outcomes.deleted(WORKER, UUID(server_id))
        self.cloud.sync_read_models()

    def active(self, who: dict[str, str], **server: Any) -> str:
        server_id = self.booted(who, **server)
        self.spawned(server_id)
        return server_id

    def show(self, who: dict[str, str], server_id: str, version: str | None = None) -> Any:
        response = self.client.get(f"{SERVERS}/{server_id}", headers=auth(who, version))
        assert response.status_code == 200, response.text
        return response.json()["server"]

    def action(self, who: dict[str, str], server_id: str, body: Any,
               version: str | None = None) -> httpx.Response:
        return self.client.post(f"{SERVERS}/{server_id}/action", json=body,
                                headers=auth(who, version))


def image_bdm(image: str, size: int = 2, delete: bool = False, **extra: Any) -> dict[str, Any]:
    return {"uuid": image, "source_type": "image", "destination_type": "volume",
            "volume_size": size, "boot_index": 0, "delete_on_termination": delete, **extra}


def volume_bdm(volume_id: str, delete: bool = False) -> dict[str, Any]:
    return {"uuid": volume_id, "source_type": "volume", "destination_type": "volume",
            "boot_index": 0, "delete_on_termination": delete}


def spawned(compute: Compute, server_id: str, path: str | None) -> None:
    """Stand in for the worker: the guest runs, its new root volume was made at `path`."""
    compute.cloud.outcomes.spawned(WORKER, UUID(server_id), compute.instance(server_id).host,
                                   path)
    compute.cloud.sync_read_models()
