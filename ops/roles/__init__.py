"""The process roles the composition root (ops/bootstrap.py) builds from one Settings: the compute
worker, the volume worker and the network agent, each a `RunningLoop` for one host."""
