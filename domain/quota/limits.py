"""Quota resources and Nova's (and Cinder's) default limits (-1 means unlimited)."""

from __future__ import annotations

DEFAULT_LIMITS: dict[str, int] = {
    "instances": 10,
    "cores": 20,
    "ram": 51200,
    "key_pairs": 100,
    "floating_ips": 10,
    "fixed_ips": -1,
    "security_groups": 10,
    "routers": 10,  # Neutron's default
    # Neutron's default (its quota is the one enforced on rules; Nova's own said 20): a new
    # group takes two egress rules, so 20 would allow few rules per group.
    "security_group_rules": 100,
    "volumes": 10,
    "gigabytes": 1000,
    "metadata_items": 128,
    "injected_files": 5,
    "injected_file_content_bytes": 10240,
    "injected_file_path_bytes": 255,
    "server_groups": 10,
    "server_group_members": 10,
    # Cinder's: snapshots, backups and groups are counted by the features that make them.
    "snapshots": 10,
    "backups": 10,
    "backup_gigabytes": 1000,
    "groups": 10,
    "per_volume_gigabytes": -1,
}

# Resources whose consumption the ledger counts; the rest are per-request limits.
COUNTED = ("instances", "cores", "ram", "key_pairs", "floating_ips", "fixed_ips",
           "security_groups", "security_group_rules", "routers", "volumes", "gigabytes",
           "server_groups", "snapshots", "backups", "backup_gigabytes", "groups")

UNLIMITED = -1

# Cinder's per-volume-type quotas (its VolumeTypeQuotaEngine): `volumes`, `gigabytes` and
# `snapshots` of one type, kept under the type's id (hex) so a rename keeps them; the Block
# Storage API shows them as `<part>_<type name>`. A type's resources default to unlimited.
TYPE_PARTS = ("volumes", "gigabytes", "snapshots")
# Cinder's own resources, which its default quota class sets for every project.
VOLUME_RESOURCES = ("volumes", "gigabytes", "snapshots", "backups", "backup_gigabytes",
                    "groups", "per_volume_gigabytes")


def type_resource(part: str, type_id: str) -> str:
    return f"{part}@{type_id}"


def is_type_resource(resource: str) -> bool:
    part, sep, type_id = resource.partition("@")
    return bool(sep and type_id) and part in TYPE_PARTS


def is_known(resource: str) -> bool:
    return resource in DEFAULT_LIMITS or is_type_resource(resource)


def is_counted(resource: str) -> bool:
    return resource in COUNTED or is_type_resource(resource)


def default_limit(resource: str) -> int:
    """The code's default: unlimited for a type's resources (Cinder's VolumeTypeResource)."""
    return UNLIMITED if is_type_resource(resource) else DEFAULT_LIMITS[resource]


def typed(amounts: dict[str, int], type_id: str) -> dict[str, int]:
    """`amounts` and the same of the type's own resources (a claim of both at once)."""
    return {**amounts, **{type_resource(r, type_id): n for r, n in amounts.items()
                          if r in TYPE_PARTS}}
