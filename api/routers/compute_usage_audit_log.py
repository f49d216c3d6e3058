"""Compute `/os-instance_usage_audit_log`: how far the hosts got with the usage audit of the
last completed period (Nova's default: a month).

Nova's compute hosts write a task log per period when `instance_usage_audit` is on. Our hosts
run no such audit (usage is computed from the events: /os-simple-tenant-usage), so every host
is reported as not run, as Nova reports a host that has no task log for the period.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from oslo_policy import policy

from api.auth import Caller
from api.deps import Authorize, CloudDep, CloudServices
from api.microversions import ComputeVersion
from api.routers.compute_hosts import services
from domain.errors import InvalidInput

router = APIRouter(prefix="/compute/v2.1", tags=["compute: usage audit log"])

RULES = [policy.RuleDefault(f"os_compute_api:os-instance-usage-audit-log:{name}",
                            "rule:admin_api") for name in ("list", "show")]


def last_month(before: datetime) -> tuple[datetime, datetime]:
    """Nova's last completed audit period for `month`: the calendar month before `before`'s."""
    end = before.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    begin = end.replace(year=end.year - 1, month=12) if end.month == 1 else end.replace(
        month=end.month - 1)
    return begin, end


def audit_log(cloud: CloudServices, before: datetime) -> dict[str, Any]:
    begin, end = last_month(before)
    hosts = [s.host for s in services(cloud)]
    return {"hosts_not_run": hosts, "log": {}, "num_hosts": len(hosts), "num_hosts_done": 0,
            "num_hosts_not_run": len(hosts), "num_hosts_running": 0,
            "overall_status": f"0 of {len(hosts)} hosts done. 0 errors.",
            "period_beginning": begin.strftime("%Y-%m-%d %H:%M:%S"),
            "period_ending": end.strftime("%Y-%m-%d %H:%M:%S"),
            "total_errors": 0, "total_instances": 0}


Lister = Annotated[Caller, Depends(Authorize("os_compute_api:os-instance-usage-audit-log:list"))]
Shower = Annotated[Caller, Depends(Authorize("os_compute_api:os-instance-usage-audit-log:show"))]


@router.get("/os-instance_usage_audit_log")
def audit_logs(cloud: CloudDep, caller: Lister, version: ComputeVersion) -> dict[str, Any]:
    return {"instance_usage_audit_logs": audit_log(cloud, datetime.now(UTC))}


@router.get("/os-instance_usage_audit_log/{before}")
def audit_log_before(before: str, cloud: CloudDep, caller: Shower,
                     version: ComputeVersion) -> dict[str, Any]:
    try:
        moment = datetime.strptime(before, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise InvalidInput(f"Invalid timestamp for date {before}") from None
    return {"instance_usage_audit_log": audit_log(cloud, moment)}
