"""Router advertisements from a router's namespace, as Neutron's L3 agent sends them: one radvd
per router namespace (neutron/agent/linux/ra.py), advertising each IPv6 leg whose subnet has an
`ipv6_ra_mode`, so a guest on a `slaac` subnet configures its address and default route itself.

Its files are `state_dir/<namespace>.conf`, `.pid` and `.log`. As for dnsmasq, the pid file is
trusted only while /proc shows a live radvd started with that configuration; a changed
configuration is written and radvd told to reload it (SIGHUP); a router with no advertised leg
runs none.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from adapters.network.dnsmasq import started_with
from adapters.network.namespaces import run_in
from domain.network.backends import NetworkError
from domain.network.router_backend import RouterLeg, interface_name
from domain.process.effects import record

STOP_TIMEOUT_S = 5.0
# Neutron's defaults (min_rtr_adv_interval, max_rtr_adv_interval).
MIN_INTERVAL, MAX_INTERVAL = 30, 100
FLAGS = {"slaac": "", "dhcpv6-stateless": "   AdvOtherConfigFlag on;\n",
         "dhcpv6-stateful": "   AdvManagedFlag on;\n"}


def render(legs: tuple[RouterLeg, ...]) -> str:
    """radvd.conf for the advertised legs: each leg's prefix, autonomous (SLAAC) unless the
    subnet's addresses come from DHCPv6 (stateful), as Neutron's template has it."""
    blocks = []
    for leg in legs:
        mode = leg.ra_mode or "slaac"
        autonomous = "off" if mode == "dhcpv6-stateful" else "on"
        blocks.append(
            f"interface {interface_name(leg)}\n{{\n   AdvSendAdvert on;\n"
            f"   MinRtrAdvInterval {MIN_INTERVAL};\n   MaxRtrAdvInterval {MAX_INTERVAL};\n"
            f"{FLAGS.get(mode, '')}"
            f"   prefix {leg.address.network}\n   {{\n        AdvOnLink on;\n"
            f"        AdvAutonomous {autonomous};\n   }};\n}};\n")
    return "".join(blocks)


class RouterAdvertisements:
    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir

    def ensure(self, namespace: str, legs: tuple[RouterLeg, ...]) -> None:
        if not legs:
            self.stop(namespace)
            return
        config, text = self._config(namespace), render(legs)
        pid = self._pid(namespace)
        changed = not config.is_file() or config.read_text() != text
        if changed:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            config.write_text(text)
            config.chmod(0o644)  # radvd refuses a configuration others may write
        if pid is None:
            self._start(namespace)
        elif changed:
            os.kill(pid, signal.SIGHUP)
            record("radvd", "reload", namespace, pid=pid)

    def stop(self, namespace: str) -> None:
        pid = self._pid(namespace)
        if pid is not None:
            # On SIGTERM radvd sends a last advertisement with lifetime 0: hosts drop the route.
            os.kill(pid, signal.SIGTERM)
            record("radvd", "stop", namespace, pid=pid)
            deadline = time.monotonic() + STOP_TIMEOUT_S
            while self._pid(namespace) == pid:
                if time.monotonic() > deadline:
                    os.kill(pid, signal.SIGKILL)
                    break
                time.sleep(0.02)
        for path in (self._config(namespace), self._pidfile(namespace), self._log(namespace)):
            path.unlink(missing_ok=True)

    def advertising(self, namespace: str) -> frozenset[str]:
        """The legs the running radvd's configuration names (none when it is not running)."""
        if self._pid(namespace) is None:
            return frozenset()
        return frozenset(line.split()[1] for line in self._config(namespace).read_text()
                         .splitlines() if line.startswith("interface "))

    def _start(self, namespace: str) -> None:
        pidfile = self._pidfile(namespace)
        pidfile.unlink(missing_ok=True)
        # radvd checks its configuration before its parent exits (a bad one: non-zero), but
        # its daemon writes the pid file after: wait for that, boundedly.
        result = run_in(namespace, ["radvd", f"--config={self._config(namespace)}",
                                    f"--pidfile={pidfile}", "--logmethod=logfile",
                                    f"--logfile={self._log(namespace)}"])
        deadline = time.monotonic() + STOP_TIMEOUT_S
        pid = self._pid(namespace)
        while result.returncode == 0 and pid is None and time.monotonic() < deadline:
            time.sleep(0.02)
            pid = self._pid(namespace)
        if result.returncode != 0 or pid is None:
            raise NetworkError(f"radvd in {namespace} failed to start ({result.returncode}): "
                               f"{result.stderr.strip()}")
        record("radvd", "start", namespace, pid=pid)

    def _pid(self, namespace: str) -> int | None:
        try:
            pid = int(self._pidfile(namespace).read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if started_with(pid, f"--config={self._config(namespace)}") else None

    def _config(self, namespace: str) -> Path:
        return self.state_dir / f"{namespace}.conf"

    def _pidfile(self, namespace: str) -> Path:
        return self.state_dir / f"{namespace}.pid"

    def _log(self, namespace: str) -> Path:
        return self.state_dir / f"{namespace}.log"
