"""Read a Tempest run back: its JUnit XML (converted from the subunit stream) and tempest.log.

The table counts, per service, the selected tests that passed, failed, were skipped, and those
that never ran because their class's set-up failed. Failures are grouped by cause, so one missing
route shows up once with the number of tests it breaks:
- `GET /compute/v2.1/images/{id} -> 404`: the last request the failing test made that got a 4xx
  or 5xx (from tempest.log, which names the test behind every request);
- `schema: ...`: a response Tempest's response schema (or expected status) rejected;
- otherwise the exception and its first line.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

SERVICES = ("identity", "compute", "image", "network", "volume")
_SETUP_CLASS = re.compile(r"^(?:setUpClass|tearDownClass) \((?P<cls>[\w.]+)\)$")
_REQUEST = re.compile(r"Request \((?P<caller>[\w]+:[\w]+)\): (?P<status>\d{3}) (?P<method>[A-Z]+) "
                      r"(?P<url>\S+)")
_ID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}|"
                 r"(?<=/)[0-9a-f]{32}(?=/|$|\?)|(?<=/)\d+(?=/|$|\?)")
_SCHEMA = ("InvalidHTTPResponseBody", "ValidationError", "InvalidHttpSuccessCode",
           "Failed validating")
# `tempest.lib.exceptions.NotFound: Object not found`, `AssertionError: ...`, `KeyError: 'x'`
_EXCEPTION = re.compile(r"^(?:[a-z_][\w]*\.)+[A-Z]\w*(: |$)|^[A-Z]\w*(Error|Exception)(: |$)")
# The request body logged after a request line (Tempest logs it at debug level): its first key
# names a server action (`{"os-stop": null}`).
_ACTION = re.compile(r"Request - Headers: [^\n]*\n\s*Body: (?:b')?\{\"(?P<action>[\w:-]+)\"")


def name_of(test_id: str) -> str:
    """`tempest.api.x.Class.test_y[id-...,smoke]` -> `tempest.api.x.Class.test_y`."""
    return test_id.split("[", 1)[0]


def service_of(test_id: str) -> str:
    match = _SETUP_CLASS.match(test_id)
    parts = (match.group("cls") if match else test_id).split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["tempest", "api"] else "other"


@dataclass
class Outcome:
    test_id: str
    status: str  # passed | failed | skipped
    detail: str = ""


@dataclass
class Run:
    selected: list[str]
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    # class path -> the set-up failure that kept its tests from running
    setup_failures: dict[str, Outcome] = field(default_factory=dict)
    # "Class:test_x" -> the requests that test made, in order (status, method, url)
    requests: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)

    def passed(self) -> set[str]:
        return {name_of(t) for t, o in self.outcomes.items() if o.status == "passed"}

    def not_run(self) -> list[str]:
        return [t for t in self.selected if name_of(t) not in self._reported()]

    def _reported(self) -> set[str]:
        return {name_of(t) for t in self.outcomes}


def read_junit(path: Path, selected: list[str]) -> Run:
    run = Run(selected=selected)
    for case in ET.parse(path).getroot().iter("testcase"):
        test_id = f"{case.get('classname', '')}.{case.get('name', '')}".lstrip(".")
        if _SETUP_CLASS.match(case.get("name", "")):
            test_id = case.get("name", "")
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        skipped = case.find("skipped")
        if problem is not None:
            outcome = Outcome(test_id, "failed", (problem.text or problem.get("message") or ""))
        elif skipped is not None:
            outcome = Outcome(test_id, "skipped", skipped.text or skipped.get("message") or "")
        else:
            outcome = Outcome(test_id, "passed")
        setup = _SETUP_CLASS.match(test_id)
        if setup:
            if outcome.status == "failed":
                run.setup_failures[setup.group("cls")] = outcome
            continue
        run.outcomes[test_id] = outcome
    return run


def read_log(path: Path, run: Run) -> None:
    if not path.exists():
        return
    with path.open(errors="replace") as log:
        for line in log:
            match = _REQUEST.search(line)
            if match:
                run.requests.setdefault(match.group("caller"), []).append(
                    (int(match.group("status")), match.group("method"), match.group("url")))


def table(run: Run) -> list[tuple[str, int, int, int, int, int, int]]:
    """(service, selected, passed, failed, skipped, set-up errors, not run), plus a total row."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for test_id in run.selected:
        counts[service_of(test_id)]["selected"] += 1
    for outcome in run.outcomes.values():
        counts[service_of(outcome.test_id)][outcome.status] += 1
    for cls in run.setup_failures:
        counts[service_of(f"setUpClass ({cls})")]["setup"] += 1
    for test_id in run.not_run():
        counts[service_of(test_id)]["not_run"] += 1
    order = [s for s in SERVICES if s in counts] + sorted(set(counts) - set(SERVICES))
    total: Counter[str] = Counter()
    for s in order:
        total.update(counts[s])
    return [_row(s, counts[s]) for s in order] + [_row("total", total)]


def _row(service: str, counts: Counter[str]) -> tuple[str, int, int, int, int, int, int]:
    return (service, counts["selected"], counts["passed"], counts["failed"], counts["skipped"],
            counts["setup"], counts["not_run"])


def _path_of(url: str) -> str:
    path = re.sub(r"^https?://[^/]+", "", url)
    path = re.sub(r"\?\S*", "", path)
    return _ID.sub("{id}", path)


def _exception_line(detail: str) -> str:
    """The traceback's final `module.SomeError: message` line, with the `Details:` line Tempest's
    exceptions add (cut before any dump of headers or body), ids blanked out."""
    lines = [ln.strip() for ln in detail.strip().splitlines() if ln.strip()]
    for i in range(len(lines) - 1, -1, -1):
        if _EXCEPTION.match(lines[i]):
            text = lines[i]
            if i + 1 < len(lines) and lines[i + 1].startswith("Details:"):
                text += " " + lines[i + 1].split(" - {", 1)[0]
            return _ID.sub("{id}", text)[:200]
    return _ID.sub("{id}", lines[-1])[:200] if lines else "no detail"


def _calls(run: Run, outcome: Outcome, caller: str) -> list[tuple[int, str, str]]:
    """The requests of this test: from its own captured log when Tempest attached it, otherwise
    from tempest.log by the test's name."""
    own = []
    for match in _REQUEST.finditer(outcome.detail):
        if match.group("caller").endswith(":_run_cleanups"):
            continue  # clean-ups after the failure: the failing request came before them
        url = match.group("url")
        if url.endswith("/action"):
            body = _ACTION.match(outcome.detail, match.end() + outcome.detail[match.end():]
                                 .find("Request - Headers"))
            url += f" ({body.group('action')})" if body else ""
        own.append((int(match.group("status")), match.group("method"), url))
    return own or run.requests.get(caller, [])


def cause(run: Run, outcome: Outcome, caller: str) -> str:
    detail = outcome.detail
    calls = _calls(run, outcome, caller)
    last = calls[-1] if calls else None
    where = f" {last[1]} {_path_of(last[2])}" if last else ""
    if any(marker in detail for marker in _SCHEMA):
        return f"schema:{where}: {_exception_line(detail)}"
    if "InvalidHTTPResponseHeader" in detail:
        return f"header:{where}: {_exception_line(detail)}"
    # An HTTP error raised by Tempest's REST client: the test's last request that failed.
    # Clean-ups inside a failed set-up (deleting what it made) may follow it: a DELETE is
    # taken only when nothing else failed.
    failed = [c for c in calls if c[0] >= 400]
    failed = [c for c in failed if c[1] != "DELETE"] or failed
    if "tempest.lib.exceptions." in _exception_line(detail) and failed:
        status, method, url = failed[-1]
        return f"{method} {_path_of(url)} -> {status}"
    return _exception_line(detail)


def _caller(test_id: str) -> str:
    setup = _SETUP_CLASS.match(test_id)
    if setup:
        return f"{setup.group('cls').rsplit('.', 1)[-1]}:setUpClass"
    parts = name_of(test_id).split(".")
    return f"{parts[-2]}:{parts[-1]}"


def failure_groups(run: Run) -> list[tuple[str, list[str]]]:
    """(cause, test ids) for every failed test and every failed class set-up, largest first."""
    groups: dict[str, list[str]] = defaultdict(list)
    failed = [o for o in run.outcomes.values() if o.status == "failed"]
    for outcome in [*failed, *run.setup_failures.values()]:
        groups[cause(run, outcome, _caller(outcome.test_id))].append(outcome.test_id)
    return sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
