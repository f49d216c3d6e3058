"""SSH keys: validate an imported public key, compute Nova's fingerprint, generate a new pair."""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from domain.errors import InvalidInput

KNOWN_TYPES = ("ssh-rsa", "ssh-ed25519", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
               "ecdsa-sha2-nistp521")


def fingerprint(public_key: str) -> str:
    """MD5 over the key blob in colon-separated hex, as Nova prints it."""
    parts = public_key.strip().split()
    if len(parts) < 2 or parts[0] not in KNOWN_TYPES:
        raise InvalidInput("Keypair data is invalid: failed to generate fingerprint")
    try:
        blob = base64.b64decode(parts[1].encode(), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("Keypair data is invalid: failed to generate fingerprint") from None
    digest = hashlib.md5(blob).hexdigest()  # noqa: S324 - the fingerprint format, not security
    return ":".join(digest[i:i + 2] for i in range(0, 32, 2))


def generate(comment: str) -> tuple[str, str]:
    """A new RSA keypair: (private key PEM, public key in OpenSSH format)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    return private, f"{public} {comment}"
