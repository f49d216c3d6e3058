"""tempest.conf with the feature set of a stock single-node devstack (libvirt/QEMU, ML2, LVM).

Every flag follows devstack's lib/tempest, except where a flag there depends on an optional
service that a stock devstack does not run; those follow what this gate must measure: a feature a
user of such a cloud relies on (security groups, routers, IPv6, port security, snapshots, backups,
clones, shelve, rescue, interface attach, migrations, image import, application credentials,
trusts, the newest microversions) is switched ON, so a feature we lack shows up as failures, never
as a quiet skip. Guest SSH validation stays off: the gate measures the API.
"""

from __future__ import annotations

import configparser
from pathlib import Path

from ops.tempest.cloud import Cloud

# The Neutron API extensions a stock devstack (ML2/OVS with its L2, DHCP and L3 agents, the
# default router, security groups, no optional service plugins such as QoS, trunk, segments,
# flavors, metering, port forwarding, VPN, BGP or FWaaS) lists at /v2.0/extensions. Tempest runs
# the tests of an extension only when it is listed here, so this list, not what skyledger
# advertises, decides which network tests count. With the agents come the agent schedulers'
# extensions, and the L3 plugin lists `dvr` (enable_dvr defaults to true) whatever its mode.
NETWORK_EXTENSIONS = (
    "address-group", "address-scope", "agent", "allowed-address-pairs",
    "auto-allocated-topology", "availability_zone", "binding", "binding-extended",
    "default-subnetpools", "dhcp_agent_scheduler", "dns-integration", "dvr",
    "empty-string-filtering", "ext-gw-mode", "external-net",
    "extra_dhcp_opt", "extraroute", "extraroute-atomic", "filter-validation", "fip-port-details",
    "floatingip-pools", "ip-substring-filtering", "l3-ha", "l3_agent_scheduler",
    "multi-provider", "net-mtu",
    "net-mtu-writable", "network-ip-availability", "network_availability_zone", "pagination",
    "port-mac-address-regenerate", "port-security", "project-id", "provider", "quotas",
    "quota_details", "rbac-address-scope", "rbac-policies", "rbac-security-groups", "router",
    "router-admin-state-down-before-update", "router_availability_zone", "security-group",
    "security-groups-remote-address-group",
    "security-groups-shared-filtering", "sorting", "standard-attr-description",
    "standard-attr-revisions", "standard-attr-tag", "standard-attr-timestamp",
    "stateful-security-group",
    "subnet-service-types", "subnet_allocation", "subnetpool-prefix-ops",
)

# Devstack's default FIXED_RANGE; Tempest carves its /28 project subnets from it.
PROJECT_NETWORK_CIDR = "10.0.0.0/22"
SERVICES = ("keystone", "nova", "glance", "cinder", "neutron")


def settings(cloud: Cloud, concurrency_lock_path: Path) -> dict[str, dict[str, str]]:
    images = cloud.image_ids or [""]
    flavors = cloud.flavor_ids or ["1", "2"]
    on = "True"
    return {
        "DEFAULT": {"log_file": "tempest.log", "use_stderr": "False", "debug": "True"},
        "oslo_concurrency": {"lock_path": str(concurrency_lock_path)},
        "auth": {
            "admin_username": "admin", "admin_password": cloud.admin_password,
            "admin_project_name": "admin", "admin_domain_name": "Default",
            "use_dynamic_credentials": on, "create_isolated_networks": on,
        },
        "identity": {
            "uri_v3": f"{cloud.url}/identity/v3", "auth_version": "v3", "region": "RegionOne",
            # devstack's KEYSTONE_LOCKOUT_* and KEYSTONE_UNIQUE_LAST_PASSWORD_COUNT, which
            # ops/tempest/runner.py gives the server too.
            "user_lockout_failure_attempts": "2", "user_lockout_duration": "10",
            "user_unique_last_password_count": "2",
        },
        "identity-feature-enabled": {
            "api_v2": "False", "api_v3": on, "trust": on, "project_tags": on,
            "application_credentials": on, "access_rules": on, "security_compliance": on,
        },
        "compute": {
            "image_ref": images[0], "image_ref_alt": images[-1],
            "flavor_ref": flavors[0], "flavor_ref_alt": flavors[-1],
            "min_microversion": "2.1", "max_microversion": "latest",
            "build_timeout": "300", "min_compute_nodes": "1",
        },
        "compute-feature-enabled": {
            "personality": "False", "change_password": "False", "resize": on,
            "cold_migration": on, "live_migration": on, "shelve": on, "rescue": on,
            "snapshot": on, "suspend": on, "pause": on, "interface_attach": on,
            "console_output": on, "attach_encrypted_volume": on, "vnc_console": on,
            "hostname_fqdn_sanitization": on,
            "nova_policy_roles": "admin,manager,member,reader,service",
        },
        # devstack serves these on port 80 of its own host; ours: ops/tempest/image_server.py.
        # Set even when empty: Tempest's defaults point at download.cirros-cloud.net.
        "image": {"build_timeout": "300", "http_image": cloud.http_image,
                  "http_qcow2_image": cloud.http_image},
        "image-feature-enabled": {
            "api_v2": on, "import_image": on, "os_glance_reserved": on,
            "image_format_enforcement": on,
        },
        "network": {
            "public_network_id": cloud.public_network_id, "floating_network_name": "public",
            "project_network_cidr": PROJECT_NETWORK_CIDR, "default_network": PROJECT_NETWORK_CIDR,
            "project_networks_reachable": "false",
        },
        "network-feature-enabled": {
            "ipv6": on, "ipv6_subnet_attributes": on, "port_security": on, "floating_ips": on,
            "api_extensions": ",".join(NETWORK_EXTENSIONS),
        },
        "volume": {
            "min_microversion": "3.0", "max_microversion": "latest", "build_timeout": "300",
            # What skyledger's pools report (types naming other capabilities find no backend).
            "storage_protocol": "file", "vendor_name": "Open Source",
        },
        "volume-feature-enabled": {
            "backup": on, "snapshot": on, "clone": on, "manage_snapshot": "False",
            "manage_volume": "False", "extend_attached_volume": on,
        },
        "validation": {"run_validation": "False"},
        # Tempest's own defaults for the five services; swift, placement and the rest are not
        # part of the system we model.
        "service_available": {
            **{s: on for s in ("nova", "glance", "cinder", "neutron")},
            **{s: "False" for s in ("swift", "placement", "heat", "horizon", "ironic")},
        },
        # devstack's ENFORCE_SCOPE defaults to True for every service: the new RBAC defaults.
        "enforce_scope": {s: "true" for s in SERVICES},
    }


def write(path: Path, cloud: Cloud, lock_path: Path) -> Path:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keep option case
    for section, options in settings(cloud, lock_path).items():
        if section != "DEFAULT":
            parser.add_section(section)
        for key, value in options.items():
            parser.set(section, key, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as out:
        parser.write(out)
    return path
