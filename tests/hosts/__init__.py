"""Test hosts: throwaway QEMU (TCG) VMs whose kernel has what this machine's lacks (802.1Q),
running the machine's own root filesystem, so that the checkout and its .venv work inside them.
ops/build-test-host builds the image; image.py finds it and checks that QEMU can start;
machine.py boots one VM per host, runs a command and hands back its exit status and console;
wires join them on layer-2 segments, and management.py gives them a NIC through which
the machine's PostgreSQL is reached; pytest_run.py runs chosen tests of this suite inside one."""
