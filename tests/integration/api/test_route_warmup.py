"""Starting a served app builds every route's lazy FastAPI state (api/route_warmup.py), so the
first request to a late route, or to none, builds nothing while a client waits. Counted at the one
place FastAPI builds a route's dependency tree; that the count is above zero during start-up
shows the place is still the one FastAPI uses."""

from __future__ import annotations

from typing import Any

import fastapi.routing
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.route_warmup import warm_at_start
from ops.bootstrap import Cloud


def test_start_up_builds_every_route_before_the_first_request(
        cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    build = fastapi.routing.get_dependant  # type: ignore[attr-defined]

    def counted(*args: Any, **kwargs: Any) -> Any:
        built.append(kwargs.get("path", ""))
        return build(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "get_dependant", counted)
    app = warm_at_start(create_app(cloud))
    with TestClient(app) as client:
        at_start = len(built)
        assert any(path.startswith("/ec2") for path in built)
        assert client.put("/ec2/", content=b"").status_code == 405
        assert client.get("/no/such/route").status_code == 404
        assert client.get("/compute/v2.1/").status_code == 200
    assert at_start > 500
    assert len(built) == at_start
