"""A volume's attachment to a server (Cinder's attachment record), as the Volume aggregate keeps
it and its events carry it: a plain dict, the stored shape of `AttachRequested` and
`BootReserved` since the first of them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any


def new_attachment(server_id: str, host: str, device: str,
                   tag: str | None = None) -> dict[str, Any]:
    """`attached_at` stays None until the compute worker confirms the attach."""
    return {"attachment_id": uuid.uuid4().hex, "server_id": server_id, "host": host,
            "device": device, "tag": tag, "attached_at": None}


def now() -> str:
    """Naive UTC with microseconds, the way Cinder prints times."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
