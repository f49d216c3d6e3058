"""Nova 2.86: flavor extra specs of the namespaces a libvirt cloud uses are checked on POST
and PUT (unknown names in those namespaces refused, values of the wrong kind refused); names
without a namespace, or in one Nova does not know, are taken as before. Refusals change
nothing."""

from __future__ import annotations

from typing import Any

from tests.support.compute_api import Compute, auth

SPECS = "/compute/v2.1/flavors/1/os-extra_specs"
GOOD = {"hw:cpu_policy": "dedicated", "hw:numa_nodes": "2", "hw:numa_cpus.0": "0-1,^1",
        "hw:numa_mem.1": "512", "hw_rng:allowed": "True", "hw:mem_page_size": "2MB",
        "quota:disk_read_bytes_sec": "10240", "quota:vif_inbound_average": "100",
        "resources:VCPU": "2", "resources1:CUSTOM_GOLD": "1", "trait:HW_CPU_X86_AVX2": "required",
        "trait2:CUSTOM_FAST": "forbidden", "aggregate_instance_extra_specs:ssd": "true",
        "capabilities:hypervisor_type": "QEMU", "group_policy": "isolate",
        "no_namespace": "anything", "mycompany:whatever": "x", "os:secure_boot": "required"}
BAD = {"hw:cpu_policy": "sometimes", "hw:numa_nodes": "0", "hw:numa_mem.0": "lots",
       "hw:cpu_realtime": "perhaps", "hw:no_such_spec": "1", "hw:redirected_usb_ports": "16",
       "resources:VCPU": "-1", "resources:NOT_A_CLASS": "1", "trait:CUSTOM_X": "wanted",
       "quota:cpu_shares": "x", "hw_rng:nothing": "1", "capabilities:nothing": "1",
       "pci_passthrough:alias": "a"}


def post(compute: Compute, admin: dict[str, str], specs: dict[str, Any], version: str) -> Any:
    return compute.client.post(SPECS, json={"extra_specs": specs}, headers=auth(admin, version))


def test_known_specs_are_checked_from_2_86(compute: Compute, admin: dict[str, str]) -> None:
    accepted = post(compute, admin, GOOD, "2.86")
    assert accepted.status_code == 200, accepted.text
    assert accepted.headers["OpenStack-API-Version"] == "compute 2.86"
    for name, value in BAD.items():
        refused = post(compute, admin, {name: value}, "2.86")
        assert refused.status_code == 400, (name, value, refused.text)
        assert "Validation failed" in refused.json()["badRequest"]["message"]
    put = compute.client.put(f"{SPECS}/hw:cpu_policy", json={"hw:cpu_policy": "never"},
                             headers=auth(admin, "2.86"))
    assert put.status_code == 400
    shown = compute.client.get(SPECS, headers=auth(admin)).json()["extra_specs"]
    assert shown == GOOD, "refusals changed nothing"
    ok = compute.client.put(f"{SPECS}/hw:cpu_policy", json={"hw:cpu_policy": "shared"},
                            headers=auth(admin, "2.86"))
    assert ok.status_code == 200 and ok.json() == {"hw:cpu_policy": "shared"}
    before = compute.client.post("/compute/v2.1/flavors/2/os-extra_specs",
                                 json={"extra_specs": BAD}, headers=auth(admin, "2.85"))
    assert before.status_code == 200, "not checked before 2.86"
