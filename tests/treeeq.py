"""Structural equality of syntax trees, ignoring where things are.

Used to check that a rewrite of the source (formatting, generated layouts) means the same
program: the trees must match field by field once line, column and file name are set aside.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass

from stackc.syntax import tree as t

# Every `tree.Node` carries these; they say where, not what.
POSITION_FIELDS = frozenset({"file", "line", "column", "end_line", "end_column"})
# `File.source` is the text itself, which is exactly what a layout change is allowed to alter.
_FILE_FIELDS_IGNORED = frozenset({"path", "source"})


def tree_diff(a: object, b: object, *, comments: bool = False) -> str | None:
    """Where the first structural difference between `a` and `b` is, or None when they match.

    Comments are not part of the program, so `File.comments` is compared only when `comments`
    is true (then their texts must match exactly, in order).
    """
    return _diff(a, b, "tree", comments)


def same_tree(a: object, b: object, *, comments: bool = False) -> bool:
    return tree_diff(a, b, comments=comments) is None


def assert_same_tree(a: object, b: object, *, comments: bool = False) -> None:
    difference = tree_diff(a, b, comments=comments)
    assert difference is None, difference


def _diff(a: object, b: object, where: str, comments: bool) -> str | None:
    # `type is type`, not `==`: `True == 1` and `Decimal("1") == 1` must not pass for equal.
    if type(a) is not type(b):
        return f"{where}: {type(a).__name__} != {type(b).__name__}"
    if is_dataclass(a) and not isinstance(a, type):
        skipped = set(POSITION_FIELDS)
        if isinstance(a, t.File):
            skipped |= _FILE_FIELDS_IGNORED
            if not comments:
                skipped.add("comments")
        for f in fields(a):
            if f.name in skipped:
                continue
            found = _diff(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}", comments)
            if found is not None:
                return found
        return None
    if isinstance(a, list | tuple):
        assert isinstance(b, list | tuple)
        if len(a) != len(b):
            return f"{where}: {len(a)} items != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _diff(x, y, f"{where}[{i}]", comments)
            if found is not None:
                return found
        return None
    if a != b:
        return f"{where}: {a!r} != {b!r}"
    return None
