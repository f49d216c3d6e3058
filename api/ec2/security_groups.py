"""EC2 security groups as the project's Neutron security groups, through the same
SecurityGroupService and Neutron policy rules as `/security-groups`: CreateSecurityGroup,
DeleteSecurityGroup, DescribeSecurityGroups, Authorize/RevokeSecurityGroupIngress/Egress.
`sg-…` is derived from the group's id. A permission (`IpPermissions.N`) becomes one Neutron
rule per address range or source group; revoking deletes the rules that are the same."""

from __future__ import annotations

from typing import Any

from api.ec2.context import Call, Handler
from api.ec2.errors import Ec2Error, invalid_value
from api.ec2.ids import ec2_id
from api.ec2.permissions import permissions, rules_of
from domain.errors import InvalidState
from domain.network.security_rules import Rule
from projections.security_groups import SecurityGroupViews

NOT_FOUND = "InvalidGroup.NotFound"


def groups(call: Call) -> list[dict[str, Any]]:
    return SecurityGroupViews(call.cloud.store).groups(call.caller.project_id)


def group_row(call: Call) -> dict[str, Any]:
    """The project's group named by GroupId or GroupName."""
    group_id, name = call.params.get("GroupId"), call.params.get("GroupName")
    if not group_id and not name:
        raise Ec2Error("MissingParameter", "The request must contain the parameter GroupId "
                       "or GroupName")
    for row in groups(call):
        if (group_id and ec2_id("sg", row["id"]) == group_id) or (
                not group_id and row["name"] == name):
            return row
    raise Ec2Error(NOT_FOUND, f"The security group '{group_id or name}' does not exist")


def group_ids(call: Call) -> tuple[str, ...] | None:
    """The groups `SecurityGroupId.N` / `SecurityGroup.N` (names) name, for RunInstances;
    None: the project's default group, as Nova's boot."""
    ids, names = call.params.listed("SecurityGroupId"), call.params.listed("SecurityGroup")
    if not ids and not names:
        return None
    rows = groups(call)
    by_id = {ec2_id("sg", r["id"]): r["id"] for r in rows}
    by_name = {r["name"]: r["id"] for r in rows}
    unknown = [i for i in ids if i not in by_id] + [n for n in names if n not in by_name]
    if unknown:
        raise Ec2Error(NOT_FOUND, f"The security group '{unknown[0]}' does not exist")
    return tuple(dict.fromkeys([by_id[i] for i in ids] + [by_name[n] for n in names]))


def group_item(call: Call, row: dict[str, Any], rules: list[dict[str, Any]]) -> dict[str, Any]:
    mine = [r for r in rules if r["group_id"] == row["id"]]
    return {"ownerId": row["project_id"], "groupId": ec2_id("sg", row["id"]),
            "groupName": row["name"], "groupDescription": row["description"],
            "ipPermissions": permissions([r for r in mine if r["direction"] == "ingress"]),
            "ipPermissionsEgress": permissions([r for r in mine if r["direction"] == "egress"])}


def create_security_group(call: Call) -> dict[str, Any]:
    call.enforce("create_security_group")
    name = call.params.required("GroupName")
    if any(r["name"] == name for r in groups(call)):
        raise Ec2Error("InvalidGroup.Duplicate", f"The security group '{name}' already exists")
    group = call.cloud.security_groups.create_group(
        call.ctx, str(call.caller.project_id), name,
        call.params.required("GroupDescription"))
    return {"return": True, "groupId": ec2_id("sg", group.id.hex)}


def delete_security_group(call: Call) -> dict[str, Any]:
    call.enforce("delete_security_group")
    call.cloud.security_groups.delete_group(call.ctx, group_row(call)["id"])
    return {"return": True}


def describe_security_groups(call: Call) -> dict[str, Any]:
    call.enforce("get_security_group")
    views = SecurityGroupViews(call.cloud.store)
    rows, rules = groups(call), views.rules(project_id=call.caller.project_id)
    items = [group_item(call, r, rules) for r in rows]
    for param, field in (("GroupId", "groupId"), ("GroupName", "groupName")):
        asked = call.params.listed(param)
        missing = [a for a in asked if a not in {i[field] for i in items}]
        if missing:
            raise Ec2Error(NOT_FOUND, f"The security group '{missing[0]}' does not exist")
        if asked:
            items = [i for i in items if i[field] in asked]
    fields = {"group-id": "groupId", "group-name": "groupName", "description":
              "groupDescription", "owner-id": "ownerId"}
    for name, values in call.params.filters().items():
        if name not in fields:
            raise invalid_value("Filter.Name", name, "This filter is not supported.")
        items = [i for i in items if i[fields[name]] in values]
    return {"securityGroupInfo": items}


def asked_rules(call: Call, direction: str) -> tuple[dict[str, Any], list[Rule]]:
    row = group_row(call)
    by_ec2 = {ec2_id("sg", g["id"]): g["id"] for g in groups(call)}
    return row, rules_of(call.params, direction, by_ec2)


def authorize(direction: str) -> Handler:
    def run(call: Call) -> dict[str, Any]:
        call.enforce("create_security_group_rule")
        row, rules = asked_rules(call, direction)
        for rule in rules:
            try:
                call.cloud.security_groups.create_rule(call.ctx, row["id"], rule)
            except InvalidState as held:
                raise Ec2Error("InvalidPermission.Duplicate", str(held)) from None
        return {"return": True}
    return run


def revoke(direction: str) -> Handler:
    def run(call: Call) -> dict[str, Any]:
        call.enforce("delete_security_group_rule")
        row, rules = asked_rules(call, direction)
        keys = {r.key() for r in rules}
        held = SecurityGroupViews(call.cloud.store).rules([row["id"]])
        gone = [h for h in held if Rule(
            h["direction"], h["ethertype"], h["protocol"], h["port_range_min"],
            h["port_range_max"], h["remote_ip_prefix"], h["remote_group_id"]).key() in keys]
        if len(gone) < len(keys):
            raise Ec2Error("InvalidPermission.NotFound", "The specified rule does not exist "
                           "in this security group.")
        for h in gone:
            call.cloud.security_groups.delete_rule(call.ctx, row["id"], h["id"])
        return {"return": True}
    return run


ACTIONS: dict[str, Handler] = {
    "CreateSecurityGroup": create_security_group,
    "DeleteSecurityGroup": delete_security_group,
    "DescribeSecurityGroups": describe_security_groups,
    "AuthorizeSecurityGroupIngress": authorize("ingress"),
    "AuthorizeSecurityGroupEgress": authorize("egress"),
    "RevokeSecurityGroupIngress": revoke("ingress"),
    "RevokeSecurityGroupEgress": revoke("egress"),
}
