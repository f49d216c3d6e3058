"""Where a profiled boot's CPU goes: py-spy's samples (bench/profile.py) sorted into parts.

    python -m bench.profile_breakdown DIR/STEM.txt --boots 200

Each thread's CPU time (exact, from /proc, in DIR/STEM-threads.json) is split over the parts in
the proportion of that thread's samples (py-spy's --gil samples: the thread that holds the GIL,
so Python's own CPU; CPU spent with the GIL released, in SQLite, libpq or the kernel, follows
the Python frame that called it). A sample's part is the first rule in PARTS that one of its
frames matches, in this order, so a save inside a command counts as the save.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

# (part, thread name pattern, frame pattern): the first rule whose thread pattern matches the
# sample's thread and whose frame pattern matches one of its frames.
PARTS: list[tuple[str, str, str]] = [
    ("compute worker", r"compute-", r""),
    ("volume worker (no part in a boot)", r"volume-", r""),
    ("followers/projections", r"projection-followers", r""),
    ("bench watcher's GET /servers/detail", r"", r"^index_detail \(api/routers/compute_servers"),
    ("read-your-writes wait", r"", r"^(\S*read_your_writes|caught_up) "),
    ("auth/token and policy", r"",
     r"\((api/auth|api/policy|api/deps|api/app_credential_auth|api/trust_tokens|adapters/tokens"
     r"|adapters/keys|oslo_policy|cryptography|argon2)[/.]"),
    ("event-store save", r"", r"^(Application|SkyLedger)\.save "),
    ("aggregate loads (event-store reads)", r"", r"^Repository\.get "),
    ("other database calls (read models, tokens)", r"",
     r"\((eventsourcing/persistence|eventsourcing/sqlite|eventsourcing/postgres|psycopg"
     r"|psycopg_pool|sqlite3|projections)/"),
    ("command handling", r"", r"\(domain/"),
    ("serialisation", r"",
     r"\((api/responses|api/bodies)/|^(jsonable_encoder|serialize_response|JSONResponse\.render"
     r"|dumps|JSONEncoder\.encode|JSONEncoder\.iterencode|_prepare_response_content) "),
    ("HTTP and validation", r"", r""),
]

# Costs that run through every part: the CPU under these frames, in whichever thread.
ACROSS: list[tuple[str, str]] = [
    ("connection-pool check (a round trip per checkout)", r"^ConnectionPool\.check_connection "),
    ("aggregate loads (Repository.get)", r"^Repository\.get "),
    ("JSON (json module)", r"\(json/"),
]

THREAD = re.compile(r"^thread \((\d+)\)(?:: (.*))?$")
ACROSSED = "across: "  # a key prefix: these samples are counted in a part too


def part_of(thread: str, frames: list[str]) -> str:
    for part, thread_pattern, frame_pattern in PARTS:
        if thread_pattern and not re.search(thread_pattern, thread):
            continue
        if not frame_pattern or any(re.search(frame_pattern, f) for f in frames):
            return part
    return PARTS[-1][0]


def read_samples(collapsed: Path) -> tuple[dict[str, Counter[str]], dict[str, str]]:
    """Samples per thread id, by part; and each thread id's name."""
    samples: dict[str, Counter[str]] = defaultdict(Counter)
    names: dict[str, str] = {}
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if frames and frames[0].startswith("process "):
            frames = frames[1:]
        match = THREAD.match(frames[0]) if frames else None
        if match is None:
            continue
        tid, name = match.group(1), match.group(2) or ""
        names[tid] = name
        samples[tid][part_of(name, frames[1:])] += int(count)
        for label, pattern in ACROSS:
            if any(re.search(pattern, f) for f in frames[1:]):
                samples[tid][ACROSSED + label] += int(count)
    return samples, names


def breakdown(collapsed: Path) -> tuple[dict[str, float], float, float]:
    """CPU seconds by part; the CPU of threads without samples; seconds of GIL samples."""
    samples, _ = read_samples(collapsed)
    record = json.loads(collapsed.with_name(f"{collapsed.stem}-threads.json").read_text())
    cpu: dict[str, float] = record["threads"]
    parts: dict[str, float] = defaultdict(float)
    unsampled = 0.0
    for tid, seconds in cpu.items():
        counts = samples.get(tid)
        if not counts:
            unsampled += seconds
            continue
        total = sum(n for part, n in counts.items() if not part.startswith(ACROSSED))
        for part, n in counts.items():
            parts[part] += seconds * n / total
    sampled = sum(n for c in samples.values() for p, n in c.items()
                  if not p.startswith(ACROSSED)) / record["samples_per_second"]
    return parts, unsampled, sampled


def table(collapsed: Path, boots: int) -> str:
    parts, unsampled, sampled = breakdown(collapsed)
    total = sum(v for p, v in parts.items() if not p.startswith(ACROSSED)) + unsampled
    lines = ["| part | ms CPU per boot | share |", "| --- | ---: | ---: |"]
    order = [p for p, _, _ in PARTS if p in parts]
    for part in order:
        lines.append(f"| {part} | {parts[part] / boots * 1000:.1f} | "
                     f"{parts[part] / total:.0%} |")
    if unsampled:
        lines.append(f"| threads with no GIL sample | {unsampled / boots * 1000:.1f} | "
                     f"{unsampled / total:.0%} |")
    lines.append(f"| **total (process CPU time)** | **{total / boots * 1000:.1f}** | 100% |")
    for label, _ in ACROSS:
        seconds = parts.get(ACROSSED + label, 0.0)
        lines.append(f"| across the parts: {label} | {seconds / boots * 1000:.1f} | "
                     f"{seconds / total:.0%} |")
    lines.append(f"\n{sampled:.2f} s of GIL samples against {total:.2f} s of thread CPU "
                 f"({sampled / total:.0%}); {boots} boots")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile_breakdown",
                                description="Split a profiled server's CPU per boot into parts")
    p.add_argument("collapsed", type=Path, help="STEM.txt written by bench.api_boot --profile")
    p.add_argument("--boots", type=int, required=True, help="boots in the profiled span")
    args = p.parse_args(argv)
    print(table(args.collapsed, max(1, args.boots)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
