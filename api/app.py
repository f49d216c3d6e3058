"""`create_app(cloud)`: the FastAPI application over a composed cloud.

Nothing is built at import time."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from fastapi import Depends, FastAPI

from api import errors, limits, metrics, middleware, openapi_errors
from api.deps import CloudServices
from api.discovery import router as discovery_router
from api.ec2 import router as ec2
from api.legacy_v2 import LegacyV2
from api.policy import PolicyEngine
from api.routers import (
    compute_aggregates,
    compute_extensions,
    compute_flavors,
    compute_floating_ips,
    compute_hosts,
    compute_hypervisors,
    compute_images,
    compute_instance_actions,
    compute_interfaces,
    compute_keypairs,
    compute_migrations,
    compute_networks,
    compute_os_hosts,
    compute_quota_classes,
    compute_quotas,
    compute_remote_consoles,
    compute_security_groups,
    compute_server_actions,
    compute_server_diagnostics,
    compute_server_external_events,
    compute_server_groups,
    compute_server_ips,
    compute_server_metadata,
    compute_server_migrations,
    compute_server_password,
    compute_server_shares,
    compute_server_tags,
    compute_server_topology,
    compute_servers,
    compute_tenant_usage,
    compute_usage_audit_log,
    compute_volume_attachments,
    compute_volume_snapshots,
    compute_volumes,
    compute_volumes_boot,
    dashboard,
    identity_app_credentials,
    identity_catalog,
    identity_credentials,
    identity_domain_configs,
    identity_domain_roles,
    identity_domains,
    identity_endpoint_groups,
    identity_groups,
    identity_inherit,
    identity_oauth,
    identity_policies,
    identity_project_tags,
    identity_projects,
    identity_role_inferences,
    identity_roles,
    identity_system,
    identity_tokens,
    identity_trusts,
    identity_users,
    image_import,
    image_members,
    image_metadef_entries,
    image_metadefs,
    image_stores,
    images,
    network_agents,
    network_dhcp_agent_scheduler,
    network_extensions,
    network_floatingips,
    network_l3_agent_scheduler,
    network_networks,
    network_ports,
    network_quotas,
    network_routers,
    network_security_group_rules,
    network_security_groups,
    network_subnetpools,
    network_subnets,
    network_tags,
    volume_actions,
    volume_backups,
    volume_extensions,
    volume_group_snapshots,
    volume_group_types,
    volume_groups,
    volume_messages,
    volume_metadata,
    volume_qos,
    volume_quotas,
    volume_services,
    volume_snapshots,
    volume_summary,
    volume_transfers,
    volume_type_encryption,
    volume_types,
    volumes,
)
from api.strict_query import strict_2102
from api.token_cache import TokenCache

# One module per OpenStack resource; each exposes `router` and its policy defaults as `RULES`.
ROUTER_MODULES: tuple[ModuleType, ...] = (
    identity_tokens,
    identity_projects,
    identity_project_tags,
    identity_domain_configs,
    identity_domains,
    identity_groups,
    identity_users,
    identity_roles,
    identity_role_inferences,
    identity_system,
    identity_catalog,
    identity_app_credentials,
    identity_credentials,
    identity_domain_roles,
    identity_inherit,
    identity_oauth,
    identity_endpoint_groups,
    identity_trusts,
    identity_policies,
    compute_flavors,
    compute_keypairs,
    compute_quota_classes,
    compute_quotas,
    images,
    image_members,
    image_import,
    image_stores,
    image_metadefs,
    image_metadef_entries,
    compute_servers,
    compute_server_actions,
    compute_server_external_events,
    compute_volumes_boot,
    compute_instance_actions,
    compute_migrations,
    compute_server_groups,
    compute_hosts,
    compute_hypervisors,
    compute_aggregates,
    compute_os_hosts,
    compute_images,
    compute_tenant_usage,
    compute_extensions,
    compute_floating_ips,
    compute_volume_snapshots,
    compute_volumes,
    compute_server_ips,
    compute_interfaces,
    compute_server_metadata,
    compute_server_diagnostics,
    compute_server_migrations,
    compute_server_password,
    compute_server_shares,
    compute_remote_consoles,
    compute_server_topology,
    compute_server_tags,
    compute_usage_audit_log,
    compute_networks,
    compute_security_groups,
    network_networks,
    network_subnets,
    network_subnetpools,
    network_ports,
    network_floatingips,
    network_security_groups,
    network_security_group_rules,
    network_routers,
    network_quotas,
    network_extensions,
    network_agents,
    network_l3_agent_scheduler,
    network_dhcp_agent_scheduler,
    network_tags,
    volume_summary,
    volumes,
    volume_actions,
    volume_group_types,
    volume_groups,
    volume_group_snapshots,
    volume_messages,
    volume_quotas,
    volume_types,
    volume_type_encryption,
    volume_services,
    volume_extensions,
    volume_metadata,
    volume_qos,
    volume_snapshots,
    volume_backups,
    volume_transfers,
    compute_volume_attachments,
    dashboard,
    ec2,
)


def create_app(cloud: CloudServices, policy_file: str | None = None) -> FastAPI:
    app = FastAPI(
        title="skyledger",
        version="0.1.0",
        description="Event-sourced cloud manager with OpenStack-compatible APIs",
        dependencies=[Depends(strict_2102)],  # Nova 2.102's strict queries (strict_query.py)
    )
    modules = ROUTER_MODULES
    rules: list[Any] = [rule for module in modules for rule in getattr(module, "RULES", [])]
    app.state.cloud = cloud
    app.state.policy = PolicyEngine(
        rules,
        policy_file
        or cloud.settings.policy_file
        or str(cloud.settings.data_dir.absolute() / "policy.yaml"),
    )
    app.state.token_cache = TokenCache(cloud.app, enabled=cloud.settings.token_cache)
    errors.install(app)
    limits.install(app, cloud.settings.max_request_body)  # inside: its 4xx get a request id
    middleware.install(app)
    app.state.metrics = metrics.install(app, cloud)  # after: its timing wraps everything
    app.include_router(discovery_router)
    for module in modules:
        app.include_router(module.router)
    openapi_errors.install(app)
    app.add_middleware(LegacyV2)  # outermost: the rest sees /compute/v2.1 at 2.1
    return app
