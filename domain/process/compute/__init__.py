"""The compute worker (one per hypervisor host): instance events in, hypervisor actions and their
outcomes out. `worker.py` is the loop; `triggers` -> `plans` -> `executor` is one instance's way
through it; `reconciler` and `drift` compare the hypervisor with the events; `liveness` registers
the host and beats its heart."""
