"""A guest's config drive: its files (GuestSpec.config_drive) as an ISO 9660 volume labelled
config-2, made by genisoimage with the options Nova's nova/virt/configdrive.py gives it (Rock Ridge
and Joliet names, so `meta_data.json` keeps its case and length on every reader).

genisoimage rather than a Python library: it is what Nova runs, Debian ships it (ops/install),
and `isoinfo` from the same package reads a drive back (`read_drive`, for tests and operators).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from domain.compute.backends import HypervisorError
from domain.compute.guest_metadata import LABEL
from domain.process.effects import record

PUBLISHER = "skyledger"
GENISOIMAGE = "genisoimage"


def write_config_drive(files: dict[str, bytes] | None, target: Path) -> None:
    """Make the drive at `target` unless it is there already (an earlier attempt of this same
    spawn: the files then come from the same events)."""
    if files is None or target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")  # renamed only once complete
    with tempfile.TemporaryDirectory(prefix="config-drive-") as tree:
        for path, data in files.items():
            where = Path(tree, path)
            where.parent.mkdir(parents=True, exist_ok=True)
            where.write_bytes(data)
        command = [GENISOIMAGE, "-o", str(partial), "-ldots", "-allow-lowercase",
                   "-allow-multidot", "-l", "-publisher", PUBLISHER, "-quiet", "-J", "-r",
                   "-V", LABEL, tree]
        try:
            result = subprocess.run(command, capture_output=True, text=True)
        except FileNotFoundError:
            raise HypervisorError(f"{GENISOIMAGE} is not installed: no config drive can be "
                                  "made on this host (ops/install installs it)") from None
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise HypervisorError(f"{GENISOIMAGE} failed for {target}: {result.stderr.strip()}")
    os.replace(partial, target)
    record("genisoimage", "create", target.parent.name, disk=target.name, files=len(files))


def read_drive(image: Path, path: str) -> bytes:
    """One file of a drive, by its path on the drive (Rock Ridge names)."""
    result = subprocess.run(["isoinfo", "-R", "-i", str(image), "-x", f"/{path}"],
                            capture_output=True)
    if result.returncode != 0:
        raise HypervisorError(f"isoinfo failed on {image}: {result.stderr.decode().strip()}")
    return result.stdout


def drive_label(image: Path) -> str:
    result = subprocess.run(["isoinfo", "-d", "-i", str(image)], capture_output=True,
                            text=True)
    for line in result.stdout.splitlines():
        if line.startswith("Volume id:"):
            return line.partition(":")[2].strip()
    raise HypervisorError(f"no ISO 9660 volume in {image}: {result.stderr.strip()}")


def drive_paths(image: Path) -> list[str]:
    """Every file's path on the drive."""
    result = subprocess.run(["isoinfo", "-R", "-f", "-i", str(image)], capture_output=True,
                            text=True)
    return sorted(line.lstrip("/") for line in result.stdout.splitlines())
