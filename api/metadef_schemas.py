"""The JSON schemas Glance publishes for its metadata definitions (`/v2/schemas/metadefs/*`),
abridged to the attributes this service keeps."""

from __future__ import annotations

from typing import Any

STRING = {"type": "string"}
STAMPS = {"created_at": {**STRING, "format": "date-time", "readOnly": True},
          "updated_at": {**STRING, "format": "date-time", "readOnly": True}}
PROPERTY = {"name": {**STRING, "maxLength": 255}, "title": STRING, "description": STRING,
            "type": {**STRING, "enum": ["array", "boolean", "integer", "number", "object",
                                        "string", None]},
            "enum": {"type": "array"}, "default": {}, "readonly": {"type": "boolean"}}
TAG = {"name": {**STRING, "maxLength": 255}, **STAMPS}
OBJECT = {"name": {**STRING, "maxLength": 255}, "description": STRING,
          "required": {"type": "array", "items": STRING},
          "properties": {"type": "object"}, "schema": {**STRING, "readOnly": True},
          "self": {**STRING, "readOnly": True}, **STAMPS}
ASSOCIATION = {"name": {**STRING, "maxLength": 80}, "prefix": {**STRING, "maxLength": 80},
               "properties_target": {**STRING, "maxLength": 80}, **STAMPS}
NAMESPACE = {"namespace": {**STRING, "maxLength": 80}, "display_name": STRING,
             "description": STRING, "visibility": {**STRING, "enum": ["public", "private"]},
             "protected": {"type": "boolean"}, "owner": STRING,
             "resource_type_associations": {"type": "array",
                                            "items": {"type": "object",
                                                      "properties": ASSOCIATION}},
             "properties": {"type": "object"}, "objects": {"type": "array"},
             "tags": {"type": "array"}, "schema": {**STRING, "readOnly": True},
             "self": {**STRING, "readOnly": True}, **STAMPS}
ONE = {"namespace": ("namespace", NAMESPACE, ["namespace"]),
       "object": ("object", OBJECT, ["name"]),
       "property": ("property", PROPERTY, ["name", "title", "type"]),
       "tag": ("tag", TAG, ["name"]),
       "resource_type": ("resource_type_association", ASSOCIATION, ["name"])}
MANY = {"namespaces": ("namespaces", "namespace"), "objects": ("objects", "object"),
        "properties": ("properties", "property"), "tags": ("tags", "tag"),
        "resource_types": ("resource_type_associations", "resource_type")}


def schema(kind: str) -> dict[str, Any] | None:
    """The schema named `metadefs/{kind}`, or None."""
    if kind in ONE:
        name, properties, required = ONE[kind]
        return {"name": name, "properties": properties, "required": required,
                "additionalProperties": False}
    if kind in MANY:
        name, item = MANY[kind]
        one = schema(item)
        return {"name": name, "properties": {
            name: {"type": "array", "items": one}, "first": STRING, "next": STRING,
            "schema": STRING}, "links": [{"rel": "first", "href": "{first}"},
                                         {"rel": "next", "href": "{next}"},
                                         {"rel": "describedby", "href": "{schema}"}]}
    return None
