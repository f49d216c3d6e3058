"""The test host's image (ops/build-test-host, cached per kernel version under var/test-host)
and the one reason a test host's test may skip: QEMU cannot start on this machine."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
QEMU = "qemu-system-x86_64"
# QEMU answers its monitor's greeting once the machine is made (stopped: -S); then it is told to
# quit. Whatever stops this stops every guest, so it is worth saying exactly.
_QMP_QUIT = '{"execute": "qmp_capabilities"}\n{"execute": "quit"}\n'


@dataclass(frozen=True)
class HostImage:
    directory: Path  # var/test-host/<kernel version>

    @property
    def version(self) -> str:
        return (self.directory / "kernel-version").read_text().strip()

    @property
    def vmlinux(self) -> Path:
        return self.directory / "vmlinux"

    @property
    def initramfs(self) -> Path:
        return self.directory / "initramfs.cpio.gz"

    @property
    def modules(self) -> Path:
        """The module tree, a path on the machine's root, which the guest sees too."""
        return self.directory / "modules" / self.version


def build_image() -> HostImage:
    """The image, built at the first call of a run and found cached afterwards."""
    result = subprocess.run([str(REPO / "ops" / "build-test-host")], capture_output=True,
                            text=True, timeout=900, check=False)
    assert result.returncode == 0, f"ops/build-test-host failed:\n{result.stderr}"
    return HostImage(Path(result.stdout.split()[-1]))


def qemu_cannot_start() -> str | None:
    """Why no test host can boot here, or None."""
    if shutil.which(QEMU) is None:
        return f"{QEMU} is not installed (ops/install --test installs it)"
    try:
        probe = subprocess.run(
            [QEMU, "-machine", "q35,accel=tcg", "-nodefaults", "-no-user-config", "-display",
             "none", "-S", "-qmp", "stdio"],
            input=_QMP_QUIT, capture_output=True, text=True, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        return f"{QEMU} did not answer its monitor within 60 s"
    if probe.returncode != 0 or '"return"' not in probe.stdout:
        return f"{QEMU} cannot start a TCG machine: {probe.stderr.strip() or probe.stdout}"
    return None
