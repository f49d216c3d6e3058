"""`GET /metrics`: Prometheus text that parses, labelled by route template and status, with the
event, projection, instance and host series read from the store (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from domain.catalog.flavor import Flavor
from tests.support.compute_api import SERVERS, Compute, auth

FLAVORS = "/compute/v2.1/flavors"


def scrape(client: TestClient) -> dict[str, list[Any]]:
    """Samples by sample name (e.g. skyledger_http_requests_total)."""
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples: dict[str, list[Any]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return samples


def value(samples: dict[str, list[Any]], name: str, **labels: str) -> float:
    """The sample's value, 0 when no series has those labels yet."""
    matching = [s.value for s in samples.get(name, [])
                if all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(matching) <= 1, matching
    return matching[0] if matching else 0.0


def test_requests_are_counted_by_route_template_and_status(client: TestClient,
                                                           admin: dict[str, str]) -> None:
    missing = "0123456789abcdef0123456789abcdef"
    assert client.get(f"{SERVERS}/{missing}", headers=admin).status_code == 404
    assert client.get(f"{SERVERS}/{missing}", headers=admin).status_code == 404
    assert client.get(SERVERS, headers=admin).status_code == 200
    assert client.get(SERVERS).status_code == 401
    samples = scrape(client)
    total = "skyledger_http_requests_total"
    route = f"{SERVERS}/{{server_id}}"
    assert value(samples, total, route=route, status="404", method="GET") == 2
    assert value(samples, total, route=SERVERS, status="200", method="GET") == 1
    assert value(samples, total, route=SERVERS, status="401", method="GET") == 1
    # Never the raw URL: that would be a series per server id.
    assert not any(missing in s.labels.get("route", "") for s in samples[total])
    assert value(samples, "skyledger_http_request_duration_seconds_count",
                 route=route, status="404", method="GET") == 2
    client.get("/no/such/path")
    assert value(scrape(client), total, route="unmatched", status="404", method="GET") == 1


def test_metrics_needs_no_token(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 200


def test_creating_a_flavor_counts_its_event(client: TestClient, admin: dict[str, str]) -> None:
    counter, topic = "skyledger_events_appended_total", get_topic(Flavor.Created)
    before = value(scrape(client), counter, type=topic)
    assert before > 0  # the bootstrap's m1.* flavors, read from the log at the first scrape
    body = {"flavor": {"name": "metered", "ram": 512, "vcpus": 1, "disk": 1}}
    assert client.post(FLAVORS, json=body, headers=admin).status_code == 200
    assert value(scrape(client), counter, type=topic) == before + 1
    assert value(scrape(client), counter, type=topic) == before + 1  # read once, not per scrape


def test_projection_lag_is_reported_for_every_projection(client: TestClient, cloud: Any) -> None:
    samples = scrape(client)["skyledger_projection_lag"]
    assert {s.labels["projection"] for s in samples} == set(cloud.runners)
    assert all(s.value >= 0 for s in samples)
    head = cloud.app.head()
    expected = {name: runner.status(head).lag for name, runner in cloud.runners.items()}
    assert {s.labels["projection"]: s.value for s in samples} == expected


def test_instances_by_vm_state_and_hosts_up_or_down(compute: Compute,
                                                    member_a: dict[str, str]) -> None:
    building = compute.booted(member_a)
    active = compute.active(member_a)
    samples = scrape(compute.client)
    assert value(samples, "skyledger_instances", vm_state="building") == 1
    assert value(samples, "skyledger_instances", vm_state="active") == 1
    assert value(samples, "skyledger_hosts", state="up") == 2
    assert value(samples, "skyledger_hosts", state="down") == 0
    response = compute.client.delete(f"{SERVERS}/{active}", headers=auth(member_a))
    assert response.status_code == 204
    compute.deleted(active)
    samples = scrape(compute.client)
    assert value(samples, "skyledger_instances", vm_state="active") == 0
    assert value(samples, "skyledger_instances", vm_state="building") == 1, building
