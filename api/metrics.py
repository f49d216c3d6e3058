"""`GET /metrics`: Prometheus text format for this API process.

Each app has its own CollectorRegistry (never prometheus_client's global one), so several apps in
one process (the tests) do not clash. What is measured:
- requests and their latency by method, route template (`/compute/v2.1/servers/{server_id}`,
  never the raw URL, whose ids would make a series per server) and status code;
- events appended, by event class topic: the notification log is read from where the previous
  scrape stopped, so every API process reports the whole store's counts, not only its own writes;
- each projection's lag (head minus its tracked position, as `skyledger projections status`);
- instances by vm_state (the servers read model) and hosts up/down (the capacity view, with the
  same rule as os-hypervisors);
- the compute worker's action latency, when this process runs the embedded worker.

No token is asked for: Prometheus scrapes without one. Operators restrict /metrics at the proxy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from api.deps import CloudServices
from api.routers.compute_hosts import services

EVENT_BATCH = 1000
ROUTE_LABELS = ["method", "route", "status"]


class EventCounter:
    """Counts notifications by topic, reading the log incrementally at scrape time."""

    def __init__(self, cloud: CloudServices, registry: CollectorRegistry) -> None:
        self.cloud, self.position, self.lock = cloud, 0, threading.Lock()
        self.counter = Counter("skyledger_events_appended", "Events stored, by event class topic",
                               ["type"], registry=registry)

    def catch_up(self) -> None:
        recorder = self.cloud.app.recorder
        with self.lock:
            while batch := recorder.select_notifications(self.position + 1, EVENT_BATCH):
                for notification in batch:
                    self.counter.labels(type=notification.topic).inc()
                self.position = batch[-1].id


class StateCollector(Collector):
    """Gauges read from the read models at each scrape."""

    def __init__(self, cloud: CloudServices) -> None:
        self.cloud = cloud

    def collect(self) -> Iterator[Metric]:
        yield self.projection_lag()
        yield self.instances()
        yield self.hosts()

    def projection_lag(self) -> Metric:
        lag = GaugeMetricFamily("skyledger_projection_lag",
                                "Events in the log a projection has not yet considered",
                                labels=["projection"])
        head = self.cloud.app.head()
        # ops.bootstrap.Cloud has the runners; the API's protocol does not need them otherwise.
        for name, runner in getattr(self.cloud, "runners", {}).items():
            lag.add_metric([name], runner.status(head).lag)
        return lag

    def instances(self) -> Metric:
        gauge = GaugeMetricFamily("skyledger_instances", "Live instances by vm_state",
                                  labels=["vm_state"])
        rows = self.cloud.store.query("SELECT vm_state, COUNT(*) AS n FROM servers"
                                      " WHERE deleted = ? GROUP BY vm_state", (False,))
        for row in rows:
            gauge.add_metric([row["vm_state"]], row["n"])
        return gauge

    def hosts(self) -> Metric:
        gauge = GaugeMetricFamily("skyledger_hosts", "Compute hosts by heartbeat state",
                                  labels=["state"])
        listed = services(self.cloud)
        up = sum(1 for s in listed if s.up)
        gauge.add_metric(["up"], up)
        gauge.add_metric(["down"], len(listed) - up)
        return gauge


class ApiMetrics:
    def __init__(self, cloud: CloudServices) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("skyledger_http_requests", "API requests answered",
                                ROUTE_LABELS, registry=self.registry)
        self.latency = Histogram("skyledger_http_request_duration_seconds",
                                 "API request latency", ROUTE_LABELS, registry=self.registry)
        self.worker_actions = Histogram(
            "skyledger_compute_action_duration_seconds",
            "Compute worker plans carried out (hypervisor steps and the outcome event)",
            ["action"], registry=self.registry,
            buckets=(0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120))
        self.events = EventCounter(cloud, self.registry)
        self.registry.register(StateCollector(cloud))

    def observe(self, request: Request, status: int, seconds: float) -> None:
        route = request.scope.get("route")
        labels = {"method": request.method, "status": str(status),
                  "route": getattr(route, "path", None) or "unmatched"}
        self.requests.labels(**labels).inc()
        self.latency.labels(**labels).observe(seconds)

    def observe_worker(self, action: str, seconds: float) -> None:
        self.worker_actions.labels(action=action).observe(seconds)

    def render(self) -> bytes:
        self.events.catch_up()
        return generate_latest(self.registry)


def install(app: FastAPI, cloud: CloudServices) -> ApiMetrics:
    """Register the timing middleware (outermost, so rejected requests count too) and the
    /metrics route, and time the embedded compute worker's actions if there is one."""
    metrics = ApiMetrics(cloud)
    compute: Any = getattr(cloud, "compute", None)
    if compute is not None:
        compute.worker.executor.on_timed = metrics.observe_worker

    @app.middleware("http")
    async def timed(request: Request,
                    call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        metrics.observe(request, response.status_code, time.perf_counter() - started)
        return response

    @app.get("/metrics", include_in_schema=False)
    def scrape() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return metrics
