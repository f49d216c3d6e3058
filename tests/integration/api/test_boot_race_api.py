"""Hundreds of concurrent POST /servers at a project with 10 instances of quota: exactly 10 are
admitted (202), every other request gets Nova's 403 quota message, and nothing leaks."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from domain.quota.ledger import ledger_id
from ops.bootstrap import Cloud, build
from ops.first_start import ensure_bootstrapped
from tests.support.compute_api import OPERATOR, make_image, register_host
from tests.support.identity import make_member, password_token
from tests.support.settings import make_settings

REQUESTS, THREADS = 200, 10


@pytest.fixture
def pg_cloud(pg_schema_url: str, tmp_path: Path) -> Iterator[tuple[Cloud, TestClient]]:
    cloud = build(make_settings(tmp_path / "data", pg_schema_url), follow=False)
    ensure_bootstrapped(cloud)
    with TestClient(create_app(cloud)) as client:
        yield cloud, client
    cloud.close()


def test_concurrent_boots_never_exceed_the_instance_quota(
        pg_cloud: tuple[Cloud, TestClient]) -> None:
    cloud, client = pg_cloud
    for host in ("h1", "h2", "h3"):
        register_host(cloud, host, vcpus=64, memory_mb=65536)
    image = make_image(cloud)
    member = make_member(cloud, "crowded", "carol")
    cloud.quotas.set_limits(OPERATOR, member["project_id"], {"instances": 10})
    headers = {"X-Auth-Token": password_token(client, "carol", member["password"], "crowded")}
    body = {"server": {"name": "vm", "flavorRef": "1", "imageRef": image, "networks": "none"}}
    statuses: Counter[int] = Counter()
    messages: set[str] = set()
    lock, start = threading.Lock(), threading.Barrier(THREADS)

    def fire(count: int) -> None:
        start.wait()
        for _ in range(count):
            response = client.post("/compute/v2.1/servers", json=body,
                                   headers={**headers, "OpenStack-API-Version": "compute 2.37"})
            with lock:
                statuses[response.status_code] += 1
                if response.status_code == 403:
                    messages.add(response.json()["forbidden"]["message"])

    threads = [threading.Thread(target=fire, args=(REQUESTS // THREADS,)) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert statuses == {202: 10, 403: REQUESTS - 10}, statuses
    assert messages == {"Quota exceeded for instances: Requested 1, but already used 10 of 10 "
                        "instances"}
    ledger = cloud.app.repository.get(ledger_id(member["project_id"]))
    assert (ledger.used("instances"), ledger.used("cores"), ledger.used("ram")) == (10, 10, 5120)
    cloud.sync_read_models()
    listed = client.get("/compute/v2.1/servers", headers=headers).json()["servers"]
    assert len(listed) == 10
