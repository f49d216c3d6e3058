"""Network agents' records: registration and heartbeats (from the agent's own host process),
and what an operator may change through Neutron's agents API."""

from __future__ import annotations

from typing import Any

from domain.app import SkyLedger
from domain.commands import command
from domain.context import RequestContext
from domain.network.agent import AGENT_KINDS, NetworkAgentRecord, agent_id
from domain.services.network.workset import parse_id


class NetworkAgentService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def register(self, ctx: RequestContext, host: str,
                 configurations: dict[str, Any]) -> list[NetworkAgentRecord]:
        """Every kind of agent the host runs, recorded (again) as started, in one save."""
        records = []
        for kind in AGENT_KINDS:
            record = self.app.find(agent_id(host, kind.agent_type))
            if record is None:
                record = NetworkAgentRecord(host, kind.agent_type, kind.binary, kind.topic,
                                            configurations)
            else:
                record.restart(configurations)
            records.append(record)
        self.app.save(*records)
        return records

    @command
    def heartbeat(self, ctx: RequestContext, host: str) -> None:
        records = [self.app.find(agent_id(host, kind.agent_type)) for kind in AGENT_KINDS]
        beating = [r for r in records if isinstance(r, NetworkAgentRecord) and not r.deleted]
        for record in beating:
            record.beat()
        if beating:
            self.app.save(*beating)

    @command
    def update(self, ctx: RequestContext, ref: str, description: str | None,
               admin_state_up: bool | None) -> NetworkAgentRecord:
        record = self.agent(ref)
        record.update(description, admin_state_up)
        if record.pending_events:
            self.app.save(record)
        return record

    @command
    def delete(self, ctx: RequestContext, ref: str) -> None:
        record = self.agent(ref)
        record.delete()
        self.app.save(record)

    def agent(self, ref: str) -> NetworkAgentRecord:
        return self.app.get(parse_id(ref, "Agent"), NetworkAgentRecord, "Agent")
