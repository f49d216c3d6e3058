"""What an EC2 action is given: the composed cloud, the verified caller, the policy engine and
its parameters. Each action module exports `ACTIONS`: EC2 action name → handler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from api.auth import Caller
from api.deps import CloudServices
from api.ec2.errors import Ec2Error, dry_run_succeeded
from api.ec2.params import Params
from api.policy import PolicyEngine
from domain.context import RequestContext
from domain.errors import Forbidden


@dataclass(frozen=True)
class Call:
    cloud: CloudServices
    caller: Caller
    policy: PolicyEngine
    params: Params
    request_id: str

    @property
    def dry_run(self) -> bool:
        return self.params.boolean("DryRun")

    @property
    def ctx(self) -> RequestContext:
        """The context a command runs under. Every change an action makes goes through it, after
        the action's checks (its ids found, its policy rules passed), so a dry run stops here
        with EC2's DryRunOperation and nothing is recorded."""
        if self.dry_run:
            raise dry_run_succeeded()
        return self.caller.ctx

    def enforce(self, rule: str, target: dict[str, Any] | None = None) -> None:
        """The OpenStack API's own policy rule, on the caller's project and user by default."""
        target = target or {"project_id": self.caller.project_id,
                            "user_id": self.caller.user_id}
        try:
            self.policy.enforce(rule, target, self.caller.creds)
        except Forbidden as refused:
            raise Ec2Error("UnauthorizedOperation", f"You are not authorized to perform this "
                           f"operation ({refused}).", 403) from None


Handler = Callable[[Call], dict[str, Any]]
