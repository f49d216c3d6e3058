"""EC2's XML: a response element named after the action in the 2016-11-15 namespace, its
requestId first; lists as `<item>` children (what botocore's EC2 parser reads); and the error
document, which has no namespace."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

from fastapi.responses import Response

NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/"
XML = "text/xml;charset=UTF-8"


def _fill(parent: ElementTree.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if inner is not None:
                _fill(ElementTree.SubElement(parent, key), inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            _fill(ElementTree.SubElement(parent, "item"), inner)
    elif isinstance(value, bool):
        parent.text = "true" if value else "false"
    else:
        parent.text = str(value)


def _document(root: ElementTree.Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root)


def answer(action: str, request_id: str, body: dict[str, Any]) -> Response:
    root = ElementTree.Element(f"{action}Response", {"xmlns": NAMESPACE})
    _fill(root, {"requestId": request_id, **body})
    return Response(_document(root), media_type=XML)


def error(code: str, message: str, request_id: str, status: int) -> Response:
    root = ElementTree.Element("Response")
    _fill(root, {"Errors": {"Error": {"Code": code, "Message": message}},
                 "RequestID": request_id})
    return Response(_document(root), status_code=status, media_type=XML)
