"""The profile breakdown's sorting and weighting, and the flame graph's trimming (bench/profile.py,
bench/profile_breakdown.py). py-spy itself never runs in the test suite."""

from __future__ import annotations

import json
from pathlib import Path

from bench.profile import trim
from bench.profile_breakdown import breakdown, part_of

SAVE = "Application.save (eventsourcing/application.py)"
ROUTE = "create (api/routers/compute_servers.py)"


def test_a_sample_goes_to_the_first_part_its_stack_matches() -> None:
    assert part_of("compute-worker-h1", ["Repository.get (eventsourcing/application.py)"]) \
        == "compute worker"
    assert part_of("AnyIO worker thread", [ROUTE, "BootService.boot (domain/b.py)", SAVE]) \
        == "event-store save"
    assert part_of("AnyIO worker thread", ["validate (api/auth.py)",
                                           "Repository.get (eventsourcing/application.py)"]) \
        == "auth/token and policy"
    assert part_of("AnyIO worker thread", [ROUTE, "BootService.boot (domain/b.py)"]) \
        == "command handling"
    assert part_of("MainThread", ["H11Protocol.data_received (uvicorn/h11_impl.py)"]) \
        == "HTTP and validation"


def test_each_thread_s_cpu_time_is_split_in_proportion_to_its_samples(tmp_path: Path) -> None:
    collapsed = tmp_path / "api_boot-x.txt"
    collapsed.write_text(
        f"process 1:\"serve\";thread (11): AnyIO worker thread;{ROUTE};{SAVE} 3\n"
        f"process 1:\"serve\";thread (11): AnyIO worker thread;{ROUTE} 1\n"
        "process 1:\"serve\";thread (12): projection-followers;run (projections/f.py) 5\n")
    (tmp_path / "api_boot-x-threads.json").write_text(json.dumps(
        {"samples_per_second": 100, "threads": {"11": 2.0, "12": 0.5, "13": 0.1}}))
    parts, unsampled, sampled = breakdown(collapsed)
    assert parts["event-store save"] == 1.5 and parts["HTTP and validation"] == 0.5
    assert parts["followers/projections"] == 0.5
    assert unsampled == 0.1 and sampled == 0.09


def test_trimming_drops_the_narrowest_frames_first(tmp_path: Path) -> None:
    def frame(name: str, width: int) -> str:
        return (f'<g><title>{name}</title><rect x="0%" y="0" width="1%" height="15" '
                f'fill="rgb(1,2,3)" fg:x="0" fg:w="{width}"/><text x="0%" y="0"></text></g>')
    svg = tmp_path / "graph.svg"
    svg.write_text('<svg total_samples="1000">' + frame("wide", 500)
                   + "".join(frame(f"narrow{n}", 1) for n in range(50)) + "</svg>")
    trim(svg, budget=1000)
    text = svg.read_text()
    assert "wide" in text and "narrow" not in text
