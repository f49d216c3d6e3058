"""`skyledger replay`: every read model as of a past moment in a scratch space, queried with
`servers|hosts|quotas --replay`, the live read models untouched; finding a time's position."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from projections.moments import at_position, position_at
from tests.support.cli import History, cli, cli_json, hexed, script
from tests.support.read_models import dump_all


def quota(rows: list[dict], resource: str) -> dict:
    [row] = rows
    return row["quotas"][resource]


def test_replay_at_a_time_shows_that_moment(history: History,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    store = history.cloud.store
    live_before = dump_all(store)
    assert cli("replay", "--at", history.at.isoformat(), "--name", "before") == 0
    captured = capsys.readouterr()
    assert f"replay before: position {history.position} of " in captured.out
    assert "100%" in captured.err  # the progress display, on stderr
    assert dump_all(store) == live_before

    replayed = cli_json(capsys, "servers", "--replay", "before")
    assert [s["id"] for s in replayed] == [hexed(s) for s in history.earlier]
    assert {s["status"] for s in replayed} == {"ACTIVE"}
    assert [s["name"] for s in replayed] == ["web-1", "web-2"]
    live = cli_json(capsys, "servers")
    assert [s["id"] for s in live] == [hexed(s) for s in history.later]
    with_deleted = cli_json(capsys, "servers", "--all", "--project", "project-a")
    assert {s["id"]: s["status"] for s in with_deleted}[hexed(history.deleted)] == "DELETED"

    hosts_then = cli_json(capsys, "hosts", "--replay", "before")
    assert [h["host"] for h in hosts_then] == ["host-1", "host-2"]
    assert {h["state"] for h in hosts_then} == {"up"}  # heartbeats were fresh at that moment
    assert sorted(i for h in hosts_then for i in h["instances"]) == sorted(
        hexed(s) for s in history.earlier)
    assert sum(h["vcpus_used"] for h in hosts_then) == 2
    hosts_now = cli_json(capsys, "hosts")
    assert sum(h["vcpus_used"] for h in hosts_now) == 3

    then = cli_json(capsys, "quotas", "--replay", "before", "--project", "project-a")
    now = cli_json(capsys, "quotas", "--project", history.member["project_id"])
    assert quota(then, "instances") == {"limit": 10, "in_use": 2, "reserved": 0}
    assert quota(now, "instances") == {"limit": 7, "in_use": 3, "reserved": 0}
    assert (quota(then, "cores")["limit"], quota(now, "cores")["limit"]) == (20, 9)
    assert dump_all(store) == live_before  # the queries of the replay wrote nothing live


def test_list_drop_position_and_replace(history: History,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("replay", "--position", str(history.position), "-q") == 0
    name = f"pos-{history.position}"
    assert f"replay {name}: position {history.position}" in capsys.readouterr().out
    [listed] = cli_json(capsys, "replay", "--list")
    assert (listed["name"], listed["position"], listed["complete"]) == (
        name, history.position, True)
    # The position's own time is recorded: the last event before the changes.
    assert listed["at"] <= history.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert [s["id"] for s in cli_json(capsys, "servers", "--replay", name)] == [
        hexed(s) for s in history.earlier]

    assert cli("replay", "--position", str(history.position), "-q") == 2
    assert "already exists" in capsys.readouterr().err
    head = history.cloud.app.head()
    assert cli("replay", "--position", str(head), "--name", name, "--replace", "-q") == 0
    capsys.readouterr()
    assert len(cli_json(capsys, "servers", "--replay", name)) == 3

    assert cli("replay", "--drop", name) == 0
    assert "dropped replay" in capsys.readouterr().out
    assert cli_json(capsys, "replay", "--list") == []
    assert cli("servers", "--replay", name) == 2
    assert f"no replay named {name!r}" in capsys.readouterr().err


def test_bad_input_is_a_clear_error(history: History,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    head = history.cloud.app.head()
    cases = [(["replay", "--position", str(head + 5)], "is not in the event log"),
             (["replay", "--at", history.at.isoformat(), "--name", "Not OK!"], "bad replay name"),
             (["servers", "--replay", "nope"], "no replay named 'nope'"),
             (["hosts", "--replay", "nope"], "no replay named 'nope'"),
             (["quotas", "--replay", "nope"], "no replay named 'nope'"),
             (["replay", "--drop", "nope"], "no replay named 'nope'")]
    for argv, message in cases:
        assert cli(*argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, (argv, err)
    for argv in (["replay", "--at", "yesterday"], ["replay", "--position", "-3"], ["replay"]):
        with pytest.raises(SystemExit) as exited:
            cli(*argv)
        assert exited.value.code == 2
        assert "skyledger replay: error:" in capsys.readouterr().err
    assert cli_json(capsys, "replay", "--list") == []  # nothing half-made was left


def test_a_time_before_the_first_event_replays_an_empty_cloud(
        history: History, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("replay", "--at", "2000-01-01", "--name", "empty", "-q") == 0
    captured = capsys.readouterr()
    assert "replay empty: position 0 of" in captured.out and "before the first" in captured.err
    assert cli_json(capsys, "servers", "--replay", "empty", "--all") == []
    assert cli_json(capsys, "hosts", "--replay", "empty") == []


ONE_COMMAND = timedelta(seconds=1)  # far longer than a test command takes to save


def test_position_at_finds_the_last_event_at_or_before_a_time(history: History) -> None:
    app = history.cloud.app
    head = app.head()
    assert position_at(app, history.at).position == history.position
    assert position_at(app, datetime(2000, 1, 1)).position == 0
    assert position_at(app, datetime.now(UTC) + timedelta(days=1)).position == head
    # Every event's own time finds a cut next to that event: events are stamped when made, and
    # one command's save may hold events of several aggregates stamped a little out of order
    # (a delete's Instance.Deleted after the claim and quota releases it records with it), so
    # the cut may move within that command's events, never further (moments.py).
    for position in (1, history.position, head - 1, head):
        moment = at_position(app, position)
        assert moment.at is not None
        found = position_at(app, moment.at).position
        cut = at_position(app, found).at
        assert cut is not None and cut <= moment.at
        between = range(min(found, position) + 1, max(found, position) + 1)
        assert all(abs(at_position(app, p).at - moment.at) < ONE_COMMAND  # type: ignore[operator]
                   for p in between), (position, found)


def test_console_script_replays_and_queries(history: History, env: dict[str, str]) -> None:
    built = script(env, "replay", "--at", history.at.isoformat(), "--name", "sub")
    assert f"replay sub: position {history.position}" in built.stdout
    assert "replay sub" in built.stderr and "100%" in built.stderr
    servers = script(env, "servers", "--replay", "sub")
    lines = servers.stdout.splitlines()
    assert lines[0].split()[:3] == ["ID", "NAME", "STATUS"]
    assert [line.split()[1] for line in lines[2:]] == ["web-1", "web-2"]
    hosts = script(env, "hosts", "--replay", "sub").stdout
    assert "host-1" in hosts and "host-2" in hosts
    quotas = script(env, "quotas", "--replay", "sub", "--project", "project-a").stdout
    assert any(line.split()[:4] == ["project-a", "instances", "10", "2"]
               for line in quotas.splitlines()), quotas
    bad = script(env, "servers", "--replay", "nope", check=False)
    assert bad.returncode == 2 and "no replay named" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_an_interrupted_build_keeps_nothing_and_a_killed_one_is_refused(
        history: History, capsys: pytest.CaptureFixture[str]) -> None:
    from adapters.persistence import Database
    from projections import replay

    database = Database(history.cloud.settings.database_url)

    def interrupt(done: int, total: int) -> None:
        if done:
            raise KeyboardInterrupt

    moment = at_position(history.cloud.app, history.position)
    with pytest.raises(KeyboardInterrupt):
        replay.build(history.cloud.app, database, "cut", moment, 60.0, progress=interrupt)
    assert replay.replays(database) == []
    # A process killed mid-build leaves its space without a finished mark.
    store = replay.space(database, "killed").open()
    with store.transaction() as cur:
        cur.execute(replay.MOMENT_DDL)
        cur.execute("INSERT INTO replay_moment VALUES (?, ?, ?, ?, ?, ?)",
                    ("killed", history.position, None, history.position, "", False))
    store.close()
    [listed] = cli_json(capsys, "replay", "--list")
    assert (listed["name"], listed["complete"]) == ("killed", False)
    assert cli("servers", "--replay", "killed") == 2
    assert "is incomplete" in capsys.readouterr().err
    assert cli("replay", "--drop", "killed") == 0
