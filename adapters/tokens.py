"""Signed, expiring tokens (the Fernet idea: nothing stored per token; revocation is an event).

A token is `base64url(payload) "." base64url(HMAC-SHA256(payload))`. Only the key's holders can
mint one; every API server of a deployment must share the key (SKYLEDGER_TOKEN_KEY).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
import uuid
from dataclasses import asdict
from pathlib import Path

from domain.identity.tokens import InvalidToken, TokenClaims


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    """The `Tokens` port (domain/identity/tokens.py), signing with an HMAC-SHA256 key."""

    def __init__(self, key: bytes, ttl: int = 3600) -> None:
        self.key = key
        self.ttl = ttl

    def issue(self, user_id: str, project_id: str | None, methods: tuple[str, ...] = ("password",),
              now: float | None = None, system: bool = False,
              app_cred_id: str | None = None, expires_at: float | None = None,
              trust_id: str | None = None) -> tuple[str, TokenClaims]:
        """`expires_at`: a token got with another token expires with it (Keystone's rule)."""
        now = time.time() if now is None else now
        claims = TokenClaims(uuid.uuid4().hex, user_id, project_id, methods, now,
                             expires_at or now + self.ttl, system, app_cred_id, trust_id)
        payload = json.dumps(asdict(claims), separators=(",", ":")).encode()
        return f"{_b64(payload)}.{self._sign(payload)}", claims

    def verify(self, token: str, now: float | None = None) -> TokenClaims:
        try:
            encoded, signature = token.split(".")
            payload = _unb64(encoded)
        except (ValueError, TypeError):
            raise InvalidToken("The request you have made requires authentication.") from None
        if not hmac.compare_digest(self._sign(payload), signature):
            raise InvalidToken("The request you have made requires authentication.")
        data = json.loads(payload)
        claims = TokenClaims(**{**data, "methods": tuple(data["methods"])})
        if claims.expires_at <= (time.time() if now is None else now):
            raise InvalidToken("The token has expired.")
        return claims

    def _sign(self, payload: bytes) -> str:
        return _b64(hmac.new(self.key, payload, hashlib.sha256).digest())


def load_key(data_dir: Path, env_key: str | None = None) -> bytes:
    """The deployment's signing key: from the environment, else a file made on first start."""
    if env_key:
        return env_key.encode()
    path = data_dir / "token.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()
