"""Signed tokens: round trip, expiry, tampering, another deployment's key."""

from __future__ import annotations

import pytest

from adapters.tokens import InvalidToken, TokenSigner


def test_round_trip_keeps_the_claims() -> None:
    signer = TokenSigner(b"k" * 32, ttl=60)
    token, claims = signer.issue("user", "project", now=1000.0)
    assert signer.verify(token, now=1059.0) == claims
    assert claims.expires_at == 1060.0


def test_expired_token_is_refused() -> None:
    signer = TokenSigner(b"k" * 32, ttl=60)
    token, _ = signer.issue("user", None, now=1000.0)
    with pytest.raises(InvalidToken, match="expired"):
        signer.verify(token, now=1060.0)


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
    lambda t: ("e" if t[0] != "e" else "f") + t[1:],
    lambda t: t.replace(".", ""),
    lambda t: "",
    lambda t: "not-a-token",
])
def test_tampered_token_is_refused(mangle) -> None:  # type: ignore[no-untyped-def]
    signer = TokenSigner(b"k" * 32)
    token, _ = signer.issue("user", "project")
    with pytest.raises(InvalidToken):
        signer.verify(mangle(token))


def test_other_key_is_refused() -> None:
    token, _ = TokenSigner(b"a" * 32).issue("user", "project")
    with pytest.raises(InvalidToken):
        TokenSigner(b"b" * 32).verify(token)
