"""Trusted image certificates (compute microversion 2.63): the ids of the certificates that
may sign the image a server boots from, given at boot or rebuild and shown on the server.

Nova keeps them on the instance and, with signature verification on, checks the image against
them; with it off (Nova's default, and ours: no image is verified) they are kept and shown.
A server booted from a volume takes none: Nova refuses them there.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field
from pydantic import BaseModel as _BaseModel

from api.microversions import Version
from domain.errors import InvalidInput

FIELD, SINCE = "trusted_image_certificates", "2.63"


def _unique(ids: list[str]) -> list[str]:
    if len(set(ids)) != len(ids):
        raise ValueError(f"{ids} has non-unique elements")
    return ids


TrustedCerts = Annotated[list[Annotated[str, Field(min_length=1)]],
                         Field(min_length=1, max_length=50), AfterValidator(_unique)]


def certificate_changes(request: _BaseModel, version: Version, volume_backed: bool,
                        refusal: str) -> dict[str, Any]:
    """What a boot or rebuild request records of its certificates: nothing when it names
    none, the list (or null, which clears them) from 2.63; 400 before 2.63 or on a volume."""
    if FIELD not in request.model_fields_set:
        return {}
    if version < SINCE:
        raise InvalidInput(f"Additional properties are not allowed ('{FIELD}' was unexpected)")
    ids = getattr(request, FIELD)
    if ids and volume_backed:
        raise InvalidInput(refusal)
    return {FIELD: ids}
