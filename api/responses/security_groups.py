"""Neutron's security group and rule bodies, and Nova's proxy bodies of them (below 2.36).

As for the other network bodies, GET answers use the `trimmable` twins (Neutron's `fields`)."""

from __future__ import annotations

from typing import Any

from api.responses.base import MISSING, Body, one_of
from api.responses.network import NullStr, trimmable

NullInt = int | None


class SecurityGroupRule(Body):
    id: str
    security_group_id: str
    project_id: str
    tenant_id: str
    direction: one_of(["ingress", "egress"])  # type: ignore[valid-type]
    ethertype: one_of(["IPv4", "IPv6"])  # type: ignore[valid-type]
    protocol: NullStr
    port_range_min: NullInt
    port_range_max: NullInt
    remote_ip_prefix: NullStr
    remote_group_id: NullStr
    remote_address_group_id: NullStr
    normalized_cidr: NullStr
    description: str
    belongs_to_default_sg: bool
    revision_number: int
    created_at: NullStr
    updated_at: NullStr


class SecurityGroup(Body):
    id: str
    name: str
    description: str
    stateful: bool
    shared: bool
    project_id: str
    tenant_id: str
    security_group_rules: list[SecurityGroupRule]
    tags: list[str]
    revision_number: int
    created_at: NullStr
    updated_at: NullStr


SecurityGroupFields: Any = trimmable(SecurityGroup)
SecurityGroupRuleFields: Any = trimmable(SecurityGroupRule)


class SecurityGroupShow(Body):
    security_group: SecurityGroup


class SecurityGroupFieldsShow(Body):
    security_group: SecurityGroupFields


class SecurityGroupList(Body):
    security_groups: list[SecurityGroupFields]


class SecurityGroupRuleShow(Body):
    security_group_rule: SecurityGroupRule


class SecurityGroupRuleFieldsShow(Body):
    security_group_rule: SecurityGroupRuleFields


class SecurityGroupRuleList(Body):
    security_group_rules: list[SecurityGroupRuleFields]


# -- Nova's proxy (os-security-groups, os-security-group-rules) ---------------------------------
class NovaRuleGroup(Body):
    # Empty ({}) for a rule with a CIDR; the remote group's name and project otherwise.
    name: str = MISSING  # type: ignore[assignment]
    tenant_id: str = MISSING  # type: ignore[assignment]


class NovaIpRange(Body):
    cidr: str = MISSING  # type: ignore[assignment]  # empty for a rule with a remote group


class NovaSecurityGroupRule(Body):
    id: str
    parent_group_id: str
    ip_protocol: NullStr
    from_port: NullInt
    to_port: NullInt
    group: NovaRuleGroup
    ip_range: NovaIpRange


class NovaSecurityGroup(Body):
    id: str
    name: str
    description: str | None
    tenant_id: str
    rules: list[NovaSecurityGroupRule]


class NovaSecurityGroupShow(Body):
    security_group: NovaSecurityGroup


class NovaSecurityGroupList(Body):
    security_groups: list[NovaSecurityGroup]


class NovaSecurityGroupRuleShow(Body):
    security_group_rule: NovaSecurityGroupRule
