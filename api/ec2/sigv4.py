"""AWS Signature Version 4, the server's half: rebuild the canonical request botocore signed
(docs.aws.amazon.com/general/latest/gr/sigv4-create-canonical-request.html) and compare the
signature made with the stored secret. Pure: no I/O, no clock."""

from __future__ import annotations

import hashlib
import hmac
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

ALGORITHM = "AWS4-HMAC-SHA256"
AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*"
    r"SignedHeaders=(?P<headers>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]{64})$")


class MalformedSignature(Exception):
    """The Authorization header is not a SigV4 one (EC2's IncompleteSignature)."""


@dataclass(frozen=True)
class Signed:
    """What an Authorization header says: who, for which scope, over which headers."""

    access_key: str
    date: str  # YYYYMMDD
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


def parse_authorization(header: str) -> Signed:
    match = AUTHORIZATION.match(header.strip())
    if match is None:
        raise MalformedSignature("Authorization header is not AWS4-HMAC-SHA256 "
                                 "Credential=..., SignedHeaders=..., Signature=...")
    parts = match["credential"].split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not re.fullmatch(r"\d{8}", parts[1]):
        raise MalformedSignature("Credential must be ACCESS/YYYYMMDD/region/service/aws4_request")
    headers = tuple(match["headers"].split(";"))
    if "host" not in headers:
        raise MalformedSignature("The host header must be signed.")
    return Signed(parts[0], parts[1], parts[2], parts[3], headers, match["signature"])


def canonical_path(path: str) -> str:
    normalized = posixpath.normpath(path) if path else "/"
    if path.endswith("/") and normalized != "/":
        normalized += "/"
    return quote(normalized, safe="/~")


def canonical_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
                    for k, v in sorted(pairs))


def canonical_request(method: str, path: str, query: str, headers: dict[str, list[str]],
                      signed: tuple[str, ...], payload_hash: str) -> str:
    lines = [f"{name}:{','.join(' '.join(v.split()) for v in headers.get(name, []))}\n"
             for name in sorted(signed)]
    return "\n".join([method, canonical_path(path), canonical_query(query), "".join(lines),
                      ";".join(sorted(signed)), payload_hash])


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signature(secret: str, signed: Signed, amz_date: str, request: str) -> str:
    to_sign = "\n".join([ALGORITHM, amz_date, signed.scope,
                         hashlib.sha256(request.encode()).hexdigest()])
    key = _hmac(f"AWS4{secret}".encode(), signed.date)
    for part in (signed.region, signed.service, "aws4_request"):
        key = _hmac(key, part)
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def matches(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected, given)
