"""No module of ours imports one that imports it back, directly or through others.

import-linter checks the layers (pyproject.toml, run by ops/test) but has no contract for cycles
in general; grimp, the graph it is built on, gives the imports and this finds the cycles
(strongly connected groups of modules). Imports made only for type checking count too: a cycle
hidden behind `if TYPE_CHECKING` is still two modules that cannot be understood apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import grimp

PACKAGES = ("domain", "projections", "adapters", "api", "ops", "bench")

# Cycles that another part of issue 13 removes (one composition root, one log follower). Delete
# each entry with its cycle; no entry may be added.
KNOWN = {
    frozenset({"ops.bootstrap", "ops.roles.compute", "ops.roles.storage"}),
    frozenset({"projections.followers", "projections.passes", "projections.runner"}),
}


def cycles(nodes: Iterable[str], edges: Callable[[str], Iterable[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components of more than one node, without recursion."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(edges(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            step = next(successors, None)
            if step is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(group)
            elif step not in index:
                index[step] = low[step] = len(index)
                stack.append(step)
                on_stack.add(step)
                work.append((step, iter(sorted(edges(step)))))
            elif step in on_stack:
                low[node] = min(low[node], index[step])
    return found


def test_the_cycle_finder_finds_a_cycle_and_nothing_else() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert cycles(graph, lambda n: graph[n]) == [{"a", "b", "c"}]


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False)
    found = [frozenset(group) for group in cycles(graph.modules,
                                                   graph.find_modules_directly_imported_by)]
    assert [sorted(group) for group in found if group not in KNOWN] == []
