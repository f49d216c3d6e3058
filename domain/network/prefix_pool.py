"""A subnet pool as Neutron users know it (`/subnetpools`): prefixes a project's subnets are cut
from, and the ledger of the CIDRs cut so far.

Named PrefixPool here because pool.py's SubnetPool is the operator's tenant-supernet ledger.
A subnet made from a pool is saved with the pool (its CIDR claimed) and with its network in one
save, so two subnets never get overlapping CIDRs from one pool, and a pool with subnets cannot
be deleted.
"""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import collapse_addresses
from typing import Any

from eventsourcing.domain import event

from domain.base import Entity
from domain.errors import InvalidInput, InvalidState
from domain.network.subnet_spec import Net, parse_cidr

# How many candidate blocks one allocation looks at per prefix (a /8 cut into /24s is 65,536).
MAX_CANDIDATES = 1 << 16
UPDATABLE = ("name", "description", "prefixes", "default_prefixlen", "min_prefixlen",
             "max_prefixlen", "is_default")


def check_prefixes(prefixes: Any) -> tuple[int, list[str]]:
    """(ip version, the prefixes collapsed): one version, at least one prefix."""
    if not isinstance(prefixes, list) or not prefixes:
        raise InvalidInput("Invalid input for prefixes: a non-empty list of CIDRs is expected.")
    nets = [parse_cidr(p, subnet=False) for p in prefixes]
    versions = {n.version for n in nets}
    if len(versions) != 1:
        raise InvalidInput("Invalid input: the prefixes of a subnet pool must be of one IP "
                           "version.")
    collapsed = collapse_addresses(nets)  # type: ignore[type-var]
    return versions.pop(), [str(n) for n in collapsed]


def check_lengths(version: int, prefixes: list[str], default: Any, minimum: Any,
                  maximum: Any) -> tuple[int, int, int]:
    top = 32 if version == 4 else 128
    shortest = min(parse_cidr(p, subnet=False).prefixlen for p in prefixes)
    low = shortest if minimum is None else minimum
    high = top if maximum is None else maximum
    default = low if default is None else default
    for what, value in (("min_prefixlen", low), ("max_prefixlen", high),
                        ("default_prefixlen", default)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
            raise InvalidInput(f"Invalid input for {what}: {value!r} is not a prefix length "
                               f"of IPv{version}.")
    if not low <= default <= high:
        raise InvalidInput(f"Invalid input: the prefix lengths must satisfy min_prefixlen "
                           f"({low}) <= default_prefixlen ({default}) <= max_prefixlen ({high}).")
    return default, low, high


class PrefixPool(Entity):
    class Created(Entity.Created):
        project_id: str
        name: str
        ip_version: int
        prefixes: list[str]
        lengths: list[int]  # default, min, max
        attributes: dict[str, Any]  # description, shared, is_default

    @event(Created)
    def __init__(self, project_id: str, name: str, ip_version: int, prefixes: list[str],
                 lengths: list[int], attributes: dict[str, Any]) -> None:
        self.project_id, self.name, self.ip_version = project_id, name, ip_version
        self.prefixes, self.lengths = list(prefixes), list(lengths)
        self.attributes = dict(attributes)
        self.allocated: dict[str, str] = {}  # CIDR -> subnet id (hex)
        self.deleted = False

    @property
    def shared(self) -> bool:
        return bool(self.attributes.get("shared"))

    def check_live(self) -> None:
        if self.deleted:
            raise InvalidState(f"Subnet pool {self.id} is deleted.")

    def update(self, changes: dict[str, Any]) -> None:
        self.check_live()
        unknown = set(changes) - set(UPDATABLE)
        if unknown:
            raise InvalidInput(f"Cannot update attribute(s) {sorted(unknown)} of a subnet pool.")
        prefixes = self.prefixes
        if "prefixes" in changes:
            _, prefixes = check_prefixes(changes["prefixes"])
            kept = [parse_cidr(p, subnet=False) for p in prefixes]
            if any(not any(_within(parse_cidr(old, subnet=False), new) for new in kept)
                   for old in self.prefixes):
                raise InvalidInput("Invalid input: a subnet pool's prefixes can only grow.")
        default, low, high = self.lengths
        lengths = list(check_lengths(self.ip_version, prefixes,
                                     changes.get("default_prefixlen", default),
                                     changes.get("min_prefixlen", low),
                                     changes.get("max_prefixlen", high)))
        new = {**changes, "prefixes": prefixes, "lengths": lengths}
        new.pop("default_prefixlen", None), new.pop("min_prefixlen", None)
        new.pop("max_prefixlen", None)
        self._updated(new)

    class Updated(Entity.Event):
        changes: dict[str, Any]

    @event(Updated)
    def _updated(self, changes: dict[str, Any]) -> None:
        self.name = changes.get("name", self.name)
        self.prefixes = changes.get("prefixes", self.prefixes)
        self.lengths = changes.get("lengths", self.lengths)
        self.attributes.update({k: v for k, v in changes.items()
                                if k in ("description", "is_default")})

    # -- the ledger ---------------------------------------------------------------------------
    def allocate(self, subnet_id: str, prefixlen: Any = None, cidr: Any = None) -> str:
        """A CIDR for the subnet: `cidr` if it lies in a prefix and is free, else the first
        free block of `prefixlen` (default_prefixlen when None)."""
        self.check_live()
        default, low, high = self.lengths
        if cidr is not None:
            wanted = parse_cidr(cidr, self.ip_version)
            if not (low <= wanted.prefixlen <= high and self._fits(wanted)):
                raise InvalidInput(f"Cannot allocate requested subnet {cidr} from the available "
                                   f"set of prefixes of subnet pool {self.id}.")
            chosen = str(wanted)
        else:
            length = default if prefixlen is None else prefixlen
            if isinstance(length, bool) or not isinstance(length, int) or \
                    not low <= length <= high:
                raise InvalidInput(f"Invalid input for prefixlen: {length!r} is outside "
                                   f"{low}-{high}.")
            found = next((str(n) for n in self._blocks(length) if self._fits(n)), None)
            if found is None:
                raise InvalidState(f"Subnet pool {self.id} has no free /{length} left.")
            chosen = found
        self._allocated(chosen, subnet_id)
        return chosen

    def _blocks(self, length: int) -> Iterator[Net]:
        for prefix in self.prefixes:
            net = parse_cidr(prefix, subnet=False)
            if net.prefixlen <= length:
                blocks: Iterator[Net] = net.subnets(new_prefix=length)
                for count, block in enumerate(blocks):
                    if count >= MAX_CANDIDATES:
                        break
                    yield block

    def _fits(self, candidate: Net) -> bool:
        inside = any(_within(candidate, parse_cidr(p, subnet=False)) for p in self.prefixes)
        return inside and not any(candidate.overlaps(parse_cidr(c, subnet=False))
                                  for c in self.allocated)

    class Allocated(Entity.Event):
        cidr: str
        subnet_id: str

    @event(Allocated)
    def _allocated(self, cidr: str, subnet_id: str) -> None:
        self.allocated[cidr] = subnet_id

    def release(self, cidr: str, subnet_id: str) -> None:
        if self.allocated.get(cidr) == subnet_id:
            self._released(cidr, subnet_id)

    class Released(Entity.Event):
        cidr: str
        subnet_id: str

    @event(Released)
    def _released(self, cidr: str, subnet_id: str) -> None:
        del self.allocated[cidr]

    def delete(self) -> None:
        self.check_live()
        if self.allocated:
            raise InvalidState(f"Subnet pool {self.id} still has {len(self.allocated)} "
                               "subnet(s) allocated from it.")
        self._deleted()

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def _deleted(self) -> None:
        self.deleted = True


def _within(inner: Net, outer: Net) -> bool:
    return inner.version == outer.version and inner.subnet_of(outer)  # type: ignore[arg-type]
