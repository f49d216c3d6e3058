"""`/os-instance_usage_audit_log`: the last completed month, every host not run (our hosts
run no usage audit; usage comes from the events)."""

from __future__ import annotations

from tests.support.compute_api import Compute, auth

LOG = "/compute/v2.1/os-instance_usage_audit_log"


def test_log_of_the_last_month(compute: Compute, admin: dict[str, str],
                               member_a: dict[str, str]) -> None:
    listed = compute.client.get(LOG, headers=admin).json()["instance_usage_audit_logs"]
    assert (listed["num_hosts"], listed["num_hosts_not_run"], listed["hosts_not_run"]) == (
        2, 2, ["host-1", "host-2"])
    assert listed["overall_status"] == "0 of 2 hosts done. 0 errors."
    shown = compute.client.get(f"{LOG}/2026-03-15 10:00:00", headers=admin).json()
    period = shown["instance_usage_audit_log"]
    assert (period["period_beginning"], period["period_ending"]) == (
        "2026-02-01 00:00:00", "2026-03-01 00:00:00")
    january = compute.client.get(f"{LOG}/2026-01-02 00:00:00", headers=admin).json()
    assert january["instance_usage_audit_log"]["period_beginning"] == "2025-12-01 00:00:00"
    assert compute.client.get(f"{LOG}/invalid_time", headers=admin).status_code == 400
    assert compute.client.get(LOG, headers=auth(member_a)).status_code == 403
    assert compute.client.get(f"{LOG}/2026-03-15 10:00:00",
                              headers=auth(member_a)).status_code == 403
