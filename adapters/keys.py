"""SSH and X.509 keys: validate an imported key, compute Nova's fingerprint, generate a new pair.

Generated private keys are returned to the caller once and never stored: only the public half
reaches a command (and so an event).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from domain.errors import InvalidInput

# Nova appends this comment to the public keys it generates.
GENERATED_COMMENT = "Generated-by-Nova"
BITS = 2048


def fingerprint(public_key: str) -> str:
    """MD5 over the OpenSSH key blob in colon-separated hex, as Nova prints it.

    The key must parse as a real OpenSSH public key (as Nova checks with the same library),
    not merely look like one.
    """
    try:
        serialization.load_ssh_public_key(public_key.strip().encode())
        blob = base64.b64decode(public_key.split()[1].encode(), validate=True)
    except Exception:  # noqa: BLE001 - ValueError, UnsupportedAlgorithm...: all the client's key
        raise InvalidInput("Keypair data is invalid: failed to generate fingerprint") from None
    return _colons(hashlib.md5(blob).hexdigest())  # noqa: S324 - the format, not security


def x509_fingerprint(certificate: str) -> str:
    """SHA-1 over the DER certificate in colon-separated hex (Nova's x509 keypairs)."""
    try:
        cert = x509.load_pem_x509_certificate(certificate.encode())
        digest = cert.fingerprint(hashes.SHA1())  # noqa: S303 - the format, not security
    except (ValueError, TypeError, UnicodeError) as error:
        raise InvalidInput("Keypair data is invalid: failed to generate X509 fingerprint. "
                           f"Error message: {error}") from None
    return _colons(binascii.hexlify(digest).decode())


def generate(comment: str = GENERATED_COMMENT) -> tuple[str, str]:
    """A new RSA keypair: (private key PEM, public key in OpenSSH format with a comment)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=BITS)
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    return _private_pem(key), f"{public} {comment}"


def generate_x509(common_name: str) -> tuple[str, str]:
    """A new RSA key and a self-signed certificate for it: (private key PEM, certificate PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=BITS)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name or "skyledger")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    return _private_pem(key), cert.public_bytes(serialization.Encoding.PEM).decode()


def _private_pem(key: rsa.RSAPrivateKey) -> str:
    # "BEGIN RSA PRIVATE KEY", the traditional format Nova's generated keys come in.
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


def _colons(hexdigest: str) -> str:
    return ":".join(hexdigest[i:i + 2] for i in range(0, len(hexdigest), 2))
