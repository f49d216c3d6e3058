"""Benchmarks with their targets: each prints rates measured in one run, and never asserts."""
