"""Nova's deprecated `/os-hosts` bodies."""

from __future__ import annotations

from typing import Literal

from api.responses.base import Body


class HostEntry(Body):
    host_name: str
    service: str
    zone: str


class HostList(Body):
    hosts: list[HostEntry]


class HostResource(Body):
    host: str
    project: str
    cpu: int
    memory_mb: int
    disk_gb: int


class HostResourceRow(Body):
    resource: HostResource


class HostShow(Body):
    host: list[HostResourceRow]


class HostUpdated(Body):
    host: str
    status: Literal["enabled", "disabled"]


class HostPowerAction(Body):
    host: str
    power_action: Literal["startup", "shutdown", "reboot"]
