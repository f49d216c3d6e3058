"""How a host names the bridge of a network segment: the one naming rule the network agent (which
creates the bridge) and the compute worker (which plugs guests into it) must share."""

from __future__ import annotations


def bridge_name(segmentation_id: int) -> str:
    """The bridge of a segment, whatever its type: what guests and dnsmasq are attached to."""
    return f"brq{segmentation_id}"
