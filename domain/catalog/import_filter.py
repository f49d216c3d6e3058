"""Which URIs a `web-download` import may fetch: Glance's `[import_filtering_opts]`.

The same rules as Glance's `validate_import_uri`: a scheme, host and port each pass when an
allowed list is set and holds them, or when no allowed list is set and the disallowed list does
not (an allowed list, when set, makes its disallowed list moot). A URI without a port passes the
port rule. Hosts given as IP addresses are compared in their standard form; an address written
any other way (`2130706433`, `0x7f000001`, `0177.0.0.1`, which a resolver would still take as
127.0.0.1) is refused, as Glance refuses it, so a host filter cannot be walked around. The
download checks every redirect with the same filter.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from dataclasses import dataclass

from domain.errors import InvalidInput

# What the C resolver would take as an IPv4 address although `ipaddress` does not: digits,
# dots and hex only (a DNS name has a letter beyond a-f or x somewhere, or is not all of these).
_LEGACY_IPV4 = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}\.?$")


@dataclass(frozen=True)
class ImportFilter:
    allowed_schemes: tuple[str, ...] = ("http", "https")
    disallowed_schemes: tuple[str, ...] = ()
    allowed_hosts: tuple[str, ...] = ()
    disallowed_hosts: tuple[str, ...] = ()
    allowed_ports: tuple[int, ...] = (80, 443)
    disallowed_ports: tuple[int, ...] = ()

    def passes(self, uri: str) -> bool:
        try:
            parsed = urllib.parse.urlparse(uri)
            port = parsed.port
        except ValueError:  # a port that is not a number, or out of range
            return False
        host = normalized_host(parsed.hostname)
        return (_admitted(parsed.scheme, self.allowed_schemes, self.disallowed_schemes)
                and host is not None
                and _admitted(host, self.allowed_hosts, self.disallowed_hosts)
                and (port is None
                     or _admitted(port, self.allowed_ports, self.disallowed_ports)))

    def check(self, uri: str) -> None:
        if not self.passes(uri):
            raise InvalidInput(f"URI for web-download does not pass filtering: {uri}")


def _admitted(value: object, allowed: tuple[object, ...], disallowed: tuple[object, ...]) -> bool:
    if not value and value != 0:
        return False
    if allowed:
        return value in allowed
    return value not in disallowed


def normalized_host(host: str | None) -> str | None:
    """An IP address in its standard form, a DNS name as given (lower case), or None when
    there is none or it is an IPv4 address written in a form `ipaddress` does not accept."""
    if not host:
        return None
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if _LEGACY_IPV4.match(host.lower()):
        return None
    return host.lower()
