"""What a token says and the port that signs and checks tokens (adapters/tokens.py signs them).

The API authenticates callers through this port only, so it never depends on how tokens are made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class TokenClaims:
    token_id: str
    user_id: str
    project_id: str | None
    methods: tuple[str, ...]
    issued_at: float
    expires_at: float
    # A system-scoped token (`scope: {"system": {"all": true}}`): no project, the system's roles.
    system: bool = False
    # A token got with an application credential: its roles are the credential's.
    app_cred_id: str | None = None
    # A trust-scoped token (OS-TRUST): its project and roles are the trust's.
    trust_id: str | None = None


class InvalidToken(Exception):
    pass


class Tokens(Protocol):
    def issue(self, user_id: str, project_id: str | None, methods: tuple[str, ...] = ("password",),
              now: float | None = None, system: bool = False,
              app_cred_id: str | None = None, expires_at: float | None = None,
              trust_id: str | None = None) -> tuple[str, TokenClaims]: ...

    def verify(self, token: str, now: float | None = None) -> TokenClaims: ...
