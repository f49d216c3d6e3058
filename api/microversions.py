"""Compute microversions: which version a request asks for, and the headers that echo it.

Nova answers 2.1 when a request names no version, `latest` means the maximum, and a version
outside the advertised range (api/discovery.py) is 406. Routes compare with strings:
`version >= "2.10"`.

The headers are read by microversion-parse, as Nova reads them (`OpenStack-API-Version:
compute X.Y`, the last entry for compute winning, else the legacy `X-OpenStack-Nova-API-Version`;
repeated headers fold as HTTP says). The version string itself is checked here, with Nova's
format and messages: microversion-parse's own parser accepts "2.01" and " 2.1", which Nova
refuses, and its Version cannot be compared with a string.

Every response under /compute/v2.1 (errors too) echoes the version in Nova's three headers, and
every one under /volume/v3 in Cinder's two (3.0 when the request names none): `echo_headers`,
applied once for all routes by api/middleware.py. A request whose version is malformed or out of
range is refused without them, as Nova's Fault does when it has no version to echo.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from microversion_parse import get_version

from api.discovery import COMPUTE_MAX, COMPUTE_MIN, VOLUME_MAX, VOLUME_MIN
from api.errors import ApiError

LEGACY_HEADER = "x-openstack-nova-api-version"
VERSION_FORMAT = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")


@dataclass(frozen=True)
class Version:
    major: int
    minor: int

    @classmethod
    def of(cls, text: str) -> Version:
        match = VERSION_FORMAT.match(text)
        if match is None:
            raise ApiError(400, f"API Version String {text} is of invalid format. Must be of "
                                "format MajorNum.MinorNum.")
        return cls(int(match.group(1)), int(match.group(2)))

    def _pair(self, other: Version | str) -> tuple[tuple[int, int], tuple[int, int]]:
        theirs = other if isinstance(other, Version) else Version.of(other)
        return (self.major, self.minor), (theirs.major, theirs.minor)

    # Compared with Versions or with strings, so routes read `version >= "2.10"`.
    def __ge__(self, other: Version | str) -> bool:
        mine, theirs = self._pair(other)
        return mine >= theirs

    def __lt__(self, other: Version | str) -> bool:
        return not self >= other

    def __gt__(self, other: Version | str) -> bool:
        mine, theirs = self._pair(other)
        return mine > theirs

    def __le__(self, other: Version | str) -> bool:
        return not self > other

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


def requested_version(headers: Iterable[tuple[str, str]]) -> Version:
    """The compute microversion a request asks for: 2.1 when it names none, as Nova does."""
    # A list of (name, value) pairs, not a mapping, so that microversion-parse folds repeats.
    text = get_version(list(headers), "compute", legacy_headers=[LEGACY_HEADER]) or COMPUTE_MIN
    version = Version.of(COMPUTE_MAX if text.lower() == "latest" else text)
    if version < COMPUTE_MIN or version > COMPUTE_MAX:
        raise ApiError(406, f"Version {version} is not supported by the API. Minimum is "
                            f"{COMPUTE_MIN} and maximum is {COMPUTE_MAX}.")
    return version


def version_headers(version: Version) -> dict[str, str]:
    return {"OpenStack-API-Version": f"compute {version}",
            "X-OpenStack-Nova-API-Version": str(version),
            "Vary": "OpenStack-API-Version, X-OpenStack-Nova-API-Version"}


def checked_volume_version(headers: Iterable[tuple[str, str]]) -> Version:
    """The volume microversion a request asks for (3.0 when it names none, `latest` the
    maximum); 400 when malformed, 406 outside the advertised range, as Cinder answers."""
    text = get_version(list(headers), "volume") or VOLUME_MIN
    version = Version.of(VOLUME_MAX if text.lower() == "latest" else text)
    if not VOLUME_MIN <= version <= VOLUME_MAX:
        raise ApiError(406, f"Version {version} is not supported by the API. Minimum is "
                            f"{VOLUME_MIN} and maximum is {VOLUME_MAX}.")
    return version


def requested_volume_version(headers: Iterable[tuple[str, str]]) -> Version | None:
    """As checked_volume_version, or None for a version it refuses."""
    try:
        return checked_volume_version(headers)
    except ApiError:
        return None


def echo_headers(path: str, headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The microversion headers that the response to a request for `path` carries."""
    if path == "/compute/v2.1" or path.startswith("/compute/v2.1/"):
        try:
            return version_headers(requested_version(headers))
        except ApiError:
            return {}
    if path == "/volume/v3" or path.startswith("/volume/v3/"):
        volume = requested_volume_version(headers)
        return {} if volume is None else {"OpenStack-API-Version": f"volume {volume}",
                                          "Vary": "OpenStack-API-Version"}
    return {}


def compute_version(request: Request) -> Version:
    """The request's version, checked (400, 406): a route takes it to refuse a bad version even
    when it does not read it. The response's headers are api/middleware.py's business."""
    return requested_version(request.headers.items())


ComputeVersion = Annotated[Version, Depends(compute_version)]


def volume_version(request: Request) -> Version:
    """The request's Block Storage version, checked; the headers are the middleware's."""
    return checked_volume_version(request.headers.items())


VolumeVersion = Annotated[Version, Depends(volume_version)]
