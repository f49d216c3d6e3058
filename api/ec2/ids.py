"""EC2 ids from OpenStack uuids: a prefix and the uuid's first 17 hex digits (AWS's long id
form, `i-0123456789abcdef0`). Stable and derived, so both APIs name the same thing; turned back
into the uuid through the read model (`uuid_prefix`), 68 bits leaving no practical collision."""

from __future__ import annotations

import re
from uuid import UUID

from api.ec2.errors import Ec2Error

DIGITS = 17


def ec2_id(prefix: str, uuid: str | UUID) -> str:
    return f"{prefix}-{UUID(str(uuid)).hex[:DIGITS]}"


def uuid_prefix(prefix: str, value: str, not_found: str) -> str:
    """The dashed uuid prefix an EC2 id stands for (`0123abcd-0123-4567-8`), to match with
    LIKE; a malformed id is EC2's `<Kind>.Malformed`, answered as the not-found code's kind."""
    match = re.fullmatch(re.escape(prefix) + "-([0-9a-f]{" + str(DIGITS) + "})", value)
    if match is None:
        kind = not_found.rsplit(".", 1)[0]
        raise Ec2Error(f"{kind}.Malformed", f"Invalid id: \"{value}\"")
    digits = match[1]
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:]}"
