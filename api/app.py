"""`create_app(cloud)`: the FastAPI application over a composed cloud.

Nothing is built at import time."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from fastapi import FastAPI

from api import errors, limits, metrics, middleware, openapi_errors, openapi_responses
from api.deps import CloudServices
from api.discovery import router as discovery_router
from api.policy import PolicyEngine

# One module per OpenStack resource; each exposes `router` and its policy defaults as `RULES`.
ROUTER_MODULES = (
    "api.routers.identity_tokens",
    "api.routers.identity_projects",
    "api.routers.identity_users",
    "api.routers.identity_roles",
    "api.routers.compute_flavors",
    "api.routers.compute_keypairs",
    "api.routers.compute_quotas",
    "api.routers.images",
    "api.routers.compute_servers",
    "api.routers.compute_server_actions",
    "api.routers.compute_instance_actions",
    "api.routers.compute_server_groups",
    "api.routers.compute_hosts",
    "api.routers.network_networks",
    "api.routers.network_ports",
    "api.routers.network_floatingips",
    "api.routers.network_quotas",
    "api.routers.network_extensions",
    "api.routers.volumes",
    "api.routers.volume_quotas",
    "api.routers.compute_volume_attachments",
    "api.routers.dashboard",
)


def router_modules() -> list[ModuleType]:
    modules = []
    for name in ROUTER_MODULES:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as missing:
            if missing.name != name:
                raise
    return modules


def create_app(cloud: CloudServices, policy_file: str | None = None) -> FastAPI:
    app = FastAPI(
        title="skyledger",
        version="0.1.0",
        description="Event-sourced cloud manager with OpenStack-compatible APIs",
    )
    modules = router_modules()
    rules: list[Any] = [rule for module in modules for rule in getattr(module, "RULES", [])]
    app.state.cloud = cloud
    app.state.policy = PolicyEngine(
        rules,
        policy_file
        or cloud.settings.policy_file
        or str(cloud.settings.data_dir.absolute() / "policy.yaml"),
    )
    errors.install(app)
    limits.install(app, cloud.settings.max_request_body)  # inside: its 4xx get a request id
    middleware.install(app)
    app.state.metrics = metrics.install(app, cloud)  # after: its timing wraps everything
    app.include_router(discovery_router)
    for module in modules:
        app.include_router(module.router)
    openapi_errors.install(app)
    openapi_responses.install(app)
    return app
