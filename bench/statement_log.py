"""Statements and transactions per boot, counted from PostgreSQL's own statement log: counts
that do not depend on how busy the machine is (issue 18's levers 4-6, bench/README.md).

Set `ALTER DATABASE bench_perf3 SET log_statement = 'all'` once, note the log's line count,
run `python -m bench.api_boot --clients 1 --boots 1 --solo 20 --store postgres
--database-url postgresql://postgres@127.0.0.1:5432/bench_perf3`, then

    python -m bench.statement_log --from-line N [--to-line M] [--database bench_perf3]

The window runs from the first boot's event insert (Instance.Requested) to the last
Instance.Spawned insert; the boots counted are those whose request lies wholly inside it. A
BEGIN..COMMIT block is one transaction, any statement outside one another (autocommit).
Prints, never asserts.
"""

from __future__ import annotations

import argparse
import collections
import re
from collections.abc import Iterator

LOG = "/var/log/postgresql/postgresql-15-main.log"
KINDS = (("MAX(notification_id)", "SELECT MAX(notification_id): the log's head"),
         ("skyledger_snapshots", "snapshot read"),
         ("WHERE originator_id", "aggregate load"),
         ("notification_id>=", "notification log read"),
         ("process_positions", "process manager position save"),
         ("es_insert_events", "event insert"))


def entries(path: str, first: int, last: int | None, database: str) -> Iterator[list[str]]:
    """Each log entry (a header line and its continuation lines) of `database`."""
    with open(path, errors="replace") as log:
        lines = log.read().splitlines()[first:last]
    entry: list[str] = []
    for line in lines:
        if re.match(r"^\d{4}-\d\d-\d\d ", line):
            if entry and f"@{database} " in entry[0]:
                yield entry
            entry = [line]
        elif entry:
            entry.append(line)
    if entry and f"@{database} " in entry[0]:
        yield entry


def count(window: list[list[str]], boots: int) -> None:
    kinds: collections.Counter[str] = collections.Counter()
    open_block: dict[str, bool] = {}
    transactions = statements = 0
    for entry in window:
        head = entry[0]
        if "LOG:  " not in head or " DETAIL: " in head:
            continue
        pid = re.search(r"\[(\d+)\]", head)
        key = pid.group(1) if pid else ""
        text = re.sub(r"^(execute [^:]*|statement): ", "", head.split("LOG:  ", 1)[1])
        statements += 1
        if text.startswith("BEGIN"):
            open_block[key], transactions = True, transactions + 1
        elif text.startswith(("COMMIT", "ROLLBACK")):
            open_block[key] = False
        elif not open_block.get(key):
            transactions += 1
        kinds[next((what for marker, what in KINDS if marker in text), "other")] += 1
    print(f"{boots} boots: {transactions / boots:.1f} transactions and "
          f"{statements / boots:.1f} statements per boot")
    for what, n in kinds.most_common():
        print(f"{n / boots:8.1f}  {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--log", default=LOG)
    parser.add_argument("--from-line", type=int, required=True)
    parser.add_argument("--to-line", type=int, default=None)
    parser.add_argument("--database", default="bench_perf3")
    args = parser.parse_args()
    found = list(entries(args.log, args.from_line, args.to_line, args.database))

    def inserted(topic: str) -> list[int]:
        return [i for i, e in enumerate(found) if " DETAIL: " in e[0] and topic in "\n".join(e)]
    requested, spawned = inserted("Instance.Requested"), inserted("Instance.Spawned")
    if len(requested) < 2 or not spawned:
        raise SystemExit("no boots in that part of the log")
    count(found[requested[0]:spawned[-1] + 1], len(requested) - 1)


if __name__ == "__main__":
    main()
