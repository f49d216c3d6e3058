"""Image v2 JSON in both directions: request bodies checked into domain values, and images,
lists and schemas out, in Glance's flat shape (extra properties are top-level keys)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from pydantic import AfterValidator, Field, StrictBool, StrictStr, TypeAdapter, ValidationError
from starlette.datastructures import QueryParams

from api.validation import Count
from domain.catalog.image import Image
from domain.catalog.image_fields import (
    CONTAINER_FORMATS,
    DISK_FORMATS,
    HAS_DATA,
    MAX_TAGS,
    MUTABLE,
    STATUSES,
    VISIBILITIES,
    PatchOp,
    check_settable,
)
from domain.catalog.image_members import MEMBER_STATUSES
from domain.errors import InvalidInput
from domain.services.image_data import STORE
from projections.images import COLUMN_FILTERS, SORT_KEYS, ImageQuery
from projections.store import Row


def one_of(choices: Sequence[str | None]) -> AfterValidator:
    def check(value: str | None) -> str | None:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(str(c) for c in choices)}")
        return value

    return AfterValidator(check)


Tag = Annotated[StrictStr, Field(min_length=1, max_length=255, pattern=r"^[^/]*$")]
PropertyKey = TypeAdapter(Annotated[StrictStr, Field(min_length=1, max_length=255)])
PropertyValue = TypeAdapter(Annotated[StrictStr, Field(max_length=65535)])

# One type per core attribute, shared by create and PATCH so both refuse the same values.
FIELDS: dict[str, TypeAdapter[Any]] = {
    "id": TypeAdapter(UUID),
    "owner": TypeAdapter(Annotated[StrictStr, Field(min_length=1, max_length=255)]),
    "name": TypeAdapter(Annotated[StrictStr | None, Field(max_length=255)]),
    "visibility": TypeAdapter(Annotated[StrictStr, one_of(VISIBILITIES)]),
    "disk_format": TypeAdapter(Annotated[StrictStr | None, one_of((None, *DISK_FORMATS))]),
    "container_format": TypeAdapter(Annotated[StrictStr | None,
                                              one_of((None, *CONTAINER_FORMATS))]),
    "min_disk": TypeAdapter(Count),
    "min_ram": TypeAdapter(Count),
    "protected": TypeAdapter(StrictBool),
    "os_hidden": TypeAdapter(StrictBool),
    "tags": TypeAdapter(Annotated[list[Tag], Field(max_length=MAX_TAGS)]),
}
PATCH_OPS = ("add", "replace", "remove")
# Query parameters with a meaning of their own; any other one filters on an extra property.
LIST_PARAMS = {"limit", "marker", "sort", "sort_key", "sort_dir", "visibility", "tag", "size_min",
               "size_max", "protected", "member_status", "os_hidden", *COLUMN_FILTERS}
DEFAULT_LIMIT, MAX_LIMIT = 25, 1000  # Glance's limit_param_default and api_limit_max


def checked(attr: str, value: Any) -> Any:
    adapter = FIELDS.get(attr, PropertyValue)
    try:
        value = adapter.validate_python(value)
    except ValidationError as error:
        raise InvalidInput(f"Invalid value for '{attr}': {error.errors()[0]['msg']}") from None
    # Glance keeps tags as a set; keep the first occurrence's order.
    return list(dict.fromkeys(value)) if attr == "tags" else value


def checked_key(key: Any) -> str:
    try:
        return str(PropertyKey.validate_python(key))
    except ValidationError:
        raise InvalidInput(f"Invalid property name: {key!r}") from None


def parse_create(body: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Core attributes and extra properties of a POST /images body."""
    if not isinstance(body, dict):
        raise InvalidInput("The request body must be a JSON object.")
    core: dict[str, Any] = {}
    properties: dict[str, str] = {}
    for key, value in body.items():
        check_settable(checked_key(key), creating=True)
        if key in FIELDS:
            core[key] = checked(key, value)
        else:
            properties[key] = checked(key, value)
    return core, properties


def parse_patch(body: Any) -> list[PatchOp]:
    """A v2.1 (`{"op": "add", "path": "/x"}`) or v2.0 (`{"add": "/x"}`) JSON patch."""
    if not isinstance(body, list):
        raise InvalidInput("Request body must be a JSON array of operation objects.")
    return [parse_op(item) for item in body if not drops_stores(item)]


def drops_stores(item: Any) -> bool:
    """`remove /stores`: openstacksdk 4 sends it with every update, as its Image does not know
    the (read-only, derived) attribute; removing what cannot be set changes nothing."""
    return isinstance(item, dict) and (item.get("op") == "remove" and item.get("path") == "/stores"
                                       or item.get("remove") == "/stores")


def parse_op(item: Any) -> PatchOp:
    if not isinstance(item, dict):
        raise InvalidInput("Operations must be JSON objects.")
    named = [k for k in PATCH_OPS if k in item]  # the v2.0 form names the op as the key
    if "op" in item:
        op, path = item["op"], item.get("path")
    elif len(named) == 1:
        op, path = named[0], item[named[0]]
    else:
        op = path = None
    if op not in PATCH_OPS:
        raise InvalidInput(f"Operation objects must have exactly one of {', '.join(PATCH_OPS)}.")
    attr = pointer_attr(path)
    check_settable(attr)  # read-only beats a badly typed value: 403, as Glance answers
    if op == "remove":
        return PatchOp(op, attr)
    if "value" not in item:
        raise InvalidInput(f"Operation '{op}' requires a value.")
    return PatchOp(op, attr, checked(attr, item["value"]))


def pointer_attr(path: Any) -> str:
    """The attribute a JSON pointer names; only top-level attributes can be patched."""
    if not isinstance(path, str) or not path.startswith("/") or "/" in path[1:]:
        raise InvalidInput(f"Invalid JSON pointer for this resource: '{path}'")
    attr = path[1:].replace("~1", "/").replace("~0", "~")
    return checked_key(attr)


def list_query(params: QueryParams, project_id: str | None, is_admin: bool) -> ImageQuery:
    """The listing a GET /images query string asks for."""
    visibility = params.get("visibility")
    member_status = params.get("member_status", "accepted")
    limit = number(params, "limit")
    limit = DEFAULT_LIMIT if limit is None else limit
    if visibility not in (None, "all", *VISIBILITIES):
        raise InvalidInput(f"Invalid visibility value: {visibility}")
    if member_status not in ("all", *MEMBER_STATUSES):
        raise InvalidInput(f"Invalid status value: {member_status}")
    return ImageQuery(
        project_id, is_admin, visibility,
        columns={k: params[k] for k in COLUMN_FILTERS if k in params},
        protected=flag(params, "protected"), size_min=number(params, "size_min"),
        size_max=number(params, "size_max"), tags=params.getlist("tag"),
        properties={k: v for k, v in params.items() if k not in LIST_PARAMS},
        sort=sort_order(params), marker=marker(params), limit=min(MAX_LIMIT, limit),
        member_status=member_status, os_hidden=bool(flag(params, "os_hidden")))


def flag(params: QueryParams, name: str) -> bool | None:
    value = params.get(name)
    if value is None:
        return None
    if value.lower() not in ("true", "false"):
        raise InvalidInput(f"Invalid value for {name}: {value!r} (true or false)")
    return value.lower() == "true"


def number(params: QueryParams, name: str) -> int | None:
    value = params.get(name)
    if value is not None and not value.isdigit():
        raise InvalidInput(f"{name} param must be a non-negative integer")
    return int(value) if value is not None else None


def marker(params: QueryParams) -> str | None:
    value = params.get("marker")
    try:
        return UUID(value).hex if value is not None else None
    except ValueError:
        raise InvalidInput(f"marker {value} could not be found.") from None


def sort_order(params: QueryParams) -> list[tuple[str, str]]:
    if "sort" in params:
        if "sort_key" in params or "sort_dir" in params:
            raise InvalidInput("The 'sort' parameter cannot be combined with sort_key/sort_dir.")
        pairs = [(part.split(":") + ["desc"])[:2] for part in params["sort"].split(",")]
    else:
        keys = params.getlist("sort_key") or ["created_at"]
        dirs = params.getlist("sort_dir") or ["desc"]
        dirs = dirs * len(keys) if len(dirs) == 1 else dirs  # one direction applies to all keys
        if len(dirs) != len(keys):
            raise InvalidInput("The number of sort_dir and sort_key values must match.")
        pairs = [[k, d] for k, d in zip(keys, dirs, strict=True)]
    for key, direction in pairs:
        if key.strip() not in SORT_KEYS or direction.strip() not in ("asc", "desc"):
            raise InvalidInput(f"Invalid sort: {key}:{direction}")
    return [(k.strip(), d.strip()) for k, d in pairs]


def page_links(params: QueryParams, rows: list[Row], more: bool) -> dict[str, str]:
    kept = [(k, v) for k, v in params.multi_items() if k != "marker"]
    links = {"first": "/v2/images" + (f"?{urlencode(kept)}" if kept else "")}
    if more and rows:
        links["next"] = "/v2/images?" + urlencode([*kept, ("marker", str(UUID(rows[-1]["id"])))])
    return links


def image_row(image: Image) -> Row:
    """The aggregate in the read model's row shape, for answers given before a projection runs."""
    row = {k: getattr(image, k) for k in (*MUTABLE, "status", "size", "checksum",
                                          "os_hash_algo", "os_hash_value", "properties")}
    return {**row, "id": image.id.hex, "stores": image.stores, "created_at": iso(image.created_on),
            "updated_at": iso(image.modified_on)}


def iso(moment: datetime) -> str:
    # As the read model stores it (see projections.images.moment); image_body trims it.
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def seconds(stamp: str) -> str:
    return stamp[:19] + "Z"


def image_body(row: Row) -> dict[str, Any]:
    image_id = str(UUID(row["id"]))
    # Core attributes come last so that a stored property can never shadow one.
    # Glance names the stores holding an image's data, comma-separated and sorted (Tempest's
    # waiter compares the sorted ids); an image whose events name none is in the `file` store,
    # the only one before there were several.
    named = row.get("stores") or [STORE]
    stores = {"stores": ",".join(sorted(named))} if row["status"] in HAS_DATA else {}
    return {**row["properties"], **{k: row[k] for k in (*MUTABLE, "status", "size",
                                                           "checksum", "os_hash_algo",
                                                           "os_hash_value")},
            "created_at": seconds(row["created_at"]), "updated_at": seconds(row["updated_at"]),
            "id": image_id, "virtual_size": None, **stores,
            "self": f"/v2/images/{image_id}", "file": f"/v2/images/{image_id}/file",
            "schema": "/v2/schemas/image"}


def image_schema() -> dict[str, Any]:
    string, integer = {"type": "string"}, {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
    nullable = {"type": ["null", "string"]}
    properties: dict[str, Any] = {
        "id": {**string, "pattern": "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}"
               "-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"},
        "name": {**nullable, "maxLength": 255},
        "status": {**string, "readOnly": True, "enum": list(STATUSES)},
        "visibility": {**string, "enum": list(VISIBILITIES)},
        "protected": {"type": "boolean"}, "os_hidden": {"type": "boolean"},
        "checksum": {**nullable, "readOnly": True, "maxLength": 32},
        "os_hash_algo": {**nullable, "readOnly": True, "maxLength": 64},
        "os_hash_value": {**nullable, "readOnly": True, "maxLength": 128},
        "owner": {**nullable, "maxLength": 255},
        "size": {"type": ["null", "integer"], "readOnly": True},
        "virtual_size": {"type": ["null", "integer"], "readOnly": True},
        "container_format": {"type": ["null", "string"], "enum": [None, *CONTAINER_FORMATS]},
        "disk_format": {"type": ["null", "string"], "enum": [None, *DISK_FORMATS]},
        "created_at": {**string, "readOnly": True}, "updated_at": {**string, "readOnly": True},
        "tags": {"type": "array", "items": {**string, "maxLength": 255}},
        "min_ram": integer, "min_disk": integer,
        "self": {**string, "readOnly": True}, "file": {**string, "readOnly": True},
        "schema": {**string, "readOnly": True},
        "stores": {**string, "readOnly": True},
    }
    return {"name": "image", "properties": properties, "additionalProperties": string,
            "links": [{"rel": "self", "href": "{self}"}, {"rel": "enclosure", "href": "{file}"},
                      {"rel": "describedby", "href": "{schema}"}]}


def images_schema() -> dict[str, Any]:
    return {"name": "images", "properties": {
        "images": {"type": "array", "items": image_schema()},
        "schema": {"type": "string"}, "first": {"type": "string"}, "next": {"type": "string"}},
        "links": [{"rel": "first", "href": "{first}"}, {"rel": "next", "href": "{next}"},
                  {"rel": "describedby", "href": "{schema}"}]}
