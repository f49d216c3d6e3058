"""The network ports (domain/network/backends.py) over the host's kernel: project segments and
bridges through pyroute2 (`host_network`, with `segments` as the pluggable vlan/vxlan drivers),
DHCP through one dnsmasq per project network (`dnsmasq`), floating IPs through one nftables
table driven by the `nft` tool (`nft_nat`). Each adapter works inside a named network namespace,
or in the caller's own when given None, so tests never touch the machine's interfaces.
"""
