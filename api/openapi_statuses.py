"""Success statuses of routes that build their own Response, which FastAPI documents with the
status of their decorator (or 200): Nova's microversioned 202 and 204, the version documents'
300 Multiple Choices, an image without data's 204. Each operation listed here has exactly these
success answers; `None` is an answer without a body."""

from __future__ import annotations

from typing import Any

from api.openapi_schema import STR, Schema, array, obj

V21 = "/compute/v2.1"
VERSION = obj({"id": STR, "status": STR, "links": array(obj({"rel": STR, "href": STR}))})
GLANCE_VERSIONS = obj({"versions": array(VERSION)})  # Glance's and Cinder's shape
KEYSTONE_VERSIONS = obj({"versions": obj({"values": array(VERSION)})})

STATUSES: dict[tuple[str, str], dict[str, Schema | None]] = {
    ("delete", f"{V21}/os-keypairs/{{name}}"): {"202": None, "204": None},  # 204 from 2.2
    ("delete", f"{V21}/os-quota-sets/{{project_id}}"): {"202": None},
    ("delete", f"{V21}/os-server-groups/{{group_id}}"): {"204": None},
    # os-getConsoleOutput answers 200; rebuild, and createImage from 2.45, a 202 with a body
    # (the server, the image id), the other actions one without; confirmResize 204.
    ("post", f"{V21}/servers/{{server_id}}/action"): {
        "200": obj({"output": STR}), "202": None, "204": None},
    ("get", "/image/v2/images/{image_id}/file"): {"200": None, "204": None},  # 204: no data
    ("get", "/identity/"): {"300": KEYSTONE_VERSIONS},
    ("get", "/image/"): {"300": GLANCE_VERSIONS},
    ("get", "/image/v2/"): {"300": GLANCE_VERSIONS},
    ("get", "/volume/"): {"300": GLANCE_VERSIONS},
}


def apply(paths: dict[str, Any]) -> None:
    for (method, path), answers in STATUSES.items():
        responses = paths[path][method].setdefault("responses", {})
        for status in [s for s in responses if s[0] in "23"]:
            del responses[status]
        for status, schema in answers.items():
            answer: dict[str, Any] = {"description": "No body" if schema is None else "OK"}
            if schema is not None:
                answer["content"] = {"application/json": {"schema": schema}}
            responses[status] = answer
