"""`skyledger audit --jsonl` and `--follow`, through the real CLI as a subprocess: JSON lines
carry what --json carries, and a live tail prints the matching events appended after it started
(honouring the filters), then ends with exit 0 on SIGTERM or SIGINT."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.context import RequestContext
from ops.bootstrap import Cloud
from ops.cli import main
from tests.support.cli import cli_env

REPO = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 20.0  # generous: the CLI's start-up (imports, store connection) comes first


def audit_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "ops.cli", "audit", *args]


def run_audit(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(audit_command(*args), cwd=REPO, env={**os.environ, **env},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


class Tail:
    """A running `skyledger audit --follow ...` whose stdout lines are read in a thread, so
    the test can wait for a line with a deadline instead of blocking on the pipe."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.process = subprocess.Popen(audit_command("--follow", *args), cwd=REPO,
                                        env={**os.environ, **env}, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def next_lines(self, count: int) -> list[str]:
        deadline = time.monotonic() + WAIT_SECONDS
        got: list[str] = []
        while len(got) < count:
            remaining = deadline - time.monotonic()
            assert remaining > 0 and self.process.poll() is None, (got, self.stderr_if_dead())
            try:
                got.append(self.lines.get(timeout=min(remaining, 0.5)))
            except queue.Empty:
                continue
        return got

    def stderr_if_dead(self) -> str:
        if self.process.poll() is None or self.process.stderr is None:
            return ""
        return self.process.stderr.read()

    def stop(self, signum: int) -> tuple[int, str]:
        """Send `signum`; returns the exit code and anything printed to stderr."""
        self.process.send_signal(signum)
        _, err = self.process.communicate(timeout=WAIT_SECONDS)
        self.reader.join(timeout=5)
        return self.process.returncode, err

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return cli_env(database_url, tmp_path)


@pytest.fixture
def tails() -> Iterator[list[Tail]]:
    started: list[Tail] = []
    yield started
    for tail in started:
        tail.kill()  # only if a failed assertion left it running


def caller(request_id: str) -> RequestContext:
    return RequestContext(user_id="f" * 32, project_id="e" * 32, request_id=request_id)


def created_project(cloud: Cloud, name: str, request_id: str) -> str:
    return cloud.identity.create_project(caller(request_id), name).id.hex


def test_jsonl_is_the_json_answer_one_event_per_line(cloud: Cloud, env: dict[str, str]) -> None:
    project_id = created_project(cloud, "exported", "req-exported")
    every = json.loads(run_audit(env, "--json", "--limit", "0"))
    lines = run_audit(env, "--jsonl", "--limit", "0").splitlines()
    assert [json.loads(line) for line in lines] == every
    assert len(every) == cloud.app.head()  # every event of the log, once, in order
    assert [e["position"] for e in every] == sorted(e["position"] for e in every)
    created = [e for e in every if (e["aggregate_type"], e["event"]) == ("Project", "Created")
               and e["aggregate_id"] == project_id]
    assert len(created) == 1 and created[0]["data"]["name"] == "exported"
    assert (created[0]["user_id"], created[0]["request_id"]) == ("f" * 32, "req-exported")

    filtered = run_audit(env, "--jsonl", "--request-id", "req-exported").splitlines()
    assert [json.loads(line) for line in filtered] == [
        e for e in every if e["request_id"] == "req-exported"]
    assert run_audit(env, "--jsonl", "--request-id", "req-nothing") == ""


def test_follow_prints_new_matching_events_until_sigterm(
    cloud: Cloud, env: dict[str, str], tails: list[Tail]
) -> None:
    first = created_project(cloud, "before-tail", "req-followed")
    tail = Tail(env, "--jsonl", "--request-id", "req-followed")
    tails.append(tail)
    before = [json.loads(line) for line in tail.next_lines(2)]  # project + its name claim
    assert first in {e["aggregate_id"] for e in before}

    # Appended after the tail printed its first answer: only the live tail can show them.
    created_project(cloud, "elsewhere", "req-other")
    second = created_project(cloud, "during-tail", "req-followed")
    after = [json.loads(line) for line in tail.next_lines(2)]
    assert {(e["aggregate_type"], e["event"]) for e in after} >= {("Project", "Created")}
    assert second in {e["aggregate_id"] for e in after}
    assert all(e["request_id"] == "req-followed" for e in before + after)
    assert [e["position"] for e in before + after] == sorted(
        {e["position"] for e in before + after})  # in log order, none twice

    # The same fields as --json gives for those events.
    as_json = json.loads(run_audit(env, "--json", "--request-id", "req-followed"))
    assert as_json == before + after

    code, err = tail.stop(signal.SIGTERM)
    assert (code, err) == (0, "")
    assert tail.lines.empty()  # the other request's events never came


def test_follow_table_continues_its_columns_and_ends_on_sigint(
    cloud: Cloud, env: dict[str, str], tails: list[Tail]
) -> None:
    tail = Tail(env, "--user", "f" * 32, "--limit", "1")
    tails.append(tail)
    header, dashes = tail.next_lines(2)  # nothing matches yet: the header alone
    assert header.split()[:2] == ["POSITION", "TIME"]
    project_id = created_project(cloud, "tabled", "req-tabled")
    rows = tail.next_lines(2)
    assert any(project_id in row for row in rows)
    created = next(row for row in rows if project_id in row)
    # The new rows sit under the header's columns.
    assert created.index("req-tabled") == header.index("REQUEST ID")
    assert len(dashes.split()) == len(header.split()) - 3  # three titles hold two words

    code, err = tail.stop(signal.SIGINT)
    assert (code, err) == (0, "")


def test_json_cannot_follow(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--json", "--follow"]) == 2
    assert "use --jsonl with --follow" in capsys.readouterr().err
    with pytest.raises(SystemExit) as both:
        main(["audit", "--json", "--jsonl"])
    assert both.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
