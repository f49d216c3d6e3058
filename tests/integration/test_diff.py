"""`skyledger diff T1 T2`: per aggregate, the versions, events and field changes between two
moments of the event log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.cli import History, cli, cli_json, hexed, script


def by_id(report: dict) -> dict[str, dict]:
    return {c["aggregate_id"]: c for c in report["changes"]}


def fields(change: dict) -> dict[str, tuple]:
    return {f["field"]: (f["before"], f["after"]) for f in change["fields"]}


def test_diff_lists_created_deleted_and_changed_aggregates(
        history: History, capsys: pytest.CaptureFixture[str]) -> None:
    head = history.cloud.app.head()
    report = cli_json(capsys, "diff", f"@{history.position}", f"@{head}")
    assert (report["from"]["position"], report["to"]["position"]) == (history.position, head)
    changes = by_id(report)

    for booted in history.booted:
        created = changes[hexed(booted)]
        assert (created["aggregate_type"], created["change"], created["version_before"]) == (
            "Instance", "created", 0)
        assert created["events"][0] == "Requested" and "Spawned" in created["events"]
        assert fields(created)["vm_state"] == ("<absent>", "active")
    assert {changes[hexed(b)]["name"] for b in history.booted} == {"web-3", "web-4"}

    gone = changes[hexed(history.deleted)]
    assert (gone["change"], gone["name"], gone["events"]) == (
        "deleted", "web-1", ["DeleteRequested", "Deleted"])
    assert gone["version_after"] == gone["version_before"] + 2 > 2
    assert fields(gone)["vm_state"] == ("active", "deleted")
    assert fields(gone)["deleted"] == (False, True)
    assert hexed(history.earlier[1]) not in changes  # web-2 did not change

    [ledger] = [c for c in report["changes"] if c["aggregate_type"] == "QuotaLedger"]
    assert (ledger["change"], ledger["name"]) == ("changed", "project project-a")
    assert "LimitsSet" in ledger["events"]
    ledger_fields = fields(ledger)
    assert ledger_fields["overrides.instances"] == ("<absent>", 7)
    assert ledger_fields["overrides.cores"] == ("<absent>", 9)
    assert ledger_fields["usage.instances"] == (2, 3)
    assert "overrides" not in ledger_fields  # its entries say it all

    # The same moments given as times find the same changes, and --type filters.
    later = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    as_times = cli_json(capsys, "diff", history.at.isoformat(), later, "--type", "QuotaLedger")
    assert [c["aggregate_id"] for c in as_times["changes"]] == [ledger["aggregate_id"]]


def test_diff_table_and_nothing_changed(history: History,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    head = history.cloud.app.head()
    assert cli("diff", f"@{history.position}", f"@{head}") == 0
    captured = capsys.readouterr()
    out = captured.out
    assert f"from position {history.position} (" in out and "aggregates changed" in out
    rows = {line.split()[1]: line.split() for line in out.splitlines()
            if line.startswith("Instance ") and "->" in line and ":" not in line}
    [_, _, name, versions, change, *events] = rows[hexed(history.deleted)]
    before, after = map(int, versions.split("->"))
    assert (name, after - before, change, events) == (
        "web-1", 2, "deleted", ["DeleteRequested,", "Deleted"])
    assert f"Instance {hexed(history.deleted)} (web-1): deleted" in out
    assert "  deleted: false -> true" in out
    assert "  vm_state: active -> deleted" in out
    assert "diff: scan" in captured.err  # progress on stderr, not in the report
    assert cli("diff", f"@{head}", f"@{head}") == 0
    assert "0 aggregates changed" in capsys.readouterr().out


def test_diff_hides_secrets(history: History, capsys: pytest.CaptureFixture[str]) -> None:
    start = history.cloud.app.head()
    from tests.support.identity import make_member

    make_member(history.cloud, "project-s", "sam")
    report = cli_json(capsys, "diff", f"@{start}", f"@{history.cloud.app.head()}")
    [user] = [c for c in report["changes"] if c["aggregate_type"] == "User"]
    assert user["name"] == "sam" and user["change"] == "created"
    assert "password_hash" not in str(report) and "name" in fields(user)


def test_bad_moments_are_clear_errors(history: History,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    head = history.cloud.app.head()
    cases = [(["diff", "2026-11-25T12:00:00Z", "2026-11-25T11:00:00Z"], "is before T1"),
             (["diff", f"@{head}", f"@{history.position}"], "is before T1"),
             (["diff", "@1", f"@{head + 10}"], "is not in the event log")]
    for argv, message in cases:
        assert cli(*argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("skyledger diff: ") and message in err, err
    for argv in (["diff", "noon", "@3"], ["diff", "@x", "@3"], ["diff", "@3"]):
        with pytest.raises(SystemExit) as exited:
            cli(*argv)
        assert exited.value.code == 2
        assert "skyledger diff: error:" in capsys.readouterr().err


def test_console_script_diff(history: History, env: dict[str, str]) -> None:
    head = history.cloud.app.head()
    done = script(env, "diff", f"@{history.position}", f"@{head}")
    assert f"Instance {hexed(history.deleted)} (web-1): deleted" in done.stdout
    bad = script(env, "diff", "@5", "@2", check=False)
    assert bad.returncode == 2 and "is before T1" in bad.stderr
    assert "Traceback" not in bad.stderr
    malformed = script(env, "diff", "tuesday", "@2", check=False)
    assert malformed.returncode == 2 and "not an ISO-8601 time" in malformed.stderr
