"""Nova's `/os-hypervisors` bodies beyond the list and detail (api/responses/compute.py): the
servers on a hypervisor, its uptime, and the detail with servers from 2.53."""

from __future__ import annotations

from api.responses.base import MISSING, Body
from api.responses.compute import (
    Hypervisor,
    HypervisorDetail,
    HypervisorDetailV228,
    HypervisorService,
)


class HypervisorServer(Body):
    uuid: str
    name: str


class HypervisorWithServers(Hypervisor):
    """A search or servers entry (before 2.53), or a list entry with_servers (2.53)."""

    servers: list[HypervisorServer] | MISSING = MISSING


class HypervisorDetailV253(HypervisorDetailV228):
    servers: list[HypervisorServer] | MISSING = MISSING


class HypervisorDetailV288(Hypervisor):
    """2.88: the statistics-style fields and cpu_info dropped, the uptime added."""

    hypervisor_type: str
    hypervisor_version: int | None
    host_ip: str | None
    service: HypervisorService
    uptime: str | None
    servers: list[HypervisorServer] | MISSING = MISSING


class HypervisorMatches(Body):
    hypervisors: list[HypervisorWithServers]


class HypervisorUptime(Hypervisor):
    uptime: str


class HypervisorUptimeShow(Body):
    hypervisor: HypervisorUptime


class HypervisorDetailListV253(Body):
    hypervisors: list[HypervisorDetailV288 | HypervisorDetailV253 | HypervisorDetailV228
                      | HypervisorDetail]


class HypervisorShowV253(Body):
    hypervisor: HypervisorDetailV288 | HypervisorDetailV253 | HypervisorDetailV228 | \
        HypervisorDetail
