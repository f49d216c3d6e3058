"""CreateKeyPair, ImportKeyPair, DescribeKeyPairs, DeleteKeyPair: the caller's own keypairs,
through the same KeypairService as `/os-keypairs` (quota, policy, events and audit shared)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from pydantic import ValidationError

from api.ec2.context import Call, Handler
from api.ec2.errors import Ec2Error, invalid_value
from api.ec2.ids import ec2_id
from api.routers.compute_keypairs import KeypairCreate, key_material
from domain.catalog.keypair import keypair_id
from domain.errors import AlreadyExists, NotFound
from projections.keypairs import KeypairViews

NOT_FOUND = "InvalidKeyPair.NotFound"


def key_pair_id(user_id: str, name: str) -> str:
    return ec2_id("key", keypair_id(user_id, name))


def checked(name: str, public_key: str | None = None) -> KeypairCreate:
    try:
        if public_key is None:
            return KeypairCreate(name=name)
        return KeypairCreate(name=name, public_key=public_key)
    except ValidationError:
        raise invalid_value("KeyName", name, "Names are letters, digits, '_', '-' and "
                            "spaces, up to 255.") from None


def store(call: Call, params: KeypairCreate) -> tuple[str | None, dict[str, Any]]:
    user = call.caller.user_id
    call.enforce("os_compute_api:os-keypairs:create",
                 {"user_id": user, "project_id": call.caller.project_id})
    private_key, public_key, fingerprint = key_material(call.cloud.keys, params, user)
    try:
        keypair = call.cloud.keypairs.import_key(call.ctx, user,
                                                 str(call.caller.project_id), params.name,
                                                 public_key, fingerprint, "ssh")
    except AlreadyExists:
        raise Ec2Error("InvalidKeyPair.Duplicate",
                       f"The keypair '{params.name}' already exists.") from None
    return private_key, {"keyName": keypair.name, "keyFingerprint": keypair.fingerprint,
                         "keyPairId": key_pair_id(user, keypair.name)}


def create_key_pair(call: Call) -> dict[str, Any]:
    key_type = call.params.get("KeyType") or "rsa"
    if key_type != "rsa":
        raise invalid_value("KeyType", key_type, "Only rsa keys are generated here.")
    private_key, body = store(call, checked(call.params.required("KeyName")))
    return {**body, "keyMaterial": private_key}


def import_key_pair(call: Call) -> dict[str, Any]:
    name = call.params.required("KeyName")
    material = call.params.required("PublicKeyMaterial")
    try:
        public_key = base64.b64decode(material, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise invalid_value("PublicKeyMaterial", "...", "It must be base64.") from None
    return store(call, checked(name, public_key))[1]


def described(user_id: str, row: dict[str, Any]) -> dict[str, Any]:
    return {"keyPairId": key_pair_id(user_id, row["name"]), "keyName": row["name"],
            "keyFingerprint": row["fingerprint"], "keyType": "rsa",
            "publicKey": row["public_key"], "createTime": row.get("created_at")}


def describe_key_pairs(call: Call) -> dict[str, Any]:
    user = call.caller.user_id
    call.enforce("os_compute_api:os-keypairs:index",
                 {"user_id": user, "project_id": call.caller.project_id})
    rows = [described(user, r) for r in KeypairViews(call.cloud.store).list(user)]
    for param, field in (("KeyName", "keyName"), ("KeyPairId", "keyPairId")):
        asked = call.params.listed(param)
        missing = [a for a in asked if a not in {r[field] for r in rows}]
        if missing:
            raise Ec2Error(NOT_FOUND, f"The key pair '{missing[0]}' does not exist")
        if asked:
            rows = [r for r in rows if r[field] in asked]
    filters = call.params.filters()
    for name, field in (("key-name", "keyName"), ("fingerprint", "keyFingerprint"),
                        ("key-pair-id", "keyPairId")):
        if name in filters:
            rows = [r for r in rows if r[field] in filters[name]]
    return {"keySet": rows}


def delete_key_pair(call: Call) -> dict[str, Any]:
    user = call.caller.user_id
    call.enforce("os_compute_api:os-keypairs:delete",
                 {"user_id": user, "project_id": call.caller.project_id})
    name = call.params.get("KeyName")
    pair_id = call.params.get("KeyPairId")
    if not name and not pair_id:
        raise Ec2Error("MissingParameter", "The request must contain the parameter KeyName "
                       "or KeyPairId")
    if not name:
        rows = KeypairViews(call.cloud.store).list(user)
        name = next((r["name"] for r in rows if key_pair_id(user, r["name"]) == pair_id), None)
    try:
        if name:
            call.cloud.keypairs.delete(call.ctx, user, name)
    except NotFound:
        pass  # EC2 answers true for a key that is not there
    return {"return": True}


ACTIONS: dict[str, Handler] = {
    "CreateKeyPair": create_key_pair,
    "ImportKeyPair": import_key_pair,
    "DescribeKeyPairs": describe_key_pairs,
    "DeleteKeyPair": delete_key_pair,
}
