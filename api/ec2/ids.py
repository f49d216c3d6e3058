"""EC2 ids from OpenStack uuids: a prefix and the uuid's first 17 hex digits (AWS's long id
form, `i-0123456789abcdef0`). Stable and derived, so both APIs name the same thing; turned back
into the uuid through the read model (`resolved`), 68 bits leaving no practical collision."""

from __future__ import annotations

import re
from uuid import UUID

from api.ec2.errors import Ec2Error
from projections.id_prefixes import ids_with_prefix
from projections.store import ReadStore

DIGITS = 17


def ec2_id(prefix: str, uuid: str | UUID) -> str:
    return f"{prefix}-{UUID(str(uuid)).hex[:DIGITS]}"


def hex_prefix(prefix: str, value: str, not_found: str) -> str:
    """The hex digits an EC2 id carries; a malformed one is EC2's `<Kind>.Malformed`."""
    match = re.fullmatch(re.escape(prefix) + "-([0-9a-f]{" + str(DIGITS) + "})", value)
    if match is None:
        kind = not_found.rsplit(".", 1)[0]
        raise Ec2Error(f"{kind}.Malformed", f"Invalid id: \"{value}\"")
    return match[1]


def resolved(store: ReadStore, table: str, prefix: str, value: str, not_found: str) -> str:
    """The OpenStack id (hex) behind an EC2 id, or EC2's `not_found` code."""
    found = ids_with_prefix(store, table, hex_prefix(prefix, value, not_found))
    if len(found) != 1:
        raise Ec2Error(not_found, f"The id '{value}' does not exist")
    return found[0]
