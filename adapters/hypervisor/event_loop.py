"""libvirt's default event loop, run once per process in a thread of its own.

libvirt delivers domain events (such as a device the guest released) only to connections
opened after an event loop was registered, so every connection the adapters open registers it
first (reconnect.py). The thread only waits for events and runs their callbacks.
"""

from __future__ import annotations

import threading

import libvirt

_lock = threading.Lock()
_running = False


def ensure_event_loop() -> None:
    global _running
    with _lock:
        if _running:
            return
        libvirt.virEventRegisterDefaultImpl()
        threading.Thread(target=_run, name="libvirt-events", daemon=True).start()
        _running = True


def _run() -> None:
    while True:
        libvirt.virEventRunDefaultImpl()
