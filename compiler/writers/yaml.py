"""YAML from plain data (dicts, lists, strings, numbers, booleans, None), block style.

A small emitter instead of a general YAML library: the data is always trees of plain values,
and emitting it directly is several times faster than ruamel.yaml's or PyYAML's Python dumpers
(see `bench/`). Every string that a YAML 1.1 or 1.2 reader could take for anything but that
string — `yes`, `no`, `on`, `~`, `0755`, `1e3`, `2024-01-01`, a leading `*`, `&`, `!`, `-`,
`: ` or ` #` inside — is double-quoted with escapes, so a value can never change the
structure or the type of what a reader loads. Key order is the order of the dicts.
A multi-line string (a config file inside a ConfigMap or Secret) is a literal block (`|`) when
that reads back exactly, so it stays readable; otherwise it is quoted like any other.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

# Words that YAML 1.1 (Compose's and PyYAML's resolver) reads as booleans or null.
_RESERVED = frozenset(w.lower() for w in ("y", "yes", "n", "no", "true", "false", "on", "off", "null", "~", ""))
# A plain scalar we are sure every reader takes as a string: starts with a letter, `_` or `/`,
# no characters with meaning in YAML, no `: ` or ` #`, no leading or trailing space.
_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./@%+=():\- ]*\Z")
_NEEDS_ESCAPE = re.compile(r"[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029\ufeff\"\\]")
_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", '"': '\\"', "\\": "\\\\", "\0": "\\0"}


def dump(data: Any, header: str | None = None) -> str:
    """The YAML text of `data`, with `header` as leading `#` comment lines."""
    out: list[str] = []
    if header:
        out.extend(f"# {line}".rstrip() for line in header.splitlines())
    if isinstance(data, Mapping) and data:
        _mapping(data, 0, out)
    elif isinstance(data, list) and data:
        _sequence(data, 0, out)
    else:
        out.append(_scalar(data))
    return "\n".join(out) + "\n"


def _mapping(data: Mapping, indent: int, out: list[str]) -> None:
    pad = " " * indent
    for key, value in data.items():
        k = _key(key)
        if isinstance(value, Mapping) and value:
            out.append(f"{pad}{k}:")
            _mapping(value, indent + 2, out)
        elif isinstance(value, list) and value:
            out.append(f"{pad}{k}:")
            _sequence(value, indent, out)  # compact: `key:\n- item`, as kubectl writes it
        elif (block := _literal(value)) is not None:
            out.append(f"{pad}{k}: {block[0]}")
            out.extend(f"{pad}  {line}" if line else "" for line in block[1])
        else:
            out.append(f"{pad}{k}: {_scalar(value)}")


def _sequence(data: list, indent: int, out: list[str]) -> None:
    pad = " " * indent
    for item in data:
        if isinstance(item, Mapping) and item:
            start = len(out)
            _mapping(item, indent + 2, out)
            out[start] = f"{pad}- {out[start][indent + 2 :]}"
        elif isinstance(item, list) and item:
            start = len(out)
            _sequence(item, indent + 2, out)
            out[start] = f"{pad}- {out[start][indent + 2 :]}"
        elif (block := _literal(item)) is not None:
            out.append(f"{pad}- {block[0]}")
            out.extend(f"{pad}  {line}" if line else "" for line in block[1])
        else:
            out.append(f"{pad}- {_scalar(item)}")


# What a literal block holds verbatim: printable characters (no tabs, no line or paragraph
# separators, no BOM); `"` and `\\` need no escaping there.
_LITERAL_CHARS = re.compile(r"[\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*\Z")


def _literal(value: Any) -> tuple[str, list[str]] | None:
    """(`|` or `|-`, the lines) for a multi-line string a literal block keeps exactly, else None.

    Not for: a first line starting with a space (it would set the indentation), lines with
    trailing spaces (editors and linters strip them), trailing blank lines (`|+` territory).
    """
    if not isinstance(value, str) or "\n" not in value.rstrip("\n"):
        return None
    body = value[:-1] if value.endswith("\n") else value
    lines = body.split("\n")
    if body.endswith("\n") or lines[0].startswith(" ") or not lines[0]:
        return None
    if "\u2028" in value or "\u2029" in value:
        return None
    if any(line != line.rstrip(" ") or not _LITERAL_CHARS.match(line) for line in lines):
        return None
    return ("|" if value.endswith("\n") else "|-"), lines


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError(f"YAML keys here are strings, not {type(key).__name__}")
    return _string(key)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (float, Decimal)):
        text = format(value, "f") if isinstance(value, Decimal) else repr(value)
        return text if re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text) else _quoted(text)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list):
        return "[]"
    raise TypeError(f"cannot write {type(value).__name__} as YAML")


# Keys, label names and enum-like values repeat thousands of times in a large build.
@functools.lru_cache(maxsize=1 << 16)
def _string(text: str) -> str:
    if _PLAIN.match(text) and text.lower() not in _RESERVED and not _ambiguous(text):
        return text
    return _quoted(text)


def _ambiguous(text: str) -> bool:
    # Inside an otherwise plain scalar: a `: ` would start a mapping, a trailing space or `:`
    # would be lost or misread, and doubled spaces are easy to lose when a reader folds.
    return ": " in text or text.endswith((" ", ":")) or "  " in text


def _quoted(text: str) -> str:
    return '"' + _NEEDS_ESCAPE.sub(_escape, text) + '"'


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"
