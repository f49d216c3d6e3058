"""What the kernel can do, found out by trying it where nothing can be harmed.

A kernel built without 802.1Q (like the test machines') answers a VLAN request with
EOPNOTSUPP (NetlinkError 95). Asking the real physical interface would be intrusive, so the probe
makes a throwaway namespace with a veth pair in it, tries there, and deletes the namespace.
"""

from __future__ import annotations

import errno
import functools
import uuid

from pyroute2 import IPRoute, netns
from pyroute2.netlink.exceptions import NetlinkError


@functools.cache  # the kernel cannot grow 802.1Q while we run (this one has no modules at all)
def supports_vlan() -> bool:
    scratch = f"sky-probe-{uuid.uuid4().hex[:8]}"
    netns.create(scratch)
    try:
        with IPRoute(netns=scratch, flags=0) as ipr:
            ipr.link("add", ifname="probe0", kind="veth", peer="probe1")
            lower = ipr.link_lookup(ifname="probe0")[0]
            try:
                ipr.link("add", ifname="probe0.7", kind="vlan", link=lower, vlan_id=7)
            except NetlinkError as error:
                if error.code == errno.EOPNOTSUPP:
                    return False
                raise
            return True
    finally:
        netns.remove(scratch)  # takes its veth pair (and VLAN) with it
