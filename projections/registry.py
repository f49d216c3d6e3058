"""Every read model skyledger keeps, by name."""

from __future__ import annotations

from projections.audit import AuditProjection
from projections.base import Projection
from projections.flavors import FlavorProjection
from projections.identity import IdentityProjection
from projections.images import ImageProjection
from projections.keypairs import KeypairProjection
from projections.quotas import QuotaProjection


def all_projections() -> list[Projection]:
    return [IdentityProjection(), FlavorProjection(), ImageProjection(), KeypairProjection(),
            QuotaProjection(), AuditProjection()]
