"""Network commands: project networks, ports, floating IPs.

Each service method is one `@command` (bounded retries on optimistic-concurrency conflicts);
each `plan_*` function is the same step without the save, for bigger commands to compose with a
`Workset` (see ports.py for the boot-time recipe).
"""
