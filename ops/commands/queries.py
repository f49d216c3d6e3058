"""`skyledger servers|hosts|quotas`: the read models as the operator asks about them, live or
as of a replay (`--replay NAME`, see `skyledger replay`). The same query classes the API uses
read them (ServerViews, QuotaViews, IdentityViews; hosts from the capacity view)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ops.commands import Subparsers
from ops.commands.projections import ENV_NOTE_WRAPPED, format_table, open_cloud

if TYPE_CHECKING:
    from ops.bootstrap import Cloud
    from projections.store import ReadStore

HEX_ID = frozenset("0123456789abcdef")


class QueryError(ValueError):
    """Bad input to a query; the message says why."""


@dataclass
class Source:
    """Where a query reads: the live read models, or a replay's."""

    cloud: Cloud
    store: ReadStore
    replay: str | None

    def hosts(self) -> list[dict[str, Any]]:
        from projections.host_summary import host_docs
        from projections.replay import replay_hosts
        from projections.servers import ServerViews

        if self.replay is not None:
            return replay_hosts(self.store)
        settings = self.cloud.settings
        return host_docs(self.cloud.capacity.hosts(), ServerViews(self.store).services(),
                         time.time(), settings.service_down_time)


@contextmanager
def source(args: argparse.Namespace, live_models: tuple[str, ...]) -> Iterator[Source]:
    """Opens the cloud; on the live store, first applies any newer events to the read models
    the query reads (nothing else may be following the log right now)."""
    from adapters.persistence import Database
    from projections.replay import open_replay

    with open_cloud() as cloud:
        if args.replay is None:
            for name in live_models:
                cloud.runners[name].catch_up()
            yield Source(cloud, cloud.store, None)
            return
        store, _info = open_replay(Database(cloud.settings.database_url), args.replay)
        try:
            yield Source(cloud, store, args.replay)
        finally:
            store.close()


def project_id(store: ReadStore, wanted: str | None) -> str | None:
    """A project given by id (32 hex digits, dashes allowed) or by name."""
    from projections.identity import IdentityViews

    if wanted is None:
        return None
    bare = wanted.replace("-", "").lower()
    if len(bare) == 32 and set(bare) <= HEX_ID:
        return bare
    found = IdentityViews(store).projects(name=wanted)
    if not found:
        raise QueryError(f"no project named {wanted!r}")
    if len(found) > 1:
        raise QueryError(f"{len(found)} projects are named {wanted!r}: give its id")
    return str(found[0]["id"])


def project_names(store: ReadStore) -> dict[str, str]:
    return {r["id"]: r["name"] for r in store.query("SELECT id, name FROM projects")}


def add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--replay", metavar="NAME",
                   help="query the replay NAME (see `skyledger replay`) instead of the live "
                        "read models")
    p.add_argument("--json", action="store_true", help="print one JSON array")
    p.set_defaults(run=run)


def register(subparsers: Subparsers) -> None:
    note = ("\n\nLive queries first apply newer events to the read models they read.\n"
            + ENV_NOTE_WRAPPED)
    fmt = argparse.RawDescriptionHelpFormatter
    p = subparsers.add_parser(
        "servers", help="list servers, live or as of a replay", formatter_class=fmt,
        description="List servers (oldest first) from the server read model: id, name, API\n"
                    "status, project, host, flavor and creation time." + note,
        epilog="examples:\n  skyledger servers --project demo\n"
               "  skyledger servers --all --replay before-upgrade --json")
    p.add_argument("--project", metavar="P", help="only this project's (id or name)")
    p.add_argument("--all", action="store_true", help="deleted servers too")
    add_common(p)
    p.set_defaults(query=servers)
    p = subparsers.add_parser(
        "hosts", help="list compute hosts: state, capacity, usage", formatter_class=fmt,
        description="List compute hosts: zone, up/down (its last heartbeat within\n"
                    "SKYLEDGER_SERVICE_DOWN_TIME of now, or of the replay's moment),\n"
                    "enabled/disabled, vCPUs, RAM and disk used/total, and instances." + note,
        epilog="examples:\n  skyledger hosts\n  skyledger hosts --replay before-upgrade --json")
    add_common(p)
    p.set_defaults(query=hosts)
    p = subparsers.add_parser(
        "quotas", help="list quota limits and usage per project", formatter_class=fmt,
        description="List each project's quota limit and usage per resource (defaults filled\n"
                    "in; -1 is unlimited)." + note,
        epilog="examples:\n  skyledger quotas --project demo\n"
               "  skyledger quotas --replay before-upgrade --json")
    p.add_argument("--project", metavar="P", help="only this project (id or name)")
    add_common(p)
    p.set_defaults(query=quotas)


Query = Callable[[Source, argparse.Namespace], tuple[list[dict[str, Any]], str]]


def run(args: argparse.Namespace) -> int:
    from projections.replay import ReplayError

    query: Query = args.query
    models = {"servers": ("identity", "servers"), "hosts": ("servers",),
              "quotas": ("identity", "quotas")}[args.command]
    try:
        with source(args, models) as src:
            rows, table = query(src, args)
    except (ReplayError, QueryError) as error:
        print(f"skyledger {args.command}: {error}", file=sys.stderr)
        return 2
    print(json.dumps(rows, indent=2, sort_keys=True, default=str) if args.json else table)
    return 0


def servers(src: Source, args: argparse.Namespace) -> tuple[list[dict[str, Any]], str]:
    from domain.compute.states import TaskState, VmState, api_status
    from projections.servers import ServerViews

    project = project_id(src.store, args.project)
    where = {"project_id": project} if project else {}
    found = ServerViews(src.store).list(where, deleted=None if args.all else False)
    names = project_names(src.store)
    rows = [{"id": s["id"], "name": s["name"], "project_id": s["project_id"],
             "project": names.get(s["project_id"]),
             "status": api_status(VmState(s["vm_state"]),
                                  TaskState(s["task_state"]) if s["task_state"] else None),
             "vm_state": s["vm_state"], "task_state": s["task_state"], "host": s["host"],
             "flavor": s["flavor"].get("name", s["flavor"].get("id")),
             "image_id": s["image"]["id"], "created_at": s["created_at"],
             "deleted": bool(s["deleted"])} for s in sorted(found, key=lambda s: s["seq"])]
    return rows, format_table(
        ("ID", "NAME", "STATUS", "PROJECT", "HOST", "FLAVOR", "CREATED"),
        [(r["id"], r["name"], r["status"], r["project"] or r["project_id"], r["host"],
          r["flavor"], r["created_at"][:19] + "Z") for r in rows])


def hosts(src: Source, args: argparse.Namespace) -> tuple[list[dict[str, Any]], str]:
    rows = src.hosts()
    return rows, format_table(
        ("HOST", "ZONE", "STATE", "STATUS", "VCPUS USED/TOTAL", "RAM MB USED/TOTAL",
         "DISK GB USED/TOTAL", "INSTANCES"),
        [(h["host"], h["zone"], h["state"], h["status"], f"{h['vcpus_used']}/{h['vcpus']}",
          f"{h['memory_mb_used']}/{h['memory_mb']}", f"{h['disk_gb_used']}/{h['disk_gb']}",
          len(h["instances"])) for h in rows])


def quotas(src: Source, args: argparse.Namespace) -> tuple[list[dict[str, Any]], str]:
    from projections.quotas import QuotaViews

    names = project_names(src.store)
    wanted = project_id(src.store, args.project)
    ledgers = {r["project_id"] for r in src.store.query("SELECT project_id FROM quota_ledgers")}
    projects = [wanted] if wanted else sorted(set(names) | ledgers,
                                             key=lambda p: (names.get(p, "~"), p))
    views = QuotaViews(src.store)
    rows: list[dict[str, Any]] = [
        {"project_id": p, "project": names.get(p), "quotas": views.detail(p)} for p in projects]
    return rows, format_table(
        ("PROJECT", "RESOURCE", "LIMIT", "IN USE"),
        [(r["project"] or r["project_id"], resource, q["limit"], q["in_use"])
         for r in rows for resource, q in r["quotas"].items()])
