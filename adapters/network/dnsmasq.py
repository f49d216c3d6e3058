"""The DhcpServer port over dnsmasq: one daemon per project network, inside a namespace.

Its files live in `state_dir/<network id>/` (see dnsmasq_config) for as long as the network is
served on this host: a restart or reload keeps them (the leases above all), and only `stop`, for
a network gone from this host, removes the directory. The pid file alone is not
trusted: a pid is only "our server" while /proc says that process is a live dnsmasq started with
our configuration file, so a stale pid file (after a reboot or a crash) never makes us signal,
or keep waiting on, a stranger.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from adapters.network.dnsmasq_config import (
    DnsmasqFiles,
    render_config,
    render_hosts,
    write_if_changed,
)
from adapters.network.namespaces import run_in
from domain.network.backends import DhcpHost, DhcpNetwork, NetworkError
from domain.process.effects import record

STOP_TIMEOUT_S = 5.0
_POLL_S = 0.02


class DhcpError(NetworkError):
    """dnsmasq would not start or stop (the message carries what it said)."""


@dataclass(frozen=True)
class Applied:
    """Digests of the configuration and hosts file the running server has actually loaded,
    recorded only after it was (re)started or signalled. Comparing against the files themselves
    would not do: an agent killed between writing them and signalling would, on replay, find
    them up to date and leave the server serving the old ones."""

    config: str
    hosts: str

    @classmethod
    def of(cls, config: str, hosts: str) -> Applied:
        return cls(_digest(config), _digest(hosts))

    @classmethod
    def read(cls, path: Path) -> Applied | None:
        try:
            config, hosts = path.read_text().split()
        except (FileNotFoundError, ValueError):
            return None
        return cls(config, hosts)

    def write(self, path: Path) -> None:
        write_if_changed(path, f"{self.config}\n{self.hosts}\n")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class DnsmasqDhcp:
    def __init__(self, state_dir: Path, netns: str | None = None, user: str = "root",
                 binary: str = "dnsmasq") -> None:
        self.state_dir = state_dir
        self.netns = netns
        self.user = user
        self.binary = binary

    def start(self, network: DhcpNetwork, hosts: Iterable[DhcpHost]) -> None:
        hosts = tuple(hosts)
        network.check_hosts(hosts)
        files = DnsmasqFiles.of(self.state_dir, network.network_id)
        files.directory.mkdir(parents=True, exist_ok=True)
        config, table = render_config(network, files, self.user), render_hosts(hosts)
        wanted, applied = Applied.of(config, table), Applied.read(files.applied)
        write_if_changed(files.config, config)
        write_if_changed(files.hosts, table)
        pid = self._pid(files)
        if pid is not None and applied is not None and applied.config == wanted.config:
            if applied.hosts != wanted.hosts:
                os.kill(pid, signal.SIGHUP)  # dnsmasq re-reads its dhcp-hostsfile on SIGHUP
                record("dnsmasq", "reload", network.network_id, pid=pid, hosts=len(hosts),
                       netns=self.netns)
        else:
            if pid is not None:
                self._terminate(pid, files)  # SIGHUP does not re-read the configuration file
            self._spawn(files)
        wanted.write(files.applied)

    def reload(self, network: DhcpNetwork, hosts: Iterable[DhcpHost]) -> None:
        # Same convergence as start: the hosts file is rewritten and SIGHUP sent when the
        # server runs as configured, and a dead or differently configured one is (re)started.
        self.start(network, hosts)

    def restart(self, network: DhcpNetwork, hosts: Iterable[DhcpHost]) -> None:
        files = DnsmasqFiles.of(self.state_dir, network.network_id)
        pid = self._pid(files)
        if pid is not None:
            self._terminate(pid, files)  # its directory, leases included, stays for the new one
        self.start(network, hosts)

    def stop(self, network_id: str) -> None:
        files = DnsmasqFiles.of(self.state_dir, network_id)
        pid = self._pid(files)
        if pid is not None:
            self._terminate(pid, files)
        # Removed only once the server is gone, so a kill in between leaves a directory
        # without a server, which `known` still reports and a later stop removes.
        if files.directory.is_dir():
            shutil.rmtree(files.directory)
            record("dnsmasq", "remove state", network_id, netns=self.netns)

    def running(self) -> set[str]:
        return {network_id for network_id in self.known()
                if self._pid(DnsmasqFiles.of(self.state_dir, network_id)) is not None}

    def known(self) -> set[str]:
        if not self.state_dir.is_dir():
            return set()
        return {entry.name for entry in self.state_dir.iterdir() if entry.is_dir()}

    def pid(self, network_id: str) -> int | None:
        """The live server's pid (for tests and diagnostics)."""
        return self._pid(DnsmasqFiles.of(self.state_dir, network_id))

    # -- the process -----------------------------------------------------------------------------
    def _spawn(self, files: DnsmasqFiles) -> None:
        files.pid.unlink(missing_ok=True)
        # dnsmasq checks its configuration and binds its sockets before its parent exits, so a
        # zero exit status means it serves; and it daemonises, so nothing is left for us to reap.
        result = run_in(self.netns, [self.binary, f"--conf-file={files.config}"])
        if result.returncode != 0:
            raise DhcpError(f"dnsmasq for {files.directory.name} failed to start "
                            f"({result.returncode}): {result.stderr.strip()}")
        pid = self._pid(files)
        if pid is None:
            raise DhcpError(f"dnsmasq for {files.directory.name} started but is not running;"
                            f" see {files.log}")
        record("dnsmasq", "start", files.directory.name, pid=pid, netns=self.netns)

    def _terminate(self, pid: int, files: DnsmasqFiles) -> None:
        os.kill(pid, signal.SIGTERM)
        record("dnsmasq", "stop", files.directory.name, pid=pid, netns=self.netns)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while _is_our_dnsmasq(pid, files.config):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                break
            time.sleep(_POLL_S)
        files.pid.unlink(missing_ok=True)

    def _pid(self, files: DnsmasqFiles) -> int | None:
        try:
            pid = int(files.pid.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if _is_our_dnsmasq(pid, files.config) else None


def _is_our_dnsmasq(pid: int, config: Path) -> bool:
    """Alive (a zombie waiting for init to reap it is not) and started with `config`."""
    return started_with(pid, f"--conf-file={config}")


def started_with(pid: int, argument: str) -> bool:
    """Process `pid` is alive (a zombie waiting for init to reap it is not) and has `argument`
    among its arguments: how a daemon's pid file is checked before it is trusted."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        # The state letter follows the parenthesised command name, which may contain spaces.
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X") and argument.encode() in argv
