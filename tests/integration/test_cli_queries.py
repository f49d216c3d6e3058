"""`skyledger servers|hosts|quotas` on the live read models: filters, tables, errors; and a
host's up/down judged at the replay's moment, not now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.context import SYSTEM
from tests.support.cli import History, cli, cli_json, hexed, script


def test_servers_filters_by_project_name_or_id(history: History,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    project = history.member["project_id"]
    by_name = cli_json(capsys, "servers", "--project", "project-a")
    dashed = f"{project[:8]}-{project[8:12]}-{project[12:16]}-{project[16:20]}-{project[20:]}"
    assert cli_json(capsys, "servers", "--project", dashed) == by_name
    assert [s["id"] for s in by_name] == [hexed(s) for s in history.later]
    assert {s["project"] for s in by_name} == {"project-a"}
    assert cli_json(capsys, "servers", "--project", "0" * 32) == []
    everyone = cli_json(capsys, "servers", "--all")
    assert [s["deleted"] for s in everyone] == [True, False, False, False]

    assert cli("servers", "--project", "nobody") == 2
    assert "no project named 'nobody'" in capsys.readouterr().err
    assert cli("servers") == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["ID", "NAME", "STATUS", "PROJECT", "HOST", "FLAVOR", "CREATED"]
    assert [line.split()[1:3] for line in table[2:]] == [
        ["web-2", "ACTIVE"], ["web-3", "ACTIVE"], ["web-4", "ACTIVE"]]


def test_live_queries_apply_newer_events_first(history: History,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    history.cloud.identity.create_project(SYSTEM, "not-yet-projected")  # nobody follows
    assert history.cloud.runners["identity"].position() < history.cloud.app.head()
    names = {r["project"] for r in cli_json(capsys, "quotas")}
    assert {"admin", "project-a", "not-yet-projected"} <= names


def test_hosts_and_quotas_tables(history: History, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("hosts") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["HOST", "ZONE", "STATE", "STATUS"]
    used = {line.split()[0]: line.split()[4:] for line in lines[2:]}
    assert set(used) == {"host-1", "host-2"}
    # Three m1.tiny servers (1 vCPU, 512 MB, 1 GB) on two hosts of 4 vCPUs, 8 GB, 100 GB.
    assert sorted(int(v[0].split("/")[0]) for v in used.values()) == [1, 2]
    assert {v[0].split("/")[1] for v in used.values()} == {"4"}
    assert sum(int(v[1].split("/")[0]) for v in used.values()) == 3 * 512

    assert cli("quotas", "--project", "project-a") == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[2:]]
    assert ["project-a", "instances", "7", "3"] in rows
    assert ["project-a", "ram", "51200", "1536"] in rows
    assert cli("quotas", "--project", "nobody", "--json") == 2
    assert "no project named 'nobody'" in capsys.readouterr().err


def test_hosts_are_down_at_a_moment_long_after_their_last_heartbeat(
        history: History, capsys: pytest.CaptureFixture[str]) -> None:
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert cli("replay", "--at", later, "--name", "later", "-q") == 0
    assert "after the last event: the replay is the present" in capsys.readouterr().err
    then = cli_json(capsys, "hosts", "--replay", "later")
    assert {h["state"] for h in then} == {"down"}  # no heartbeat in the hour before
    assert sum(len(h["instances"]) for h in then) == 3  # and the usage of the present
    assert {h["state"] for h in cli_json(capsys, "hosts")} == {"up"}


def test_console_script_live_queries(history: History, env: dict[str, str]) -> None:
    listed = script(env, "servers", "--project", "project-a", "--json").stdout
    assert hexed(history.booted[0]) in listed and hexed(history.deleted) not in listed
    assert "host-1" in script(env, "hosts").stdout
    bad = script(env, "quotas", "--project", "nobody", check=False)
    assert bad.returncode == 2 and "no project named" in bad.stderr
    assert "Traceback" not in bad.stderr
