"""The volume worker (one per storage host): volume and snapshot events in, pool volumes and their
copies out. `worker.py` is the loop; `plans` decides per volume, `snapshots` per snapshot;
`reconciler` compares the pool with the events."""
