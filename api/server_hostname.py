"""Nova 2.90's `hostname` on server create, update and rebuild: an RFC 952 name of 2 to 63
characters, recorded on the instance beside its other details (its update), where the bodies
read it (`OS-EXT-SRV-ATTR:hostname`, shown to everyone from 2.90); without one, a server's
hostname is its display name sanitized, as before. One hostname cannot name several servers."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from domain.errors import InvalidInput

Hostname = Annotated[str, Field(min_length=2, max_length=63,
                                pattern=r"^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$")]
SINCE = "2.90"


def hostname_change(body: BaseModel) -> dict[str, Any]:
    """The instance's change for a body that names a hostname (checked for its version by the
    caller, as the other versioned fields are); a boot's must be of one server."""
    if "hostname" not in body.model_fields_set:
        return {}
    if (getattr(body, "max_count", None) or 1) > 1:
        raise InvalidInput("Unable to allocate a single hostname to multiple instances")
    return body.model_dump(include={"hostname"})
