"""The metadata service's answer to one path, as Nova's nova/api/metadata/base.py `lookup` and
`ec2_md_print` give it, over the documents guest_metadata.py builds for the config drive (one
builder for both: a guest reads the same facts from either).

Pure: the requester's facts and the random seed are arguments.

Paths: `/openstack` lists the one version served (`latest`, the newest documents: a reader such as
cloud-init falls back to it), `/openstack/latest` its files, then `meta_data.json`,
`network_data.json`, `vendor_data.json` and `user_data`; anything else not under `/openstack`
is EC2's, as in Nova: `/` lists the EC2 versions, `/latest` (or `/2009-04-04`) lists
`meta-data/` and `user-data`, and `/latest/meta-data/...` walks Nova's EC2 tree, a dict printed
as its keys (a sub-tree's with a trailing `/`, `public-keys/` as `0=<key name>`), a list as its
lines. What is not there is a 404, as Nova's InvalidMetadataPath.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from typing import Any

from domain.compute.guest_metadata import (
    EC2_VERSION,
    GuestFacts,
    ec2_meta_data,
    meta_data,
    network_data,
    user_data_bytes,
)

TEXT = "text/plain"
JSON = "application/json"
OPENSTACK_FILES = ("meta_data.json", "vendor_data.json", "network_data.json")


@dataclass(frozen=True)
class MetadataAnswer:
    status: int
    content_type: str
    body: bytes


NOT_FOUND = MetadataAnswer(404, TEXT, b"404 Not Found\n")


def _text(text: str) -> MetadataAnswer:
    return MetadataAnswer(200, TEXT, text.encode())


def answer(path: str, facts: GuestFacts, random_seed: bytes) -> MetadataAnswer:
    """What the guest described by `facts` is told at `path` (the request's, query removed)."""
    tokens = [t for t in posixpath.normpath("/" + path).split("/") if t]
    if tokens[:1] == ["openstack"]:
        return _openstack(tokens[1:], facts, random_seed)
    return _ec2(tokens, facts)


def _openstack(tokens: list[str], facts: GuestFacts, random_seed: bytes) -> MetadataAnswer:
    user_data = user_data_bytes(facts)
    if not tokens:
        return _text("latest")
    if tokens[0] != "latest" or len(tokens) > 2:
        return NOT_FOUND
    if len(tokens) == 1:
        return _text("\n".join(OPENSTACK_FILES + (("user_data",) if user_data is not None
                                                  else ())))
    documents: dict[str, dict[str, Any]] = {
        "meta_data.json": meta_data(facts, random_seed),
        "network_data.json": network_data(facts),
        "vendor_data.json": {},  # no vendor data providers here, as on the drive
    }
    if tokens[1] in documents:
        return MetadataAnswer(200, JSON, json.dumps(documents[tokens[1]]).encode())
    if tokens[1] == "user_data" and user_data is not None:
        return MetadataAnswer(200, TEXT, user_data)
    return NOT_FOUND


def _ec2(tokens: list[str], facts: GuestFacts) -> MetadataAnswer:
    if not tokens:
        return _text(f"{EC2_VERSION}\nlatest")
    if tokens[0] not in (EC2_VERSION, "latest"):
        return NOT_FOUND
    tree: dict[str, Any] = {"meta-data": _ec2_tree(facts)}
    user_data = user_data_bytes(facts)
    if user_data is not None:
        tree["user-data"] = user_data
    found: Any = tree
    for token in tokens[1:]:
        if not isinstance(found, dict) or token not in found:
            return NOT_FOUND
        found = found[token]
    if isinstance(found, bytes):
        return MetadataAnswer(200, TEXT, found)
    return _text(_printed(found))


def _ec2_tree(facts: GuestFacts) -> dict[str, Any]:
    """The drive's EC2 document with Nova's `_name` on the key, which lists it as `0=<name>`."""
    doc = ec2_meta_data(facts)
    if facts.key is not None:
        doc["public-keys"] = {"0": {**doc["public-keys"]["0"], "_name": f"0={facts.key.name}"}}
    return doc


def _printed(data: Any) -> str:
    """Nova's ec2_md_print."""
    if isinstance(data, dict):
        lines = []
        for key in sorted(k for k in data if k != "_name"):
            value = data[key]
            if isinstance(value, dict):
                lines.append(str(value["_name"]) if "_name" in value else f"{key}/")
            else:
                lines.append(key)
        return "\n".join(lines)
    if isinstance(data, list):
        return "\n".join(str(item) for item in data)
    return str(data)
