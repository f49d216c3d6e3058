"""The bodies of Compute `GET /servers/{id}/diagnostics`, from the statistics a compute worker
recorded (domain/compute/diagnostics.py report_of), as Nova's libvirt driver shapes them.

Below 2.48 the body is the driver's own free-form dict (LibvirtDriver.get_diagnostics): each
vCPU's time, each disk's and host NIC's counters under its device name, the maximum memory in
KiB and the balloon's statistics. From 2.48 it is Nova's standardized body
(views/server_diagnostics.py over LibvirtDriver.get_instance_diagnostics); the rates and the
per-vCPU utilisation, which libvirt does not give, are null there as they are in Nova.
"""

from __future__ import annotations

from typing import Any

NIC_COUNTERS = ("rx_bytes", "rx_packets", "rx_errors", "rx_drop",
                "tx_bytes", "tx_packets", "tx_errors", "tx_drop")
# Nova's suffixes for the NIC counters above, in the same order.
NIC_SUFFIXES = ("rx", "rx_packets", "rx_errors", "rx_drop",
                "tx", "tx_packets", "tx_errors", "tx_drop")
DISK_SUFFIXES = {"read_requests": "read_req", "read_bytes": "read",
                 "write_requests": "write_req", "write_bytes": "write", "errors": "errors"}


def legacy(report: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {f"cpu{i}_time": t for i, t in enumerate(report["cpu_times"])}
    for disk in report["disks"]:
        body.update({f"{disk['dev']}_{suffix}": disk[key]
                     for key, suffix in DISK_SUFFIXES.items()})
    for nic in report["nics"]:
        if nic["dev"] and nic["rx_bytes"] is not None:
            body.update({f"{nic['dev']}_{suffix}": nic[key]
                         for key, suffix in zip(NIC_COUNTERS, NIC_SUFFIXES, strict=True)})
    body["memory"] = report["max_memory_kib"]
    body.update({f"memory-{key}": value for key, value in report["memory_stats"].items()})
    return body


def standard(report: dict[str, Any], uptime: int | None, config_drive: bool) -> dict[str, Any]:
    return {
        "state": report["state"], "driver": "libvirt", "hypervisor": report["virt_type"],
        "hypervisor_os": "linux", "uptime": uptime,
        "config_drive": config_drive,
        "num_cpus": len(report["cpu_times"]), "num_nics": len(report["nics"]),
        "num_disks": len(report["disks"]),
        "memory_details": {"maximum": report["max_memory_kib"] // 1024,
                           "used": report["memory_kib"] // 1024},
        "cpu_details": [{"id": i, "time": t, "utilisation": None}
                        for i, t in enumerate(report["cpu_times"])],
        "nic_details": [_nic(nic) for nic in report["nics"]],
        "disk_details": [{"read_bytes": d["read_bytes"], "read_requests": d["read_requests"],
                          "write_bytes": d["write_bytes"],
                          "write_requests": d["write_requests"], "errors_count": d["errors"]}
                         for d in report["disks"]],
    }


def _nic(nic: dict[str, Any]) -> dict[str, Any]:
    return {"mac_address": nic["mac"] or None,
            "rx_octets": nic["rx_bytes"], "rx_errors": nic["rx_errors"],
            "rx_drop": nic["rx_drop"], "rx_packets": nic["rx_packets"], "rx_rate": None,
            "tx_octets": nic["tx_bytes"], "tx_errors": nic["tx_errors"],
            "tx_drop": nic["tx_drop"], "tx_packets": nic["tx_packets"], "tx_rate": None}
