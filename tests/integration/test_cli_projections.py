"""The `skyledger` CLI end to end: every subcommand's --help, `projections status` and `rebuild`
in-process through `ops.cli.main`, and the installed console script as a subprocess. Settings
come from SKYLEDGER_* variables pointing at the test's own store (SQLite file or PG schema)."""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.persistence import Database
from domain.context import SYSTEM
from ops.bootstrap import Cloud
from ops.cli import main, parser
from ops.commands.projections import EXIT_BUSY, EXIT_INTERRUPTED, PAUSE_AT_VARIABLE
from ops.progress import Progress
from projections.rebuild_guard import RebuildGuard
from projections.registry import all_projections
from projections.swap import space_for
from tests.support.cli import cli_env
from tests.support.read_models import dump_all
from tests.support.waiting import wait_for

NAMES = [p.name for p in all_projections()]


def command_paths(p: argparse.ArgumentParser,
                  prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                paths.append((*prefix, name))
                paths += command_paths(sub, (*prefix, name))
    return paths


def test_every_subcommand_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    paths = command_paths(parser())
    assert {("serve",), ("projections",), ("projections", "status"), ("projections", "rebuild"),
            ("audit",)} <= set(paths)
    for path in [(), *paths]:
        with pytest.raises(SystemExit) as exited:
            main([*path, "--help"])
        assert exited.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith(f"usage: skyledger {' '.join(path)}".rstrip()), out
        # A description beyond the usage line and the option list.
        assert len([line for line in out.splitlines() if line.strip()]) > 4, out


def test_status_shows_position_head_and_lag(
    cloud: Cloud, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["projections", "status", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    head = cloud.app.head()
    assert [r["name"] for r in rows] == NAMES
    assert all(r == {"name": r["name"], "position": head, "head": head, "lag": 0} for r in rows)

    cloud.identity.create_project(SYSTEM, "not-yet-projected")  # 2 events, nobody follows
    assert main(["projections", "status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "POSITION", "HEAD", "LAG"]
    table = {line.split()[0]: line.split()[1:] for line in lines[2:]}
    assert set(table) == set(NAMES)
    assert table["audit"] == [str(head), str(head + 2), "2"]


def test_rebuild_all_from_the_cli_reproduces_every_table(
    cloud: Cloud, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    cloud.identity.create_project(SYSTEM, "rebuilt-by-cli")
    cloud.sync_read_models()
    before = dump_all(cloud.store)
    assert main(["projections", "rebuild", "--all", "--batch-size", "3"]) == 0
    captured = capsys.readouterr()
    head = cloud.app.head()
    lines = captured.out.splitlines()
    assert [line.split(":")[0] for line in lines] == NAMES
    assert all(f": rebuilt to position {head} of {head} in " in line for line in lines), lines
    # stderr is not a terminal here: plain progress lines, ending at 100%.
    assert f"rebuild audit {head}/{head} events 100%" in captured.err
    assert "\r" not in captured.err
    assert dump_all(cloud.store) == before


def test_rebuild_named_and_bad_arguments(
    cloud: Cloud, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["projections", "rebuild", "-q", "audit", "quotas"]) == 0
    captured = capsys.readouterr()
    assert [line.split(":")[0] for line in captured.out.splitlines()] == ["quotas", "audit"]
    assert captured.err == ""
    for bad in ([], ["nope"], ["audit", "--all"]):
        assert main(["projections", "rebuild", *bad]) == 2
        assert "known: " + ", ".join(NAMES) in capsys.readouterr().err


def test_console_script_runs_as_a_subprocess(cloud: Cloud, database_url: str,
                                             tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "skyledger"
    environ = {**os.environ, **cli_env(database_url, tmp_path)}
    status = subprocess.run([str(script), "projections", "status", "--json"], env=environ,
                            capture_output=True, text=True, timeout=60, check=True)
    assert {r["name"] for r in json.loads(status.stdout)} == set(NAMES)
    audit = subprocess.run([str(script), "audit", "--limit", "3"], env=environ,
                           capture_output=True, text=True, timeout=60, check=True)
    assert audit.stdout.splitlines()[0].split()[:3] == ["POSITION", "TIME", "AGGREGATE"]
    assert len(audit.stdout.splitlines()) == 2 + 3


def test_progress_redraws_one_line_on_a_terminal() -> None:
    stream = io.StringIO()
    with Progress(200, "rebuild x", stream=stream, tty=True) as bar:
        for done in (0, 50, 200):
            bar._last_draw = 0.0  # draw every update, as if time had passed
            bar(done, 200)
    text = stream.getvalue()
    assert text.endswith("\n") and text.count("\n") == 1
    last = text.rstrip().split("\r")[-1]
    assert last.startswith("rebuild x [########################] 200/200 events 100%")
    assert "events/s done" in last
    assert "ETA" in text.split("\r")[2]  # the half-way line estimates the time left


def test_rebuild_swaps_in_a_copy_and_shows_rate_and_eta(
    cloud: Cloud, env: dict[str, str], capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for number in range(10):
        cloud.identity.create_project(SYSTEM, f"progress-{number}")
    cloud.sync_read_models()
    before = dump_all(cloud.store)
    monkeypatch.setattr("ops.progress.LINE_EVERY", 0.0)  # a line per batch, not per 2 s
    assert main(["projections", "rebuild", "audit", "--batch-size", "4"]) == 0
    captured = capsys.readouterr()
    head = cloud.app.head()
    assert re.fullmatch(rf"audit: rebuilt to position {head} of {head} in [0-9.]+ s, swapped in "
                        r"after 0 more events \(live lock held [0-9.]+ s\)\n", captured.out)
    lines = captured.err.splitlines()
    # Plain lines (stderr is no terminal): done/total, rate and time left while it runs...
    assert len(lines) > 3 and "\r" not in captured.err
    assert all(re.match(r"rebuild audit \d+/\d+ events +\d+% [\d,]+ events/s ", line)
               for line in lines), lines
    assert any(re.search(r" events/s ETA \d\d:\d\d \(", line) for line in lines[:-1]), lines
    # ...and the final state.
    assert re.match(rf"rebuild audit {head}/{head} events 100% .* done", lines[-1])
    assert dump_all(cloud.store) == before
    assert main(["projections", "rebuild", "-q", "--in-place", "audit"]) == 0
    assert capsys.readouterr().out.startswith(f"audit: rebuilt to position {head} of {head} in ")
    assert dump_all(cloud.store) == before


def run_cli(environ: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "skyledger"
    return subprocess.run([str(script), *args], env=environ, capture_output=True, text=True,
                          timeout=120)


def test_a_second_rebuild_is_refused_with_its_own_exit_status(
    cloud: Cloud, database_url: str, tmp_path: Path
) -> None:
    environ = {**os.environ, **cli_env(database_url, tmp_path)}
    database = Database(database_url)
    # The guard a running `rebuild servers` holds, taken by this process.
    guard = RebuildGuard(space_for(database, "servers"), "servers").acquire()
    try:
        busy = run_cli(environ, "projections", "rebuild", "-q", "servers", "quotas")
    finally:
        guard.release()
    assert busy.returncode == EXIT_BUSY, busy
    assert "a rebuild of servers is already running" in busy.stderr
    assert "servers skipped" in busy.stderr
    # The other projection named was rebuilt all the same.
    assert [line.split(":")[0] for line in busy.stdout.splitlines()] == ["quotas"]
    assert run_cli(environ, "projections", "rebuild", "-q", "servers").returncode == 0


# The command with SIGINT's default disposition: a suite started in the background by a
# non-interactive shell (`ops/test &` in a script) inherits SIGINT ignored, and so would the
# rebuild, which a Ctrl-C then never reaches. exec keeps the restored default.
WITH_CTRL_C = [sys.executable, "-c", "import os, signal, sys; "
               "signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill"])
def test_a_killed_rebuild_leaves_live_intact_and_no_copy_for_long(
    cloud: Cloud, database_url: str, tmp_path: Path, signum: int
) -> None:
    """Ctrl-C: the rebuild removes its copy itself. Killed: the copy stays until the next
    rebuild of that projection (whose guard the dead one no longer holds) removes it.

    The rebuild pauses half-way through its copy (the CLI's PAUSE_AT_VARIABLE test hook) and
    says so; the signal goes only after that, so it always lands in the middle of the work,
    however fast or slow the machine (racing a 138-event rebuild with a Ctrl-C did not)."""
    for number in range(10):
        cloud.identity.create_project(SYSTEM, f"killed-{number}")
    cloud.sync_read_models()
    before = dump_all(cloud.store)
    head = cloud.app.head()
    environ = {**os.environ, **cli_env(database_url, tmp_path)}
    space = space_for(Database(database_url), "audit")
    script = Path(sys.executable).parent / "skyledger"
    stderr = tmp_path / "rebuild.err"
    with stderr.open("w") as err_file:
        process = subprocess.Popen([*WITH_CTRL_C, str(script), "projections", "rebuild", "audit",
                                    "--batch-size", "3"],
                                   env={**environ, PAUSE_AT_VARIABLE: str(head // 2)},
                                   stdin=subprocess.PIPE,
                                   stdout=subprocess.DEVNULL, stderr=err_file, text=True)
    try:
        wait_for(lambda: "rebuild audit: paused at" in stderr.read_text()
                 or process.poll() is not None, "the rebuild to pause", 60.0)
        assert process.poll() is None, stderr.read_text()
        paused_at = int(re.findall(r"paused at event (\d+) of", stderr.read_text())[0])
        assert head // 2 <= paused_at < head  # its copy half built
        assert space.exists()
        process.send_signal(signum)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:  # only if an assertion failed while it was paused
            process.kill()
            process.wait(timeout=60)
        assert process.stdin is not None
        process.stdin.close()
    err = stderr.read_text()
    if signum == signal.SIGINT:
        assert process.returncode == EXIT_INTERRUPTED, err
        assert "interrupted; audit is untouched (its new copy was removed)" in err
        assert not space.exists()
    else:
        assert process.returncode == -signal.SIGKILL
        assert space.exists()
    assert dump_all(cloud.store) == before
    assert all(r.position() == cloud.app.head() for r in cloud.runners.values())
    again = run_cli(environ, "projections", "rebuild", "-q", "audit")
    assert again.returncode == 0, again
    assert not space.exists()
    assert dump_all(cloud.store) == before
