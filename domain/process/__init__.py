"""Process managers: they follow the event log and act on the outside world through ports.

The compute worker (one per hypervisor host) turns instance events into hypervisor actions and
records each outcome as an event; its reconciler compares what the hypervisor really holds with
what the events say and records the drift. Nothing here imports libvirt or a database driver:
the adapters behind `domain.compute.ports.Hypervisor` and `domain.process.ports` do the I/O.
"""
