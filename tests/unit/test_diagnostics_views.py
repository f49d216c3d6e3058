"""The diagnostics bodies from a recorded report, as Nova's libvirt driver shapes them, and the
request aggregate that keeps the first answer (a replayed worker answers nothing twice)."""

from __future__ import annotations

from uuid import uuid4

from api.diagnostics_views import legacy, standard
from domain.compute.backends import DiskStats, GuestDiagnostics, GuestState, NicStats
from domain.compute.diagnostics import DiagnosticsRequest, report_of

STATS = GuestDiagnostics(
    GuestState.RUNNING, "qemu", max_memory_kib=262144, memory_kib=131072, vcpus=2,
    cpu_times=(17, 23), disks=(DiskStats("vda", 1, 512, 2, 1024, 0),),
    nics=(NicStats("fa:16:3e:00:00:01", "tap1", 10, 1, 0, 0, 20, 2, 0, 0),
          NicStats("fa:16:3e:00:00:02")),
    memory_stats={"actual": 131072, "rss": 90000})


def test_below_2_48_the_drivers_own_dict() -> None:
    assert legacy(report_of(STATS)) == {
        "cpu0_time": 17, "cpu1_time": 23,
        "vda_read_req": 1, "vda_read": 512, "vda_write_req": 2, "vda_write": 1024,
        "vda_errors": 0,
        "tap1_rx": 10, "tap1_rx_packets": 1, "tap1_rx_errors": 0, "tap1_rx_drop": 0,
        "tap1_tx": 20, "tap1_tx_packets": 2, "tap1_tx_errors": 0, "tap1_tx_drop": 0,
        "memory": 262144, "memory-actual": 131072, "memory-rss": 90000}


def test_from_2_48_the_standard_body() -> None:
    body = standard(report_of(STATS), uptime=42, config_drive=False)
    assert body["state"] == "running" and body["hypervisor"] == "qemu"
    assert (body["num_cpus"], body["num_disks"], body["num_nics"]) == (2, 1, 2)
    assert body["memory_details"] == {"maximum": 256, "used": 128}  # MiB
    assert body["cpu_details"] == [{"id": 0, "time": 17, "utilisation": None},
                                   {"id": 1, "time": 23, "utilisation": None}]
    assert body["disk_details"] == [{"read_bytes": 512, "read_requests": 1, "write_bytes": 1024,
                                     "write_requests": 2, "errors_count": 0}]
    counted, uncounted = body["nic_details"]
    assert counted["rx_octets"] == 10 and counted["tx_packets"] == 2
    assert counted["rx_rate"] is None and counted["tx_rate"] is None
    assert uncounted == {"mac_address": "fa:16:3e:00:00:02", **{
        k: None for k in counted if k != "mac_address"}}
    assert body["uptime"] == 42 and body["config_drive"] is False


def test_the_first_answer_stays() -> None:
    request = DiagnosticsRequest(uuid4(), "host-1")
    request.refuse("shutdown")
    request.answer(report_of(STATS))
    request.refuse("paused")
    assert (request.refusal, request.report, request.version) == ("shutdown", None, 2)
