"""Project networking, as the domain sees it: configuration, pools, networks, ports, floating IPs.

Everything here is pure (no pyroute2, no dnsmasq): aggregates record what is allocated, and the
network agent (a process manager, later) makes the hosts match those events.
"""
