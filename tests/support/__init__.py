"""Plain helper modules the tests import: builders, clients and waits that are not fixtures.

Fixtures live in the conftest.py files (pytest finds them; nothing imports them), and a test
module never imports another test module."""
