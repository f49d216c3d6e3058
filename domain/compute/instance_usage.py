"""What an instance holds: on its host (the flavor's vcpus, RAM and disk, as the host's claim)
and in its project's quota. Instance's base (instance.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.base import Entity
from domain.compute.copies import FlavorCopy


class InstanceUsage(Entity):
    if TYPE_CHECKING:  # Instance's state (no runtime annotations: no dataclass fields here)
        flavor: FlavorCopy
        old_flavor: FlavorCopy | None
        pending: dict[str, Any] | None

    def resources(self) -> dict[str, int]:
        """What this instance holds on its host (the current flavor)."""
        return self.resources_of(self.flavor)

    @staticmethod
    def resources_of(flavor: FlavorCopy) -> dict[str, int]:
        # Disk counts root, ephemeral and swap (MiB, rounded up to GiB), as Nova's DiskFilter does.
        disk = int(flavor["disk"]) + int(flavor.get("ephemeral", 0))
        return {
            "vcpus": int(flavor["vcpus"]),
            "ram": int(flavor["ram"]),
            "disk": disk + (int(flavor.get("swap") or 0) + 1023) // 1024,
        }

    def quota_usage(self, flavor: FlavorCopy | None = None) -> dict[str, int]:
        f = flavor or self.flavor
        return {"instances": 1, "cores": int(f["vcpus"]), "ram": int(f["ram"])}

    def quota_held(self) -> dict[str, int]:
        """What the quota ledger holds for this instance: during a resize, the larger of the old
        and new flavor per resource (the growth is claimed at request, shrinking at confirm)."""
        flavors = [self.flavor]
        if self.old_flavor is not None:
            flavors.append(self.old_flavor)
        if self.pending and "flavor" in self.pending:
            flavors.append(self.pending["flavor"])
        usages = [self.quota_usage(f) for f in flavors]
        return {k: max(u[k] for u in usages) for k in usages[0]}
