"""Cycles in a graph of named things (imports, templates, `uses`), each reported once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from stackc.diagnostics import Span

Edge = tuple[str, Span]  # the target and where the edge is written


def find_cycles(graph: Mapping[str, Sequence[Edge]], order: Sequence[str]) -> list[list[tuple[str, Span]]]:
    """Every elementary cycle found by depth-first search, as `[(node, edge span to next)…]`.

    Each cycle starts at its member that comes first in `order` (file order), so that the
    diagnostic points at the first declaration of the cycle (LANGUAGE.md §2).
    """
    rank = {name: i for i, name in enumerate(order)}
    seen_cycles: set[frozenset[str]] = set()
    cycles: list[list[tuple[str, Span]]] = []
    done: set[str] = set()

    # Iterative depth-first search: a chain of thousands of services must not hit the
    # interpreter's recursion limit.
    for start in order:
        if start in done or start not in graph:
            continue
        path: list[tuple[str, Span]] = []  # (member, the edge to the next member)
        on_path: dict[str, int] = {start: 0}
        stack = [(start, iter(graph.get(start, ())))]
        while stack:
            node, edges = stack[-1]
            step = next(edges, None)
            if step is None:
                stack.pop()
                del on_path[node]
                done.add(node)
                if path:
                    path.pop()
                continue
            target, span = step
            if target in on_path:
                members = [*path[on_path[target] :], (node, span)]
                key = frozenset(n for n, _ in members)
                if key not in seen_cycles:
                    seen_cycles.add(key)
                    first = min(range(len(members)), key=lambda i: rank.get(members[i][0], len(rank)))
                    cycles.append(members[first:] + members[:first])
                continue
            if target in done or target not in graph:
                continue
            path.append((node, span))
            on_path[target] = len(path)
            stack.append((target, iter(graph.get(target, ()))))
    return cycles
