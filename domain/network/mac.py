"""MAC addresses for ports: Neutron's fa:16:3e prefix, the last three octets from the port id.

0xfa has the locally-administered bit set and the multicast bit clear, so these addresses can
never clash with a vendor's NIC nor be taken for a group address. Three octets give 16.7 million
values, so two ports can hash alike: the network aggregate keeps the MACs in use on it, and a
new port whose MAC is taken simply gets another id (see `new_port_id`).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Container
from uuid import UUID

from domain.network.errors import PoolExhausted

PREFIX = "fa:16:3e"
MAC_PATTERN = re.compile(r"^fa:16:3e(:[0-9a-f]{2}){3}$")
# Hitting a taken MAC 32 times in a row needs a network with millions of ports.
MAX_DRAWS = 32


def mac_for(port_id: UUID) -> str:
    """Deterministic: a port's MAC can always be recomputed from its id (hashed, so ids of any
    uuid version spread evenly)."""
    tail = hashlib.sha256(port_id.bytes).digest()[:3]
    return ":".join([PREFIX, *(f"{octet:02x}" for octet in tail)])


def new_port_id(taken: Container[str], draw: Callable[[], UUID] = uuid.uuid4) -> UUID:
    """A fresh port id whose MAC is not in `taken` (the MACs in use on the port's network)."""
    for _ in range(MAX_DRAWS):
        candidate = draw()
        if mac_for(candidate) not in taken:
            return candidate
    raise PoolExhausted(f"No free MAC address found after {MAX_DRAWS} draws.")
