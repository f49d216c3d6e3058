"""An image's fields as Glance defines them: formats, visibilities, statuses, which attributes
a caller may set, and the checks on them (split from image.py, which holds the aggregate)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.errors import Forbidden, InvalidInput

DISK_FORMATS = ("ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop")
CONTAINER_FORMATS = ("ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed")
VISIBILITIES = ("public", "private", "shared", "community")

# Core attributes a PATCH may change; the other core attributes are Glance's read-only ones.
MUTABLE = ("name", "visibility", "min_disk", "min_ram", "protected", "tags", "disk_format",
           "container_format", "os_hidden", "owner")
# Core attributes only an admin may change (Glance: owner changes are an admin's act).
ADMIN_ONLY = ("owner",)
# Formats describe the data, so (as in Glance) they are fixed once data is uploaded.
FORMATS = ("disk_format", "container_format")
# The md5 and sha512 of no data at all, an empty image's checksum and os_hash_value.
EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e"
EMPTY_SHA512 = ("cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
                "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e")
READ_ONLY = ("id", "status", "size", "virtual_size", "checksum", "os_hash_algo",
             "os_hash_value", "created_at", "updated_at", "self", "file", "schema",
             "direct_url", "locations", "stores")
# The store an Uploaded event alone means: the one store images had before there were several.
LEGACY_STORE = "file"
RESERVED = ("deleted", "deleted_at", "location")
RESERVED_PREFIX = "os_glance_"  # Glance keeps these property names for itself
# What Glance itself keeps under that prefix about an image's imports.
IMPORT_PROPERTIES = ("os_glance_importing_to_stores", "os_glance_failed_import")
MAX_PROPERTIES = 128
MAX_TAGS = 128


@dataclass(frozen=True)
class PatchOp:
    """One JSON-patch operation on a top-level attribute: add, replace or remove."""

    op: str
    attr: str
    value: Any = None


def check_settable(attr: str, creating: bool = False) -> None:
    """Read-only and reserved attributes are refused with 403, as Glance does."""
    if creating and attr == "id":
        return
    if attr in READ_ONLY:
        raise Forbidden(f"Attribute '{attr}' is read-only.")
    if attr in RESERVED or attr.startswith(RESERVED_PREFIX):
        raise Forbidden(f"Attribute '{attr}' is reserved.")


def check_fields(fields: dict[str, Any], properties: dict[str, str],
                 kept: dict[str, str] | None = None) -> None:
    """Invariants of an image's metadata (the API checks types; this is the backstop).
    Properties unchanged from `kept` are not checked again: Glance's own os_glance_* ones stay."""
    if "visibility" in fields and fields["visibility"] not in VISIBILITIES:
        raise InvalidInput(f"Invalid visibility value: {fields['visibility']}")
    if fields.get("disk_format") not in (None, *DISK_FORMATS):
        raise InvalidInput(f"Invalid disk format '{fields['disk_format']}' for image.")
    if fields.get("container_format") not in (None, *CONTAINER_FORMATS):
        raise InvalidInput(f"Invalid container format '{fields['container_format']}' for image.")
    if len(fields.get("tags") or ()) > MAX_TAGS:
        raise InvalidInput(f"Maximum number of tags ({MAX_TAGS}) exceeded.")
    if len(properties) > MAX_PROPERTIES:
        raise InvalidInput(f"Maximum number of properties ({MAX_PROPERTIES}) exceeded.")
    for key, value in properties.items():
        if kept is None or kept.get(key) != value:
            check_settable(key)


STATUSES = ("queued", "saving", "uploading", "importing", "active", "deactivated", "killed",
            "deleted", "pending_delete")
# Statuses in which an image has its data.
HAS_DATA = ("active", "deactivated")
