"""The test-host harness itself (tests/hosts/): a VM boots the test host's kernel on the
machine's root, runs its command, and the command's exit status and output come back."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.hosts.image import HostImage
from tests.hosts.machine import HostVM

pytestmark = pytest.mark.test_host


def test_a_command_runs_on_the_test_hosts_kernel_and_its_status_comes_back(
        test_host_image: HostImage, tmp_path: Path) -> None:
    written_inside = tmp_path / "written-inside"
    with HostVM(test_host_image, "probe", tmp_path) as vm:
        # The checkout's Python is there; the machine's root is writable only in the guest's
        # overlay; and the status is the command's own, not QEMU's (which exits 0 anyway).
        vm.start(f"uname -r; test -x {sys.executable} && echo checkout-python-found; "
                 f"touch {written_inside} && echo overlay-writable; exit 7")
        assert vm.wait(timeout_s=300) == 7

    console = vm.console()
    assert test_host_image.version in console
    assert "checkout-python-found" in console and "overlay-writable" in console
    assert not written_inside.exists()
