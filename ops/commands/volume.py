"""`skyledger volume`: one storage host's volume worker, as a process of its own."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from adapters.settings import Settings
from ops.commands import Subparsers
from ops.commands.compute import positive, run_until_stopped, stop_on_signals


def register(subparsers: Subparsers) -> None:
    p = subparsers.add_parser(
        "volume", help="run the volume worker of one storage host",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Follow the event log and carry out the volume requests of this storage\n"
                    "host in its libvirt storage pool: create volumes (empty, or from an image\n"
                    "of the image store), extend and delete them, and record every outcome as\n"
                    "an event. A reconciler compares the pool with the events: a volume missing\n"
                    "from the pool goes to error (event Lost); a pool volume no event explains\n"
                    "is only reported. Killed at any moment, it resumes from its tracking\n"
                    "position in the database on restart.\n\n"
                    "One worker per host: a second one for the same host refuses to start.\n"
                    "SIGTERM or SIGINT stop it after the action in progress is recorded.\n\n"
                    "The event store is the one $SKYLEDGER_DATABASE_URL names (default: the\n"
                    "SQLite file in $SKYLEDGER_DATA_DIR); image files are read from\n"
                    "$SKYLEDGER_DATA_DIR/images.",
        epilog="examples:\n"
               "  skyledger volume --host storage1 --libvirt-uri qemu:///system\n"
               "  skyledger volume --host node1 --pool cinder --pool-dir /srv/volumes")
    p.add_argument("--host", help="this storage host's name, as volumes record it (default: "
                                  "$SKYLEDGER_HOST or the machine's hostname)")
    p.add_argument("--pool", metavar="NAME",
                   help="libvirt storage pool holding the volumes; made as a directory pool at "
                        "--pool-dir if libvirt has none of that name (default: "
                        "$SKYLEDGER_VOLUME_POOL, skyledger-volumes)")
    p.add_argument("--pool-dir", metavar="DIR",
                   help="directory of a pool made here (default: $SKYLEDGER_VOLUME_POOL_DIR, "
                        "$SKYLEDGER_DATA_DIR/volumes)")
    p.add_argument("--libvirt-uri", metavar="URI",
                   help="libvirt connection the pool lives in (default: "
                        "$SKYLEDGER_VOLUME_LIBVIRT_URI, else $SKYLEDGER_LIBVIRT_URI)")
    p.add_argument("--reconcile-interval", type=positive, default=10.0, metavar="S",
                   help="seconds between reconciler passes (default 10)")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from domain.storage.backends import VolumeBackendError
    from ops.bootstrap import Composition
    from ops.roles.storage import VolumeHostBusy

    stop = stop_on_signals()  # before the ready line: a supervisor may stop us right after it
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings.from_env()
    with Composition(settings) as roles:
        try:
            volumes = roles.volume(host=args.host, uri=args.libvirt_uri, pool=args.pool,
                                   pool_dir=Path(args.pool_dir) if args.pool_dir else None,
                                   reconcile_interval=args.reconcile_interval)
        except (VolumeHostBusy, VolumeBackendError) as error:
            print(f"skyledger volume: {error}", flush=True)
            return 1
        worker = volumes.worker
        print(f"skyledger volume: host {worker.host}, pool {args.pool or settings.volume_pool} "
              f"on {args.libvirt_uri or settings.volume_uri}, following the event log from "
              f"position {worker.position}", flush=True)
        try:
            return run_until_stopped(volumes, stop)
        finally:
            print(f"skyledger volume: host {worker.host} stopped at position {worker.position}",
                  flush=True)
