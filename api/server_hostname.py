"""Nova 2.90's `hostname` on server create, update and rebuild: an RFC 952 name of 2 to 63
characters, and from 2.94 an FQDN of up to 255 (letters, digits, `-`, `.`, `_`), recorded on
the instance beside its other details (its update), where the bodies read it
(`OS-EXT-SRV-ATTR:hostname`, shown to everyone from 2.90); without one, a server's hostname is
its display name sanitized, as before. One hostname cannot name several servers."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, Field

from api.microversions import Version
from domain.errors import InvalidInput

# The widest a request may give (Nova's parameter_types.fqdn, 2.94's); before 2.94 the name must
# also be Nova's parameter_types.hostname, checked by hostname_change.
Hostname = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[a-zA-Z0-9-._]*$")]
RFC952 = r"^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$"
SINCE, FQDN_SINCE = "2.90", "2.94"


def hostname_change(body: BaseModel, version: Version) -> dict[str, Any]:
    """The instance's change for a body that names a hostname (checked for its version by the
    caller, as the other versioned fields are); a boot's must be of one server."""
    if "hostname" not in body.model_fields_set:
        return {}
    name = getattr(body, "hostname", None)
    if version < FQDN_SINCE and name is not None and (
            not 2 <= len(name) <= 63 or re.match(RFC952, name) is None):
        raise InvalidInput(f"Invalid input for field/attribute hostname. Value: {name}. "
                           f"'{name}' does not match '{RFC952}'")
    if (getattr(body, "max_count", None) or 1) > 1:
        raise InvalidInput("Unable to allocate a single hostname to multiple instances")
    return body.model_dump(include={"hostname"})
