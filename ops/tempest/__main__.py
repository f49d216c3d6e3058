"""`ops/conformance`: OpenStack's Tempest against a skyledger of its own, as a number.

Starts `skyledger serve` with a fresh data dir, sets the cloud up as devstack would, writes a
tempest.conf with a stock devstack's feature set, runs the selected tests, prints a table per
service and the failures grouped by cause, keeps the subunit stream, a JUnit XML and the report
in the run directory, and stops the server. `--ratchet` runs the list of tests that must pass
(tests/conformance/passing.txt) and fails when any of them does not.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ops.commands.projections import format_table
from ops.tempest import cloud as cloud_setup
from ops.tempest import config, results, selection
from ops.tempest.image_server import bind_loopback, serving
from ops.tempest.network_host import network_host
from ops.tempest.runner import Tempest, skyledger

ROOT = Path(__file__).resolve().parents[2]
RATCHET = ROOT / "tests" / "conformance" / "passing.txt"
INTEROP_DIR = ROOT.parent / "shared" / "conformance"
INTEROP_REQUIRED = "interop-2020.06-os_powered_compute-required.txt"
INTEROP_FLAGGED = "interop-2020.06-os_powered_compute-flagged.txt"
# What each run directory keeps beside Tempest's workspace.
SUBUNIT, JUNIT, GAPS = "results.subunit", "results.xml", "setup-gaps.txt"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ops/conformance", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--service", action="append", choices=results.SERVICES,
                       help="only this service's API tests (repeatable); default: all five")
    which.add_argument("--regex", help="tests whose id matches this regular expression")
    which.add_argument("--interop", action="store_true",
                       help="the interop guideline's required 'OpenStack Powered Compute' tests "
                            f"less the flagged ones ({INTEROP_DIR}/{INTEROP_REQUIRED})")
    which.add_argument("--load-list", type=Path, help="a file of test names, one a line")
    which.add_argument("--ratchet", action="store_true",
                       help=f"the tests that must pass ({RATCHET.relative_to(ROOT)}); "
                            "exit 1 if any of them does not")
    which.add_argument("--report", type=Path, metavar="RUN_DIR",
                       help="print the report of an earlier run again, running nothing")
    p.add_argument("--update-ratchet", action="store_true",
                   help="add every test that passed in this run to the ratchet list "
                        "(it only grows)")
    p.add_argument("--concurrency", type=int, default=2, help="Tempest workers (default 2)")
    p.add_argument("--workdir", type=Path, default=ROOT / "var" / "conformance",
                   help="where each run keeps its directory (default var/conformance)")
    p.add_argument("--tempest-venv", type=Path, default=ROOT / ".venv-tempest",
                   help="the virtual environment with Tempest (ops/conformance makes it)")
    p.add_argument("--max-causes", type=int, default=40,
                   help="failure groups to print (all are in report.txt)")
    return p


def select(args: argparse.Namespace, all_ids: list[str]) -> selection.Selection:
    if args.regex:
        return selection.Selection(selection.by_regex(all_ids, args.regex))
    if args.interop:
        return selection.interop(all_ids, INTEROP_DIR / INTEROP_REQUIRED,
                                 INTEROP_DIR / INTEROP_FLAGGED)
    if args.load_list or args.ratchet:
        names = selection.read_names(args.load_list or RATCHET)
        return selection.by_names(all_ids, names)
    return selection.Selection(selection.api_tests(all_ids, args.service or results.SERVICES))


def report(run: results.Run, gaps: list[str], max_causes: int) -> tuple[str, str]:
    """(what to print, the whole report for report.txt)."""
    rows = results.table(run)
    head = format_table(("SERVICE", "SELECTED", "PASSED", "FAILED", "SKIPPED",
                         "SETUP ERRORS", "NOT RUN"), rows)
    parts = [head]
    if gaps:
        parts.append("Set-up steps devstack does that the API refused:\n" +
                     "\n".join(f"  {g}" for g in gaps))
    groups = results.failure_groups(run)

    def listing(limit: int | None) -> str:
        shown = groups if limit is None else groups[:limit]
        lines = [f"{len(ids):5d}  {cause}" for cause, ids in shown]
        if limit is not None and len(groups) > limit:
            lines.append(f"  ... {len(groups) - limit} more causes in report.txt")
        return "Failures by cause (tests broken, cause):\n" + "\n".join(lines)

    full = [*parts]
    if groups:
        parts.append(listing(max_causes))
        full.append(listing(None))
        full.append("Failed tests by cause:\n" + "\n".join(
            f"{cause}\n" + "\n".join(f"    {t}" for t in ids) for cause, ids in groups))
    return "\n\n".join(parts), "\n\n".join(full)


def update_ratchet(passed: set[str]) -> int:
    current = set(selection.read_names(RATCHET)) if RATCHET.exists() else set()
    added = passed - current
    RATCHET.parent.mkdir(parents=True, exist_ok=True)
    RATCHET.write_text("".join(f"{n}\n" for n in sorted(current | passed)))
    return len(added)


def execute(args: argparse.Namespace) -> tuple[Path, list[str]] | None:
    """Runs Tempest; returns the run directory and the tests that were selected but are not in
    Tempest, or None when nothing was selected."""
    run_dir = args.workdir / time.strftime("run-%Y%m%d-%H%M%S")
    run_dir.mkdir(parents=True, exist_ok=False)
    tempest = Tempest(args.tempest_venv, run_dir / "tempest")
    conf_path = tempest.init()
    print(f"ops/conformance: run directory {run_dir}", file=sys.stderr)
    image_path = "/images/cirros-0.6.2-x86_64-disk.img"
    files = {image_path: cloud_setup.tiny_disk(run_dir).read_bytes()}
    # Web-download imports may fetch from this run's loopback server only.
    # The network host outlives the server: its namespaces go once the agent has stopped.
    with serving(bind_loopback(files)) as images, network_host() as network_env, \
            skyledger(run_dir, {"SKYLEDGER_IMPORT_ALLOWED_HOSTS": images.host,
                                **network_env}) as server:
        cloud = cloud_setup.set_up(server.url, server.password, run_dir, images.url(image_path))
        (run_dir / GAPS).write_text("".join(f"{g}\n" for g in cloud.gaps))
        config.write(conf_path, cloud, run_dir / "locks")
        chosen = select(args, tempest.list_tests())
        if chosen.unknown:
            print(f"ops/conformance: {len(chosen.unknown)} listed tests are not in Tempest:\n" +
                  "\n".join(f"  {n}" for n in chosen.unknown), file=sys.stderr)
        if not chosen.ids:
            print("ops/conformance: no test selected", file=sys.stderr)
            return None
        print(f"ops/conformance: {len(chosen.ids)} tests against {server.url}, "
              f"concurrency {args.concurrency}", file=sys.stderr)
        tempest.run(chosen.ids, args.concurrency, run_dir / "tempest-output.txt")
    tempest.export(run_dir / SUBUNIT, run_dir / JUNIT)
    return run_dir, chosen.unknown


def read_run(run_dir: Path) -> results.Run:
    tempest = run_dir / "tempest"
    selected = (tempest / "load-list.txt").read_text().split()
    run = results.read_junit(run_dir / JUNIT, selected)
    results.read_log(tempest / "tempest.log", run)
    return run


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    unknown: list[str] = []
    if args.report:
        run_dir = args.report
    else:
        executed = execute(args)
        if executed is None:
            return 2
        run_dir, unknown = executed
    run = read_run(run_dir)
    gaps_file = run_dir / GAPS
    gaps = gaps_file.read_text().splitlines() if gaps_file.exists() else []
    shown, full = report(run, gaps, args.max_causes)
    (run_dir / "report.txt").write_text(full + "\n")
    print(shown)
    print(f"\nsubunit: {run_dir / SUBUNIT}\njunit:   {run_dir / JUNIT}\n"
          f"report:  {run_dir / 'report.txt'}")
    if args.update_ratchet:
        print(f"ratchet: {update_ratchet(run.passed())} tests added to {RATCHET}")
    if args.ratchet:
        missing = sorted({results.name_of(t) for t in run.selected} - run.passed()) + unknown
        if missing:
            print(f"\nRATCHET BROKEN: {len(missing)} of the tests that must pass did not:\n" +
                  "\n".join(f"  {n}" for n in missing))
            return 1
        print(f"\nratchet holds: all {len(run.selected)} tests passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
