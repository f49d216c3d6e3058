"""The crash tests borrow their neighbours' fixtures: libvirtd for the compute worker's guests,
namespaces playing a host for the network agent."""

from __future__ import annotations

from tests.integration.compute.conftest import libvirtd  # noqa: F401
from tests.integration.network.conftest import host, namespaces, network_tools  # noqa: F401
