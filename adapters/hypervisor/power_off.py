"""Powering a libvirt guest off: asked first when the caller gives it time, forced after.

A VM is asked through ACPI (libvirt's default shutdown). A container is asked with SIGTERM to
its init (VIR_DOMAIN_SHUTDOWN_SIGNAL): libvirt's default for LXC tries /dev/initctl first, and
counts writing into one that nobody reads as done. libvirt's LXC driver can signal the init only
once it knows the init's pid, which the container's controller reports over its monitor just
after `create()` returned: a stop that follows a start at once (a stopped server's rebuild is
destroy, spawn, stop) gets "Init process ID is not yet known" (VIR_ERR_OPERATION_INVALID). It
is asked again until the pid is known or the time is up, and then forced off like any guest that
did not obey, rather than failing the stop.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import libvirt

from adapters.hypervisor.domain_stats import state_of
from domain.compute.backends import GuestState
from domain.process.effects import record

POLL_S = 0.1


def power_off(dom: libvirt.virDomain, timeout_s: float, container: bool) -> None:
    """Ask the running guest to shut down and wait up to `timeout_s` for it (0: do not ask), then
    destroy what still runs."""
    deadline = time.monotonic() + timeout_s
    # A paused guest cannot obey.
    if timeout_s > 0 and state_of(dom) is GuestState.RUNNING and _ask(dom, container, deadline):
        wait_until(lambda: not dom.isActive(), deadline)
    if dom.isActive():
        ignore_gone(dom.destroy)
        record("libvirt", "destroy", dom.name())


def _ask(dom: libvirt.virDomain, container: bool, deadline: float) -> bool:
    """True once the guest was asked; False if a container could not be asked in time."""
    while True:
        try:
            dom.shutdownFlags(libvirt.VIR_DOMAIN_SHUTDOWN_SIGNAL if container else 0)
        except libvirt.libvirtError as error:
            if not container or error.get_error_code() != libvirt.VIR_ERR_OPERATION_INVALID:
                raise
            if not dom.isActive() or time.monotonic() >= deadline:
                return False  # gone meanwhile, or its init's pid never came: forced off
            time.sleep(POLL_S)
            continue
        record("libvirt", "shutdown", dom.name())
        return True


def wait_until(condition: Callable[[], bool], deadline: float) -> None:
    while not condition() and time.monotonic() < deadline:
        time.sleep(POLL_S)


def ignore_gone(action: Callable[[], Any]) -> None:
    """Run a destroy/undefine that may race with the guest stopping or vanishing on its own."""
    try:
        action()
    except libvirt.libvirtError as error:
        gone = (libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_ERR_OPERATION_INVALID)
        if error.get_error_code() not in gone:
            raise
