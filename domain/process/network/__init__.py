"""The network agent (one per host): network, port, router and security-group events in, segments,
bridges, DHCP, NAT and port filters on the host out. `agent.py` is the loop; `plans` and
`security_plans` say what the host must hold; `drift` records what it held that the events do not
explain."""
