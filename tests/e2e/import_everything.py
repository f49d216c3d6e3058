"""Run by another interpreter (tests/e2e/test_runtime_only_install.py): imports every module of
the packages named on the command line, and every module that any of their functions imports
when it runs; prints what failed, one traceback or line each, or `ok`. Standard library only."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
import sys
import traceback


def imports_in(source: str) -> set[str]:
    """The absolute imports anywhere in a module, inside functions too."""
    with open(source) as f:
        tree = ast.parse(f.read())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def failures(packages: list[str]) -> list[str]:
    failed, imported = [], {}
    for top in packages:
        package = importlib.import_module(top)
        for module in pkgutil.walk_packages(package.__path__, f"{top}."):
            if module.name.endswith(".__main__"):  # runs its program when imported
                continue
            try:
                importlib.import_module(module.name)
            except Exception:
                failed.append(traceback.format_exc())
                continue
            source = importlib.util.find_spec(module.name).origin  # type: ignore[union-attr]
            imported.update(dict.fromkeys(imports_in(str(source)), source))
    for name, source in sorted(imported.items()):
        try:
            importlib.import_module(name)
        except Exception as error:
            failed.append(f"{source}: import {name}: {error!r}")
    return failed


if __name__ == "__main__":
    print("\n".join(failures(sys.argv[1:])) or "ok")
