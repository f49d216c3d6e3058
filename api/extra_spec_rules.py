"""The flavor extra specs Nova 2.86 knows, for the namespaces a libvirt cloud uses: each spec's
name (a regular expression where Nova's has parameters, such as `hw:numa_cpus.{num}`) and what
its value must be. api/extra_spec_checks.py applies them. Written from Nova's documented specs
(api-ref, nova/api/validation/extra_specs); VMware's `vmware:` and the Hyper-V-only specs are
left out, so those namespaces stay unchecked, as unknown namespaces are."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["int", "bool", "str"]
GROUP = r"([a-zA-Z0-9_-]{1,64})?"
CPU_SET = r"\^?\d+((-\d+)?(,\^?\d+(-\d+)?)?)*"


@dataclass(frozen=True)
class Rule:
    name: str  # a regular expression, matched in full
    kind: Kind
    minimum: int | None = None
    maximum: int | None = None
    enum: tuple[str, ...] = ()
    pattern: str | None = None
    shown: str = field(default="")  # the name as Nova writes it, for messages


def ints(*names: str, minimum: int | None = 0) -> list[Rule]:
    return [Rule(n, "int", minimum) for n in names]


def bools(*names: str) -> list[Rule]:
    return [Rule(n, "bool") for n in names]


def enum(name: str, *values: str) -> Rule:
    return Rule(name, "str", enum=values)


RESOURCE_CLASSES = (
    "VCPU", "MEMORY_MB", "DISK_GB", "PCI_DEVICE", "SRIOV_NET_VF", "NUMA_SOCKET", "NUMA_CORE",
    "NUMA_THREAD", "NUMA_MEMORY_MB", "IPV4_ADDRESS", "VGPU", "VGPU_DISPLAY_HEAD",
    "NET_BW_EGR_KILOBIT_PER_SEC", "NET_BW_IGR_KILOBIT_PER_SEC", "PCPU",
    "MEM_ENCRYPTION_CONTEXT", "FPGA", "PGPU", "NET_PACKET_RATE_KILOPACKET_PER_SEC",
    "NET_PACKET_RATE_EGR_KILOPACKET_PER_SEC", "NET_PACKET_RATE_IGR_KILOPACKET_PER_SEC",
    "PMEM_NAMESPACE_SMALL", "PMEM_NAMESPACE_MEDIUM", "PMEM_NAMESPACE_LARGE")

# What the scheduler's capabilities filter can read of a host: flat, then nested values.
CAPABILITIES = (
    "id", "uuid", "service_id", "host", "vcpus", "memory_mb", "local_gb", "vcpus_used",
    "memory_mb_used", "local_gb_used", "hypervisor_type", "hypervisor_version",
    "hypervisor_hostname", "free_ram_mb", "free_disk_gb", "current_workload", "running_vms",
    "disk_available_least", "host_ip", "mapped", "cpu_allocation_ratio",
    "ram_allocation_ratio", "disk_allocation_ratio", "total_usable_ram_mb",
    "total_usable_disk_gb", "disk_mb_used", "free_disk_mb", "vcpus_total", "num_instances",
    "num_io_ops", "failed_builds", "aggregates", "cell_uuid", "updated")
NESTED_CAPABILITIES = (
    "cpu_info", "metrics", "stats", "numa_topology", "supported_hv_specs", "pci_device_pools",
    "nodename", "pci_stats", "supported_instances", "limits", "instances")

HW = [
    *bools("hw:cpu_realtime", "hw:hide_hypervisor_id", "hw:locked_memory", "hw:boot_menu",
           "hw:vif_multiqueue_enabled", "hw:mem_encryption", "hw:pmu",
           "hw:virtio_packed_ring", "hw:ephemeral_encryption"),
    Rule("hw:cpu_realtime_mask", "str", pattern=r"(\^)?\d+((-\d+)?(,\^?\d+(-\d+)?)?)*"),
    Rule("hw:cpu_dedicated_mask", "str", pattern=CPU_SET),
    enum("hw:cpu_policy", "dedicated", "shared", "mixed"),
    enum("hw:cpu_thread_policy", "prefer", "isolate", "require"),
    enum("hw:emulator_threads_policy", "isolate", "share"),
    Rule("hw:mem_page_size", "str", pattern=r"(large|small|any|\d+([kKMGT]i?)?(b|bit|B)?)"),
    Rule("hw:numa_nodes", "int", 1),
    Rule(r"hw:numa_cpus\.(?P<num>\d+)", "str", pattern=CPU_SET, shown="hw:numa_cpus.{num}"),
    Rule(r"hw:numa_mem\.(?P<num>\d+)", "int", 1, shown="hw:numa_mem.{num}"),
    enum("hw:pci_numa_affinity_policy", "required", "preferred", "legacy", "socket"),
    *ints("hw:cpu_sockets", "hw:cpu_cores", "hw:cpu_threads", "hw:cpu_max_sockets",
          "hw:cpu_max_cores", "hw:cpu_max_threads", minimum=1),
    enum("hw:mem_encryption_model", "amd-sev", "amd-sev-es", "amd-sev-snp"),
    Rule("hw:pmem", "str", pattern="([a-zA-Z0-9_]+(,)?)+"),
    Rule("hw:serial_port_count", "int", 0),
    enum("hw:tpm_model", "tpm-tis", "tpm-crb"),
    enum("hw:tpm_version", "1.2", "2.0"),
    enum("hw:tpm_secret_security", "user", "host", "deployment"),
    enum("hw:watchdog_action", "none", "pause", "poweroff", "reset", "disabled"),
    enum("hw:viommu_model", "intel", "smmuv3", "virtio", "auto"),
    enum("hw:sound_model", "sb16", "es1370", "pcspk", "ac97", "ich6", "ich9", "usb",
         "virtio"),
    enum("hw:usb_model", "none", "auto", "piix3-uhci", "piix4-uhci", "ehci", "ich9-ehci1",
         "ich9-uhci1", "ich9-uhci2", "ich9-uhci3", "vt82c686b-uhci", "pci-ohci", "nec-xhci",
         "qemu-xhci"),
    Rule("hw:redirected_usb_ports", "int", 0, 15),
    enum("hw:ephemeral_encryption_format", "luks"),
]
QUOTA = [
    *ints("quota:cpu_shares", "quota:cpu_period"),
    Rule("quota:cpu_quota", "int"),
    *[rule for key in ("cpu", "memory", "disk_io", "vif") for rule in (
        Rule(f"quota:{key}_limit", "int", 0), Rule(f"quota:{key}_reservation", "int", 0),
        enum(f"quota:{key}_shares_level", "custom", "high", "normal", "low"),
        Rule(f"quota:{key}_shares_share", "int", 0))],
    *ints(*(f"quota:disk_{stat}_{metric}_sec" for stat in ("read", "write", "total")
            for metric in ("bytes", "iops"))),
    *ints(*(f"quota:vif_{stat}_{metric}" for stat in ("inbound", "outbound")
            for metric in ("average", "peak", "burst"))),
]
PLACEMENT = [
    *[Rule(f"resources{GROUP}:{rc}", "int", 0, shown=f"resources{{group}}:{rc}")
      for rc in RESOURCE_CLASSES],
    Rule(f"resources{GROUP}:CUSTOM_[A-Z0-9_]+", "int", 0,
         shown="resources{group}:CUSTOM_{resource}"),
    # Nova checks standard traits against os-traits' list; here any trait-shaped name is taken.
    Rule(f"trait{GROUP}:[A-Z0-9_]+", "str", enum=("required", "forbidden"),
         shown="trait{group}:{trait}"),
    enum("group_policy", "none", "isolate"),
]
OTHERS = [
    *bools("hw_rng:allowed", "hide_hypervisor_id"),
    *ints("hw_rng:rate_bytes", "hw_rng:rate_period", "hw_video:ram_max_mb"),
    Rule("aggregate_instance_extra_specs:.+", "str",
         shown="aggregate_instance_extra_specs:{key}"),
    *[Rule(f"capabilities:{c}", "str") for c in CAPABILITIES],
    *[Rule(fr"capabilities:{c}(:\w+)*", "str", shown=f"capabilities:{c}{{filter}}")
      for c in NESTED_CAPABILITIES],
    enum("os:secure_boot", "disabled", "required"),
    Rule("accel:device_profile", "str"),
    Rule("pci_passthrough:alias", "str", pattern=r"[^:]+:\d+(?:\s*,\s*[^:]+:\d+)*"),
]
RULES: tuple[Rule, ...] = (*HW, *QUOTA, *PLACEMENT, *OTHERS)
