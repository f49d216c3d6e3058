"""Backends the command side calls; adapters implement them (argon2, the image file store, ...).

What hexagonal architecture calls "ports" are "backends" here: in this code base a port is a
Neutron port."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from domain.errors import InvalidInput


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...


class SecretBox(Protocol):
    """Encrypts secrets that must be shown again (EC2 credentials), so events and read models
    hold ciphertext only (adapters/secret_box.py)."""

    def encrypt(self, plaintext: str) -> str: ...

    def decrypt(self, ciphertext: str) -> str: ...


@dataclass(frozen=True)
class StoredBlob:
    content_hash: str  # sha256, also the file's name in the store
    size: int
    md5: str
    sha512: str


class BlobTooLarge(InvalidInput):
    """An upload went past the size the store was told to accept."""


class DownloadFailed(Exception):
    """A web-download import could not fetch its URI (adapters/web_source.py says why)."""


class FormatMismatch(InvalidInput):
    """Image data is not of its declared disk_format, or is of it but unsafe to hand a
    hypervisor (adapters/format_inspector.py says why)."""


class BlobStore(Protocol):
    def put(self, chunks: Iterator[bytes], max_size: int) -> StoredBlob: ...

    def open(self, content_hash: str) -> BinaryIO: ...

    def path(self, content_hash: str) -> str: ...


class KeyMaker(Protocol):
    """SSH and X.509 key material for keypairs (adapters/keys.py)."""

    def fingerprint(self, public_key: str) -> str: ...

    def x509_fingerprint(self, certificate: str) -> str: ...

    def generate(self) -> tuple[str, str]: ...

    def generate_x509(self, common_name: str) -> tuple[str, str]: ...
