"""The conformance ratchet: every Tempest test listed in passing.txt passes against a fresh
`skyledger serve`, set up the way devstack leaves a cloud (`ops/conformance --ratchet`).

The list only grows: a change that makes more tests pass adds them
(`ops/conformance --update-ratchet`), and one that breaks a listed test fails CI here.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from ops.tempest.selection import read_names

ROOT = Path(__file__).resolve().parents[2]
PASSING = Path(__file__).with_name("passing.txt")


def test_the_ratchet_list_is_sorted_and_has_no_duplicates() -> None:
    names = read_names(PASSING)
    assert names, "passing.txt lists no test"
    assert names == sorted(set(names))
    assert all(n.startswith("tempest.api.") for n in names)


def test_every_tempest_test_in_the_ratchet_passes(tmp_path: Path) -> None:
    # Tempest's own timeouts (build_timeout 300 s per wait) bound every test; this only stops a
    # hung harness from holding CI to its end.
    result = subprocess.run([str(ROOT / "ops" / "conformance"), "--ratchet",
                             "--workdir", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=45 * 60)
    assert result.returncode == 0, (
        f"ops/conformance --ratchet exited {result.returncode}\n{result.stdout[-20000:]}\n"
        f"stderr:\n{result.stderr[-5000:]}")
    assert f"all {len(read_names(PASSING))} tests passed" in result.stdout
