"""What a host's network reconciler found that the events do not explain, as events.

Its own aggregate per host rather than a new event on HostDrift (domain/process/compute/drift.py):
that one records stray guests once per instance id, while network drift can recur (a bridge deleted
by hand twice is two drifts), and adding an event class there means editing the compute side.

Every observation is recorded before it is repaired: a reconciler killed in between leaves the
record, and its next pass sees the same drift again, records it again and repairs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.app import SkyLedger
from domain.base import Entity, natural_id
from domain.commands import changed, command
from domain.context import RequestContext
from domain.network.backends import SegmentState


def network_drift_id(host: str) -> UUID:
    return natural_id("network-drift", host)


class NetworkDrift(Entity):
    @staticmethod
    def create_id(host: str, **_: Any) -> UUID:
        return network_drift_id(host)

    class Opened(Entity.Created):
        host: str

    @event(Opened)
    def __init__(self, host: str) -> None:
        self.host = host
        self.observed: list[dict[str, str]] = []

    class DriftObserved(Entity.Event):
        kind: str
        key: str
        detail: str
        resolution: str

    @event(DriftObserved)
    def observe(self, kind: str, key: str, detail: str, resolution: str) -> None:
        """`kind`: segment, dhcp, nat (something missing or wrong, restored) or stray-segment,
        stray-dhcp, stray-dhcp-state (a stopped server's directory), stray-nat (something no
        live instance on this host explains, removed);
        `key`: the network id or floating address; `resolution`: what the reconciler did."""
        self.observed.append({"kind": kind, "key": key, "detail": detail,
                              "resolution": resolution})


class NetworkDriftService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def record(self, ctx: RequestContext, host: str, kind: str, key: str, detail: str,
               resolution: str) -> None:
        drift = self.app.find(network_drift_id(host)) or NetworkDrift(host)
        drift.observe(kind, key, detail, resolution)
        self.app.save(*changed(drift))

    def of(self, host: str) -> NetworkDrift | None:
        drift = self.app.find(network_drift_id(host))
        return drift if isinstance(drift, NetworkDrift) else None


@dataclass(frozen=True)
class Drift:
    kind: str  # segment, dhcp, nat, security-groups, stray-segment, stray-dhcp,
    #            stray-dhcp-state, stray-nat, router, stray-router
    key: str  # network id (hex), segmentation id (strays), floating address or host
    detail: str = ""

    @property
    def ident(self) -> tuple[str, str]:
        return self.kind, self.key


def describe_segment(sid: int, state: SegmentState | None) -> str:
    if state is None:
        return f"segment {sid}: bridge and segment interface missing"
    missing = [name for name, ok in (("bridge", state.bridge_exists),
                                     ("segment interface", state.segment_exists),
                                     ("enslaving", state.segment_attached),
                                     ("bridge up", state.bridge_up),
                                     ("segment up", state.segment_up)) if not ok]
    return f"segment {sid}: missing {', '.join(missing) or 'gateway address'}"
