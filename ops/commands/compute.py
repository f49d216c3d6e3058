"""`skyledger compute`: one hypervisor host's compute worker, as a process of its own."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from types import FrameType
from typing import Any

from adapters.settings import Settings
from ops.commands import Subparsers


def positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def register(subparsers: Subparsers) -> None:
    p = subparsers.add_parser(
        "compute", help="run the compute worker of one hypervisor host",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Follow the event log and drive this host's hypervisor through libvirt:\n"
                    "spawn the instances scheduled here, carry out their actions, delete them,\n"
                    "record every outcome as an event, and reconcile what the hypervisor holds\n"
                    "with the events. Registers the host (capacity from libvirt) and sends a\n"
                    "heartbeat every $SKYLEDGER_REPORT_INTERVAL seconds. Killed at any moment,\n"
                    "it resumes from its tracking position in the database on restart.\n\n"
                    "One worker per host: a second one for the same host refuses to start.\n"
                    "SIGTERM or SIGINT stop it after the action in progress is recorded.\n\n"
                    "The event store is the one $SKYLEDGER_DATABASE_URL names (default: the\n"
                    "SQLite file in $SKYLEDGER_DATA_DIR); image files are read from\n"
                    "$SKYLEDGER_DATA_DIR/images.",
        epilog="examples:\n"
               "  skyledger compute --host node1 --libvirt-uri qemu:///system\n"
               "  skyledger compute --host az2-node7 --libvirt-uri qemu:///system "
               "--availability-zone az2")
    p.add_argument("--host", help="this compute host's name (default: $SKYLEDGER_HOST or the "
                                  "machine's hostname)")
    p.add_argument("--libvirt-uri", metavar="URI",
                   help="hypervisor to drive (default: $SKYLEDGER_LIBVIRT_URI, test:///default)")
    p.add_argument("--availability-zone", metavar="AZ",
                   help="zone to register the host in (default: $SKYLEDGER_AVAILABILITY_ZONE)")
    p.add_argument("--state-dir", metavar="DIR",
                   help="where guest disks and console logs go (default: "
                        "$SKYLEDGER_DATA_DIR/instances/HOST)")
    p.add_argument("--reconcile-interval", type=positive, default=10.0, metavar="S",
                   help="seconds between reconciler passes (default 10)")
    p.add_argument("--console-interval", type=positive, default=2.0, metavar="S",
                   help="seconds between console-output refreshes (default 2)")
    p.add_argument("--stop-timeout", type=float, default=5.0, metavar="S",
                   help="seconds a stop waits for the guest to shut down before forcing it "
                        "off (default 5; 0 forces at once)")
    p.add_argument("--destroy-unknown-guests", action="store_true",
                   help="also destroy guests whose uuid names no instance (default: only report "
                        "them, as they may belong to another tool)")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ops.bootstrap import Composition
    from ops.roles.compute import HostBusy

    stop = stop_on_signals()  # before the ready line: a supervisor may stop us right after it
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings.from_env(**({"availability_zone": args.availability_zone}
                                    if args.availability_zone else {}))
    with Composition(settings) as roles:
        try:
            compute = roles.compute(
                host=args.host, uri=args.libvirt_uri,
                state_dir=Path(args.state_dir) if args.state_dir else None,
                reconcile_interval=args.reconcile_interval,
                console_interval=args.console_interval, stop_timeout=args.stop_timeout,
                destroy_unknown_guests=args.destroy_unknown_guests)
        except HostBusy as busy:
            print(f"skyledger compute: {busy}", flush=True)
            return 1
        worker = compute.worker
        print(f"skyledger compute: host {worker.host} on "
              f"{args.libvirt_uri or settings.libvirt_uri}, following the event log from "
              f"position {worker.position}", flush=True)
        try:
            return run_until_stopped(compute, stop)
        finally:
            print(f"skyledger compute: host {worker.host} stopped at position "
                  f"{worker.position}", flush=True)


def run_until_stopped(host_process: Any, stop: threading.Event) -> int:
    """Start a host process (compute worker, network agent) and keep it until `stop` is set
    (see stop_on_signals); 1 when one of its threads died, so that a supervisor restarts it."""
    host_process.start()
    try:
        while not stop.wait(0.5):
            if not host_process.running:
                return 1
    finally:
        host_process.stop()
    return 0


def stop_on_signals() -> threading.Event:
    """An event the first SIGTERM/SIGINT sets, asking for a clean stop; a second one kills at
    once. Installed before a host command opens anything, so that a stop during start-up (the
    store, libvirt) is clean too: the process starts, stops at once and exits 0."""
    stop = threading.Event()

    def handler(signum: int, _frame: FrameType | None) -> None:
        stop.set()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop
