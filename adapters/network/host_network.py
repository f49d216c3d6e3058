"""The HostNetwork port over pyroute2: one segment interface plus one bridge per project.

Every call first looks up the interfaces it needs and only does what is missing, so a replayed
call is a no-op and a call after a partial failure (or after someone deleted the bridge by hand)
finishes the job. Lookups go by name, one interface at a time: parsing a dump of every interface
costs ~0.2 ms per interface in pyroute2, which made creating the 100th segment 30 times slower
than the first. One rtnetlink socket is kept open for the adapter's lifetime: opening one inside a
named namespace forks a helper process, which would cost more than the work itself.
"""

from __future__ import annotations

import errno
import re
import threading
from collections import defaultdict
from ipaddress import IPv4Interface
from types import TracebackType

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

from adapters.network.links import (
    Link,
    get_link,
    links_enslaved_to,
    read_ipv4_addresses,
    read_links,
)
from adapters.network.namespaces import KeptIPRoute
from adapters.network.segments import SegmentDriver
from domain.network.backends import (
    NetworkError,
    NetworkType,
    SegmentationUnsupported,
    SegmentConflict,
    SegmentSpec,
    SegmentState,
    check_segmentation_id,
)
from domain.network.bridges import bridge_name
from domain.process.effects import record

_BRIDGE = re.compile(r"^brq(\d+)$")


class PyrouteHostNetwork:
    """Segments of one driver's type on its physical interface, inside `netns` (None: the
    namespace this process runs in)."""

    def __init__(self, driver: SegmentDriver, netns: str | None = None) -> None:
        self.driver = driver
        self.netns = netns
        self._socket = KeptIPRoute(netns)
        self._lock = threading.Lock()  # one socket, and pyroute2's sync API is not thread-safe

    @property
    def network_type(self) -> NetworkType:
        return self.driver.network_type

    def __enter__(self) -> PyrouteHostNetwork:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._socket.close()

    @property
    def ipr(self) -> IPRoute:
        return self._socket.get()

    # -- the port ------------------------------------------------------------------------------
    def ensure_segment(self, spec: SegmentSpec) -> SegmentState:
        check_segmentation_id(self.network_type, spec.segmentation_id)
        with self._lock:
            try:
                self._ensure(spec)
            except NetlinkError as error:
                raise self._translate(error, spec.segmentation_id) from error
            state = self._read(spec.segmentation_id)
        assert state is not None  # just made
        return state

    def remove_segment(self, segmentation_id: int) -> None:
        with self._lock:
            physical = get_link(self.ipr, self.driver.physical_interface)
            segment = self._find_segment(segmentation_id, physical, scan=True)
            bridge = get_link(self.ipr, bridge_name(segmentation_id))
            for link in (segment, bridge if bridge and bridge.kind == "bridge" else None):
                if link is not None:
                    try:
                        self._delete(link)
                    except NetlinkError as error:
                        raise self._translate(error, segmentation_id) from error

    def segment(self, segmentation_id: int) -> SegmentState | None:
        with self._lock:
            return self._read(segmentation_id)

    def list_segments(self) -> dict[int, SegmentState]:
        with self._lock:
            links = read_links(self.ipr)  # one dump of everything, parsed once
            addresses = read_ipv4_addresses(self.ipr)
            physical = links.get(self.driver.physical_interface)
            bridges = {int(m.group(1)): link for name, link in links.items()
                       if link.kind == "bridge" and (m := _BRIDGE.match(name))}
            segments = {sid: link for link in links.values()
                        if (sid := self.driver.segmentation_id_of(link, physical)) is not None}
            ports: dict[int, list[Link]] = defaultdict(list)
            for link in links.values():
                if link.master is not None:
                    ports[link.master].append(link)
            return {sid: self._state(sid, bridges.get(sid), segments.get(sid),
                                     ports[bridges[sid].index] if sid in bridges else [],
                                     addresses)
                    for sid in sorted(set(bridges) | set(segments))}

    # -- making ---------------------------------------------------------------------------------
    def _ensure(self, spec: SegmentSpec) -> None:
        sid = spec.segmentation_id
        physical = self._physical()
        bridge = get_link(self.ipr, bridge_name(sid))
        if bridge is not None and bridge.kind != "bridge":  # checked before making anything
            raise SegmentConflict(f"{bridge.name} exists but is a {bridge.kind or 'plain'}"
                                  " interface, not a bridge")
        # The segment first: a kernel that cannot make it (EOPNOTSUPP) then leaves no bridge.
        segment = self._find_segment(sid, physical, scan=False) or self._create(sid, physical)
        if bridge is None:
            self.ipr.link("add", ifname=bridge_name(sid), kind="bridge")
            bridge = self._get(bridge_name(sid))
            self._done("link add", bridge.name, kind="bridge")
        if segment.master != bridge.index or not segment.up:
            self.ipr.link("set", index=segment.index, master=bridge.index, state="up")
            self._done("link set", segment.name, master=bridge.name, state="up")
        if not bridge.up:
            self.ipr.link("set", index=bridge.index, state="up")
            self._done("link set", bridge.name, state="up")
        if spec.gateway is not None:
            self._ensure_address(bridge, spec)

    def _create(self, sid: int, physical: Link) -> Link:
        name = self.driver.interface_name(sid)
        if get_link(self.ipr, name) is not None:
            raise SegmentConflict(f"{name} exists but is not {self.network_type} segment {sid}"
                                  f" on {self.driver.physical_interface}")
        try:
            self.driver.create(self.ipr, sid, physical)
            self._done("link add", name, kind=self.network_type.value, id=sid,
                       link=physical.name)
        except NetlinkError as error:
            # The kernel allows one segment per id and lower device, whatever its name: one
            # made by hand under another name is adopted rather than fought over.
            existing = self._find_segment(sid, physical, scan=True)
            if error.code != errno.EEXIST or existing is None:
                raise
            return existing
        return self._get(name)

    def _ensure_address(self, bridge: Link, spec: SegmentSpec) -> None:
        """The bridge carries the gateway and nothing else: an address left from an earlier
        subnet would keep routing that subnet here."""
        gateway = spec.gateway
        assert gateway is not None
        present = read_ipv4_addresses(self.ipr, bridge.index).get(bridge.index, frozenset())
        for stale in present - {gateway}:
            self.ipr.addr("del", index=bridge.index, address=str(stale.ip),
                          prefixlen=stale.network.prefixlen)
            self._done("addr del", bridge.name, address=stale)
        if gateway in present:
            return
        try:
            self.ipr.addr("add", index=bridge.index, address=str(gateway.ip),
                          prefixlen=gateway.network.prefixlen)
        except NetlinkError as error:
            if error.code != errno.EEXIST:
                raise
            return
        self._done("addr add", bridge.name, address=gateway)

    def _delete(self, link: Link) -> None:
        try:
            self.ipr.link("del", index=link.index)
        except NetlinkError as error:
            if error.code != errno.ENODEV:  # deleted meanwhile: that is what we wanted
                raise
            return
        self._done("link del", link.name, kind=link.kind)

    def _done(self, action: str, target: str, **detail: object) -> None:
        """A change made, for the effects recording of whoever asked (effects.py)."""
        record("pyroute2", action, target, netns=self.netns, **detail)

    def _translate(self, error: NetlinkError, sid: int) -> NetworkError:
        if error.code == errno.EOPNOTSUPP:
            return SegmentationUnsupported(
                f"the kernel cannot make a {self.network_type} segment"
                f" (NetlinkError {error.code}: {error})")
        return NetworkError(f"{self.network_type} segment {sid}: {error}")

    # -- reading ---------------------------------------------------------------------------------
    def _get(self, name: str) -> Link:
        link = get_link(self.ipr, name)
        if link is None:
            raise NetworkError(f"{name} vanished right after it was made")
        return link

    def _physical(self) -> Link:
        physical = get_link(self.ipr, self.driver.physical_interface)
        if physical is None:
            raise NetworkError(f"physical interface {self.driver.physical_interface!r} not found"
                               f" in namespace {self.netns or '(own)'}")
        return physical

    def _find_segment(self, sid: int, physical: Link | None, scan: bool) -> Link | None:
        """By its own name (one lookup); with `scan`, also under any other name (a dump)."""
        link = get_link(self.ipr, self.driver.interface_name(sid))
        if link is not None and self.driver.segmentation_id_of(link, physical) == sid:
            return link
        if not scan:
            return None
        return next((link for link in read_links(self.ipr).values()
                     if self.driver.segmentation_id_of(link, physical) == sid), None)

    def _read(self, sid: int) -> SegmentState | None:
        physical = get_link(self.ipr, self.driver.physical_interface)
        bridge = get_link(self.ipr, bridge_name(sid))
        if bridge is not None and bridge.kind != "bridge":
            bridge = None  # a stranger under our name: reported as "no bridge"
        segment = self._find_segment(sid, physical, scan=True)
        if bridge is None and segment is None:
            return None
        members = links_enslaved_to(self.ipr, bridge.index) if bridge else []
        addresses = read_ipv4_addresses(self.ipr, bridge.index) if bridge else {}
        return self._state(sid, bridge, segment, members, addresses)

    def _state(self, sid: int, bridge: Link | None, segment: Link | None, members: list[Link],
               addresses: dict[int, frozenset[IPv4Interface]]) -> SegmentState:
        return SegmentState(
            network_type=self.network_type,
            segmentation_id=sid,
            bridge=bridge_name(sid),
            segment_interface=segment.name if segment else self.driver.interface_name(sid),
            bridge_exists=bridge is not None,
            segment_exists=segment is not None,
            segment_attached=bool(bridge and segment and segment.master == bridge.index),
            bridge_up=bool(bridge and bridge.up),
            segment_up=bool(segment and segment.up),
            addresses=addresses.get(bridge.index, frozenset()) if bridge else frozenset(),
            members=frozenset(link.name for link in members
                              if segment is None or link.index != segment.index),
            mtu=bridge.mtu if bridge else None,
        )
