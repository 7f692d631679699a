"""`compose.yaml` (what every environment shares) and `compose.<env>.yaml` (the rest).

`docker compose -f compose.yaml -f compose.<env>.yaml` must give exactly the environment's
definition. Compose merges the files by its own rules (compose-spec `13-merge.md`): mappings
key by key, recursively; scalars replaced; and *some* sequences (`ports`, `volumes`, `secrets`,
`cap_add`, …) appended or merged by key rather than replaced. The split therefore never puts a
sequence in both files: a value goes into the base only where it is equal in every
environment (mappings recursively, sequences whole), and the override holds everything else
in full. With no sequence on both sides, every Compose merge rule gives the same result as a
plain recursive mapping merge, which is what the tests check.
"""

from __future__ import annotations

from typing import Any

_MISSING = object()


def split(documents: dict[str, dict[str, Any]]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The base document and one override per environment."""
    base = _common(list(documents.values()))
    if base is _MISSING:
        base = {}
    return base, {name: _difference(document, base) for name, document in documents.items()}


def same(a: Any, b: Any) -> bool:
    """Equality that also compares types, so that `True` and `1` (equal in Python, different in
    YAML) are not shared."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _common(values: list[Any]) -> Any:
    first = values[0]
    if all(isinstance(v, dict) for v in values):
        shared = {}
        for key in first:
            if all(key in v for v in values):
                value = _common([v[key] for v in values])
                if value is not _MISSING:
                    shared[key] = value
        # An empty mapping is shared only when it is empty everywhere (`volumes: {x: {}}`);
        # otherwise the key would appear in the base with nothing under it.
        if shared or all(not v for v in values):
            return shared
        return _MISSING
    if all(same(first, v) for v in values[1:]):
        return first
    return _MISSING


def _difference(full: Any, base: Any) -> Any:
    out = {}
    for key, value in full.items():
        if key not in base:
            out[key] = value
        elif isinstance(value, dict) and isinstance(base[key], dict):
            rest = _difference(value, base[key])
            if rest:
                out[key] = rest
        elif not same(value, base[key]):
            out[key] = value  # pragma: no cover - the base holds only values equal everywhere
    return out
