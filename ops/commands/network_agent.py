"""`skyledger network-agent`: the network process manager for one host, as its own process."""

from __future__ import annotations

import argparse
import logging

from adapters.settings import Settings
from ops.commands import Subparsers
from ops.commands.compute import run_until_stopped, stop_on_signals


def register(subparsers: Subparsers) -> None:
    p = subparsers.add_parser(
        "network-agent", help="run the network agent of one host (segments, DHCP, NAT)",
        description="Follow the event log and, for this host only, build each project network's "
                    "segment ($SKYLEDGER_SEGMENT_TYPE on $SKYLEDGER_PHYSICAL_INTERFACE) and "
                    "bridge, run its dnsmasq with a reservation per port, and apply floating-IP "
                    "DNAT/SNAT with nftables; a reconciler restores what was deleted by hand and "
                    "records the drift. Resumes from its tracked position after a restart.")
    p.add_argument("--host", help="this host's name (default: $SKYLEDGER_HOST or the hostname)")
    p.add_argument("--netns", metavar="NS",
                   help="act inside this network namespace (default: $SKYLEDGER_NETWORK_NAMESPACE "
                        "or the host's own)")
    p.add_argument("--external-interface", metavar="IF",
                   help="where floating IPs are bound (default: $SKYLEDGER_EXTERNAL_INTERFACE)")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ops.bootstrap import Composition

    stop = stop_on_signals()  # before the ready line: a supervisor may stop us right after it
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    with Composition(Settings.from_env()) as roles:
        agent = roles.network_agent(host=args.host, netns=args.netns,
                                    external_interface=args.external_interface)
        print(f"skyledger network-agent: host {agent.agent.host} started", flush=True)
        try:
            return run_until_stopped(agent, stop)
        finally:
            print(f"skyledger network-agent: host {agent.agent.host} stopped", flush=True)
