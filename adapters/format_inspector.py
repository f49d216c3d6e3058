"""The disk-format check of uploaded image data: oslo.utils' format inspector, the one Glance and
Nova share since CVE-2024-32498.

It reads the file once with every known inspector in parallel (`detect_file_format`), so data
that is really a qcow2, a VMDK or an ISO is found out whatever its `disk_format` claims, then
runs the detected format's safety checks: a qcow2 with a backing file or an external data file,
a VMDK whose descriptor names extents, and the like are refused, since a hypervisor would follow
them into host files. Formats the inspector does not know (ami, ari, aki, ploop) are taken as
declared, as Glance does.
"""

from __future__ import annotations

from oslo_utils.imageutils import format_inspector

from domain.backends import FormatMismatch

# A raw disk with a GPT partition table is still a raw disk (Glance accepts it as raw).
RAW_LIKE = ("raw", "gpt")


class OsloFormatInspector:
    def check(self, path: str, disk_format: str) -> None:
        if format_inspector.get_inspector(disk_format) is None:
            return
        try:
            detected = format_inspector.detect_file_format(path)
        except format_inspector.ImageFormatError as error:
            raise FormatMismatch(f"Image data matches more than one format: {error}") from None
        found = detected.NAME if detected is not None else "raw"
        if found != disk_format and not (disk_format == "raw" and found in RAW_LIKE):
            raise FormatMismatch(
                f"Image content does not match disk_format {disk_format}: the data is {found}.")
        if detected is None:
            return
        try:
            detected.safety_check()
        except format_inspector.SafetyCheckFailed as error:
            reasons = "; ".join(f"{name}: {why}" for name, why in error.failures.items())
            raise FormatMismatch(f"Image data ({found}) is unsafe: {reasons}.") from None
        except format_inspector.ImageFormatError as error:
            raise FormatMismatch(f"Image data ({found}) cannot be checked: {error}.") from None
