"""Which compute microversion a request asks for, read from its headers as Nova reads them."""

from __future__ import annotations

import pytest

from api.discovery import COMPUTE_MAX
from api.errors import ApiError
from api.microversions import Version, requested_version

STANDARD, LEGACY = "OpenStack-API-Version", "X-OpenStack-Nova-API-Version"


@pytest.mark.parametrize(("headers", "expected"), [
    ([], "2.1"),
    ([(STANDARD, "compute 2.10")], "2.10"),
    ([(STANDARD, "volume 3.0, compute 2.5")], "2.5"),
    ([(STANDARD, "compute 2.3"), (STANDARD, "compute 2.4")], "2.4"),  # repeats fold, last wins
    ([(STANDARD, "image 2.5")], "2.1"),
    ([(LEGACY, "2.9")], "2.9"),
    ([(STANDARD, "compute 2.5"), (LEGACY, "2.9")], "2.5"),
    ([(STANDARD, "compute latest")], COMPUTE_MAX),
    ([(LEGACY, "")], "2.1"),
])
def test_requested_version(headers: list[tuple[str, str]], expected: str) -> None:
    version = requested_version(headers)
    assert str(version) == expected and version >= expected and not version > expected


@pytest.mark.parametrize(("headers", "status"), [
    ([(STANDARD, "compute 2.01")], 400), ([(STANDARD, "compute 2")], 400),
    ([(LEGACY, "two")], 400), ([(STANDARD, "compute 2.999")], 406), ([(LEGACY, "1.0")], 406)])
def test_malformed_or_unsupported_versions_are_refused(headers: list[tuple[str, str]],
                                                        status: int) -> None:
    with pytest.raises(ApiError) as refused:
        requested_version(headers)
    assert refused.value.status == status


def test_versions_compare_by_number_not_text() -> None:
    assert Version.of("2.10") > "2.9" and Version(2, 9) < "2.10" and Version(2, 1) <= "2.1"
