"""Process managers: they follow the event log and act on the outside world through backends.

One subpackage per context: `compute/` (the compute worker, one per hypervisor host), `network/`
(the network agent, one per host) and `storage/` (the volume worker, one per storage host). What
they share lives here: `loop` (follow, act, reconcile until stopped), `effects` (what was done to
the outside world, recorded with its outcome), `host_changes` and `backends` (the small protocols
the adapters implement). Nothing here imports libvirt or a database driver: the adapters behind
`domain.compute.backends.Hypervisor` and `domain.process.backends` do the I/O.
"""
