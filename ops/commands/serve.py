"""`skyledger serve`: the API with every worker in the same process (the embedded default)."""

from __future__ import annotations

import argparse

from adapters.logging_json import configure as configure_logging
from adapters.settings import Settings
from ops.commands import Subparsers


def register(subparsers: Subparsers) -> None:
    p = subparsers.add_parser(
        "serve",
        help="run the API server, the read-model followers and a compute worker",
        description="Run the OpenStack-compatible API (default 127.0.0.1:8774) with the "
        "projection followers in the same process, and (unless "
        "SKYLEDGER_EMBEDDED_COMPUTE=0) a compute worker for $SKYLEDGER_LIBVIRT_URI "
        "as host $SKYLEDGER_HOST. The first start bootstraps the "
        "admin project and user, the m1.* flavors and $SKYLEDGER_DATA_DIR/clouds.yaml.",
    )
    p.add_argument("--bind", help="HOST:PORT to listen on (default: $SKYLEDGER_BIND)")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="API worker processes on the same address (default 1). One process runs "
                        "Python on one core; more use more cores. The compute worker still runs "
                        "once, in the parent process")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app
    from api.route_warmup import warm_at_start
    from ops.bootstrap import build
    from ops.commands.serve_workers import KEEP_ALIVE_SECONDS, uvicorn_logging
    from ops.embedded import (
        start_control_heartbeat,
        start_embedded_compute,
        start_embedded_image_import,
        start_embedded_network,
        start_embedded_volume,
    )
    from ops.first_start import clouds_yaml_path, ensure_bootstrapped, first_command

    settings = Settings.from_env(**({"bind": args.bind} if args.bind else {}))
    if settings.log_format not in ("text", "json"):
        raise SystemExit("skyledger serve: SKYLEDGER_LOG_FORMAT must be text or json")
    configure_logging(args.log_level, settings.log_format)
    if args.workers < 1:
        raise SystemExit("skyledger serve: --workers must be 1 or more")
    # With worker processes, each runs its own read-model followers; the parent needs none.
    cloud = build(settings, follow=args.workers == 1)
    try:
        generated = ensure_bootstrapped(cloud)
        if generated is not None:
            print(f"skyledger: generated admin password (shown once): {generated}", flush=True)
        print(
            f"skyledger: clouds.yaml at {clouds_yaml_path(cloud).absolute()} "
            f"(cloud name 'skyledger')",
            flush=True,
        )
        if start_embedded_compute(cloud) is not None:
            print(
                f"skyledger: compute worker for host {settings.host} on {settings.libvirt_uri}",
                flush=True,
            )
        if start_embedded_volume(cloud) is not None:
            print(f"skyledger: volume worker for host {settings.host}, pool "
                  f"{settings.volume_pool} on {settings.volume_uri}", flush=True)
        start_embedded_image_import(cloud)
        if start_embedded_network(cloud) is not None:
            print(f"skyledger: network agent for host {settings.host}"
                  + (f" in namespace {settings.network_namespace}"
                     if settings.network_namespace else ""), flush=True)
        print(f"skyledger: API on http://{settings.bind}"
              + (f" ({args.workers} worker processes)" if args.workers > 1 else ""), flush=True)
        print(f"skyledger: try it from another shell: {first_command(clouds_yaml_path(cloud))}"
              "  (README.md, Quick start)", flush=True)
        if args.workers > 1:  # each worker process beats for the control services it is
            from ops.commands.serve_workers import run_workers

            run_workers(settings, args.workers, args.log_level)
            return 0
        start_control_heartbeat(cloud)
        uvicorn.run(
            warm_at_start(create_app(cloud)),
            host=settings.bind_host,
            port=settings.port,
            log_level=args.log_level,
            access_log=False,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            **uvicorn_logging(settings),
        )
    finally:
        cloud.close()
    return 0
