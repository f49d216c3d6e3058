"""The `SecretBox` port (domain/backends.py) with Fernet (AES-128-CBC + HMAC-SHA256).

The key is derived from the deployment's token key (SKYLEDGER_TOKEN_KEY or data_dir/token.key),
which every API server already shares, so there is no second secret to distribute. Changing the
token key makes stored credential secrets unreadable, as rotating Keystone's credential key
without migrating does.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from domain.errors import InvalidState


class FernetBox:
    def __init__(self, token_key: bytes) -> None:
        derived = hashlib.sha256(b"skyledger-credential-encryption:" + token_key).digest()
        self.fernet = Fernet(base64.urlsafe_b64encode(derived))

    def encrypt(self, plaintext: str) -> str:
        return self.fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self.fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise InvalidState("A stored credential cannot be decrypted with this deployment's "
                               "key (was SKYLEDGER_TOKEN_KEY changed?).") from None
