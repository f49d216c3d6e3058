"""The style rules in pyproject.toml hold for the whole tree (ruff), and no module grows past the
size at which STYLE.md says to split it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "projections", "adapters", "api", "ops", "bench", "tests")
MAX_MODULE_LINES = 400


def test_ruff_finds_nothing() -> None:
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run([str(ruff), "check", *PACKAGES], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_is_oversized() -> None:
    big = {str(p.relative_to(ROOT)): n for package in PACKAGES
           for p in (ROOT / package).rglob("*.py")
           if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert big == {}, f"split these by use case: {big}"
