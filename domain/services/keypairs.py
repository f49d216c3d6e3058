"""Keypair commands: import (or store a generated key), delete; counted on the quota ledger."""

from __future__ import annotations

from domain.app import SkyLedger
from domain.catalog.keypair import Keypair, keypair_id
from domain.commands import command
from domain.context import RequestContext
from domain.errors import AlreadyExists
from domain.services.quotas import open_ledger


class KeypairService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def import_key(self, ctx: RequestContext, user_id: str, project_id: str, name: str,
                   public_key: str, fingerprint: str, key_type: str = "ssh") -> Keypair:
        ledger = open_ledger(self.app, project_id)
        ledger.claim({"key_pairs": 1})
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
        return self.app.get(keypair_id(user_id, name), Keypair, f"Keypair {name} for user {user_id}")

    @command
    def delete(self, ctx: RequestContext, user_id: str, name: str) -> None:
        keypair = self.get(user_id, name)
        ledger = open_ledger(self.app, keypair.project_id)
        keypair.delete()
        ledger.release({"key_pairs": 1})
        self.app.save(keypair, ledger)
