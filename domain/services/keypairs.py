"""Keypair commands: import (or store a generated key's public half), delete.

Each keypair is counted on its project's quota ledger, saved in the same `save()` as the keypair,
so concurrent imports can never push a project past its `key_pairs` limit.
"""

from __future__ import annotations

from domain.app import SkyLedger
from domain.catalog.keypair import (
    KEY_TYPES,
    Keypair,
    KeypairLimitExceeded,
    keypair_id,
    keypair_not_found,
)
from domain.commands import command
from domain.context import RequestContext
from domain.errors import AlreadyExists, InvalidInput, QuotaExceeded
from domain.services.quotas import default_limits, open_ledger


class KeypairService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def import_key(self, ctx: RequestContext, user_id: str, project_id: str, name: str,
                   public_key: str, fingerprint: str, key_type: str = "ssh") -> Keypair:
        if not name or not public_key or not fingerprint:
            raise InvalidInput("A keypair needs a name, a public key and its fingerprint.")
        if key_type not in KEY_TYPES:
            raise InvalidInput(f"Keypair type must be one of {', '.join(KEY_TYPES)}.")
        ledger = open_ledger(self.app, project_id)
        try:
            # Nova checks the quota before the name, so a full project answers 403, not 409.
            ledger.claim({"key_pairs": 1}, default_limits(self.app), user_id)
        except QuotaExceeded as full:
            raise KeypairLimitExceeded(full.resource, full.requested, full.used,
                                       full.limit) from None
        existing = self.app.find(keypair_id(user_id, name))
        if existing is not None and not existing.deleted:
            raise AlreadyExists(f"Key pair '{name}' already exists.")
        if existing is None:
            keypair = Keypair(user_id, name, project_id, public_key, fingerprint, key_type)
        else:
            keypair = existing
            keypair.reimport(user_id, name, project_id, public_key, fingerprint, key_type)
        self.app.save(keypair, ledger)
        return keypair

    def get(self, user_id: str, name: str) -> Keypair:
        keypair = self.app.find(keypair_id(user_id, name))
        if not isinstance(keypair, Keypair) or keypair.deleted:
            raise keypair_not_found(user_id, name)
        return keypair

    @command
    def delete(self, ctx: RequestContext, user_id: str, name: str) -> None:
        keypair = self.get(user_id, name)
        ledger = open_ledger(self.app, keypair.project_id)
        keypair.delete()
        ledger.release({"key_pairs": 1}, keypair.user_id)
        self.app.save(keypair, ledger)
