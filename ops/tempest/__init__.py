"""The Tempest conformance harness behind `ops/conformance` (see its --help)."""
