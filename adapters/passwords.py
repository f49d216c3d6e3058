"""Password hashing with argon2id (the `PasswordHasher` port)."""

from __future__ import annotations

from argon2 import PasswordHasher as Argon2
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2Hasher:
    def __init__(self, fast: bool = False) -> None:
        # `fast` lowers the cost for test suites that create hundreds of users; never in production.
        self._argon = Argon2(time_cost=1, memory_cost=8192, parallelism=1) if fast else Argon2()

    def hash(self, password: str) -> str:
        return self._argon.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
