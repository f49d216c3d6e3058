"""Authorisation by oslo.policy: defaults in code (each router declares its rules), an operator
file overrides them. Roles are expanded (admin ⇒ member ⇒ reader) before a check."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from oslo_config import cfg
from oslo_policy import policy

from domain.errors import Forbidden

BASE_RULES = [
    policy.RuleDefault("admin_api", "role:admin", "Administrators of the cloud"),
    policy.RuleDefault("project_reader", "role:reader and project_id:%(project_id)s",
                       "Anyone with a role on the target's project"),
    policy.RuleDefault("project_member", "role:member and project_id:%(project_id)s",
                       "Members of the target's project"),
    policy.RuleDefault("project_manager_api", "role:manager and project_id:%(project_id)s",
                       "Managers of the target's project"),
    policy.RuleDefault("project_manager_or_admin", "rule:project_manager_api or rule:admin_api"),
    policy.RuleDefault("admin_or_reader", "rule:admin_api or rule:project_reader"),
    policy.RuleDefault("admin_or_member", "rule:admin_api or rule:project_member"),
    policy.RuleDefault("admin_or_owner_user", "rule:admin_api or user_id:%(user_id)s"),
    policy.RuleDefault("any_reader", "role:reader", "Anyone with a role on their token's project"),
    policy.RuleDefault("any_member", "role:member", "Members of their token's project"),
]


class PolicyEngine:
    def __init__(self, rules: Iterable[policy.RuleDefault], policy_file: str | None = None) -> None:
        conf = cfg.ConfigOpts()
        conf([], project="skyledger", default_config_files=[], default_config_dirs=[])
        self.enforcer = policy.Enforcer(conf, policy_file=policy_file, use_conf=True)
        self.enforcer.register_defaults(list(BASE_RULES) + list(rules))
        self.enforcer.load_rules()

    def allowed(self, rule: str, target: dict[str, Any], creds: dict[str, Any]) -> bool:
        return bool(self.enforcer.authorize(rule, target, creds, do_raise=False))

    def enforce(self, rule: str, target: dict[str, Any], creds: dict[str, Any]) -> None:
        if not self.allowed(rule, target, creds):
            raise Forbidden(f"Policy doesn't allow {rule} to be performed.")

    def rules(self) -> dict[str, str]:
        return {name: str(rule) for name, rule in self.enforcer.rules.items()}
