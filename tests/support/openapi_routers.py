"""The router routes' part of the network bodies' OpenAPI check
(tests/integration/api/test_openapi_responses.py): every router route called once, as a
member and (reads) as an admin."""

from __future__ import annotations

from typing import Any

from tests.support.openapi_checks import Checked

NET = "/network/v2.0"


def check_router_bodies(checked: Checked, member: dict[str, str], admin: dict[str, str],
                        subnet_id: str) -> None:
    router: Any = checked.call("post", f"{NET}/routers", member,
                               json={"router": {"name": "r"}})["router"]
    path = f"{NET}/routers/{{router_id}}"
    checked.call("put", path, member, router_id=router["id"],
                 json={"router": {"name": "renamed"}})
    checked.call("put", f"{path}/add_router_interface", member, router_id=router["id"],
                 json={"subnet_id": subnet_id})
    route = {"destination": "10.9.0.0/24", "nexthop": "10.1.0.9"}
    for action in ("add", "remove"):
        checked.call("put", f"{path}/{action}_extraroutes", member, router_id=router["id"],
                     json={"router": {"routes": [route]}})
    for who in (member, admin):
        assert checked.call("get", f"{NET}/routers", who)["routers"]
        checked.call("get", path, who, router_id=router["id"])
    checked.call("put", f"{path}/remove_router_interface", member, router_id=router["id"],
                 json={"subnet_id": subnet_id})
