"""HCL (Terraform's native syntax) from a small data model, exactly as `terraform fmt` writes it.

A target builds `Block`s, `Attribute`s and `Comment`s whose values are plain Python data
(None, bool, int, float, str, list, dict) or expressions (`Raw`, `Template`, `FunctionCall`);
`dump` serialises them. The output is what `terraform fmt` would leave unchanged, so `fmt -check`
is a test of this module (research/terraform-example/README.md, "What terraform fmt taught"):

- consecutive single-line attributes form a group whose `=` signs are aligned one space after the
  longest name; a blank line, a comment, a nested block or an attribute whose value spans lines
  ends the group (the multi-line attribute itself is never padded);
- two-space indentation, one blank line between top-level blocks and around nested blocks;
- lists that do not fit on one short line, and every non-empty object, are written one item per
  line, lists with a trailing comma.

Every Python `str` is a literal: `${` and `%{` are escaped to `$${` and `%%{` (an unescaped `${5`
is a parse error and `%{ x` an invalid template keyword), `\\` and `"` are backslash-escaped and
no raw newline or other control character reaches a quoted string ("Invalid multi-line string").
Interpolation is only ever written through `Template` parts or `Raw` expressions. Terraform
reads every string back normalised to Unicode NFC (escaped or not), so a string round-trips up to
NFC. Quoted object keys are written in ASCII (`\\u` escapes), because `fmt` aligns by grapheme
clusters, which Python cannot count.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Union

# Object keys written bare; others (with `-`, or a keyword that would read as a value) are quoted.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_KEYWORDS = frozenset({"true", "false", "null", "for", "in", "if", "endfor", "endif"})
# A list is written on one line only when it is this short and holds no lists or objects.
_INLINE_LIST_WIDTH = 80


@dataclass(frozen=True)
class Raw:
    """An expression written verbatim: a reference (`var.region`), an operator, a splat."""

    text: str


@dataclass(frozen=True)
class Template:
    """A quoted template: `str` parts are literal text (escaped), `Raw` parts become `${…}`."""

    parts: tuple[str | Raw, ...]


@dataclass(frozen=True)
class FunctionCall:
    name: str
    args: tuple[Value, ...] = ()


Value = Union[None, bool, int, float, str, Raw, Template, FunctionCall, "list[Value]", "dict[str, Value]"]


@dataclass(frozen=True)
class Attribute:
    name: str
    value: Value


@dataclass(frozen=True)
class Comment:
    """A comment line. `text` is written after `# `, or verbatim after `#` when `raw` (so that
    `#checkov:skip=ID:reason` keeps the exact form Checkov looks for)."""

    text: str
    raw: bool = False


@dataclass(frozen=True)
class Blank:
    """An explicit blank line inside a body: ends an alignment group."""


@dataclass
class Block:
    type: str
    labels: tuple[str, ...] = ()
    body: list[Item] = field(default_factory=list)


Item = Attribute | Block | Comment | Blank


def ref(text: str) -> Raw:
    return Raw(text)


def template(*parts: str | Raw) -> Template:
    return Template(tuple(parts))


def call(name: str, *args: Value) -> FunctionCall:
    return FunctionCall(name, tuple(args))


def escape(text: str, *, ascii_only: bool = False) -> str:
    """The inside of a quoted HCL string whose value is `text` (up to NFC: Terraform normalises every
    string, escaped or not). `ascii_only` escapes everything beyond ASCII too."""
    out: list[str] = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif not ch.isprintable() or ch in "\u2028\u2029\ufeff" or (ascii_only and ord(ch) > 0x7E):
            # Control, format and separator characters: invisible or line-breaking in a file.
            code = ord(ch)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(ch)
    # Escaped after the characters above so that a `\` before `${` stays a plain backslash.
    return "".join(out).replace("${", "$${").replace("%{", "%%{")


def quote(text: str) -> str:
    return f'"{escape(text)}"'


def _key(name: str) -> str:
    if _IDENTIFIER.match(name) and name not in _KEYWORDS:
        return name
    # `terraform fmt` pads `=` by the key's width in grapheme clusters, which Python cannot count
    # (combining marks, Hangul jamo, flags); an all-ASCII key is as wide as it is long.
    return f'"{escape(name, ascii_only=True)}"'


def _scalar(value: Value) -> str | None:
    """The one-line text of a value that is never multi-line, or None."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"HCL has no literal for {value}")
        return repr(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Template):
        parts = [p for p in value.parts if p != ""]
        if len(parts) == 1 and isinstance(parts[0], Raw):
            # `terraform fmt` rewrites an interpolation-only string `"${x}"` to `x`.
            return parts[0].text
        return f'"{_template(value.parts)}"'
    return None


def _template(parts: tuple[str | Raw, ...]) -> str:
    merged: list[str | Raw] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    out: list[str] = []
    for i, part in enumerate(merged):
        if isinstance(part, Raw):
            out.append("${" + part.text + "}")
            continue
        text = escape(part)
        # A literal `$` or `%` right before an interpolation would turn `${` into the `$${` escape:
        # write that one character as an interpolated string instead.
        if text[-1:] in ("$", "%") and i + 1 < len(merged):
            text = text[:-1] + '${"' + text[-1] + '"}'
        out.append(text)
    return "".join(out)


def _value(value: Value, indent: int) -> str:
    """The text of a value whose first line follows `name = ` at `indent` levels; continuation lines
    are indented absolutely."""
    scalar = _scalar(value)
    if scalar is not None:
        return scalar
    pad = "  " * indent
    if isinstance(value, FunctionCall):
        return f"{value.name}({', '.join(_value(arg, indent) for arg in value.args)})"
    if isinstance(value, list):
        items = [_scalar(item) for item in value]
        if not value:
            return "[]"
        if all(item is not None for item in items):
            inline = "[" + ", ".join(items) + "]"  # type: ignore[arg-type]
            if len(inline) <= _INLINE_LIST_WIDTH:
                return inline
        lines = [f"{pad}  {_value(item, indent + 1)}," for item in value]
        return "[\n" + "\n".join(lines) + f"\n{pad}]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        entries = [Attribute(_key(str(k)), v) for k, v in value.items()]
        return "{\n" + "\n".join(_body(entries, indent + 1)) + f"\n{pad}}}"
    raise TypeError(f"not an HCL value: {value!r}")


def _body(items: Sequence[Item], indent: int) -> list[str]:
    """The lines of a body (or an object's entries) at `indent` levels."""
    pad = "  " * indent
    lines: list[str] = []
    group: list[tuple[str, str]] = []  # (name, one-line value) of the current alignment group
    previous: Item | None = None

    def flush() -> None:
        width = max((len(name) for name, _ in group), default=0)
        lines.extend(f"{pad}{name.ljust(width)} = {text}" for name, text in group)
        group.clear()

    def blank() -> None:
        flush()
        if lines and lines[-1] != "":
            lines.append("")

    for item in items:
        if isinstance(item, Blank):
            blank()
        elif isinstance(item, Comment):
            if isinstance(previous, Block):
                blank()
            flush()
            # A line break in a comment would turn the rest of a (user-supplied) text into code.
            for line in re.split(r"[\r\n\u2028\u2029\x0b\x0c\x85]", item.text):
                lines.append(f"{pad}#{line}".rstrip() if item.raw else f"{pad}# {line}".rstrip())
        elif isinstance(item, Attribute):
            if isinstance(previous, Block):
                blank()
            name = item.name
            text = _value(item.value, indent)
            if "\n" in text:
                flush()
                lines.append(f"{pad}{name} = {text}")
            else:
                group.append((name, text))
        else:
            if previous is not None and not isinstance(previous, Comment):
                blank()
            flush()
            lines.extend(_block(item, indent))
        previous = item
    flush()
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def _block(block: Block, indent: int) -> list[str]:
    pad = "  " * indent
    head = " ".join([block.type, *(quote(label) for label in block.labels)])
    inner = _body(block.body, indent + 1)
    if not inner:
        return [f"{pad}{head} {{}}"]
    return [f"{pad}{head} {{", *inner, f"{pad}}}"]


def dump(items: Sequence[Item]) -> str:
    """The text of an HCL file: top-level blocks, attributes (a `.tfvars` file) and comments."""
    text = "\n".join(_body(items, 0))
    return text + "\n" if text else ""
