"""String literals: escapes, `\"\"\"` blocks and `${…}` interpolation, with exact positions."""

from __future__ import annotations

import re

from stackc.diagnostics import Diagnostic, Span, error
from stackc.syntax.tree import Interpolation, Name, Reference, String

_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_UNICODE = re.compile(r"u\{([0-9A-Fa-f]{1,6})\}")


def decode_string(raw: str, file: str, line: int, column: int) -> tuple[String, list[Diagnostic]]:
    """Decode the source text of a string token (quotes included) into literal and `${}` parts."""
    triple = raw.startswith('"""')
    quote = 3 if triple else 1
    body = raw[quote : len(raw) - quote]
    end_line, end_column = _advance(raw, line, column)
    if "\\" not in body and "$" not in body:
        if triple and body.startswith("\n"):
            body = body[1:]
        return String(file, line, column, end_line, end_column, raw, (body,) if body else ()), []

    diagnostics: list[Diagnostic] = []
    parts: list[str | Interpolation] = []
    text: list[str] = []
    i = 0
    cur_line, cur_col = line, column + quote
    if triple and body.startswith("\n"):
        i, cur_line, cur_col = 1, line + 1, 1

    def here(width: int = 1) -> Span:
        return Span(file, cur_line, cur_col, cur_line, cur_col + width)

    def step(n: int) -> None:
        nonlocal i, cur_line, cur_col
        for ch in body[i : i + n]:
            if ch == "\n":
                cur_line, cur_col = cur_line + 1, 1
            else:
                cur_col += 1
        i += n

    while i < len(body):
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1] if i + 1 < len(body) else ""
            if nxt in _ESCAPES:
                text.append(_ESCAPES[nxt])
                step(2)
                continue
            match = _UNICODE.match(body, i + 1)
            if match and int(match.group(1), 16) <= 0x10FFFF and not 0xD800 <= int(match.group(1), 16) <= 0xDFFF:
                text.append(chr(int(match.group(1), 16)))
                step(1 + match.end() - match.start())
                continue
            width = 2 if nxt and nxt != "\n" else 1
            diagnostics.append(
                error(
                    "E0103",
                    f"invalid escape `\\{nxt}` in string" if nxt.strip() else "invalid escape in string",
                    here(width),
                    help='valid escapes: \\" \\\\ \\n \\t \\u{1F600}',
                )
            )
            step(width)
            continue
        if ch == "$" and body.startswith("$${", i):
            text.append("${")
            step(3)
            continue
        if ch == "$" and body.startswith("${", i):
            close = body.find("}", i + 2)
            newline = body.find("\n", i + 2)
            if close == -1 or (newline != -1 and newline < close):
                diagnostics.append(
                    error(
                        "E0109",
                        "unterminated interpolation `${`",
                        here(2),
                        help="close it with `}`, or write `$${` for a literal `${`",
                    )
                )
                text.append(body[i:])
                step(len(body) - i)
                continue
            start_line, start_col = cur_line, cur_col
            inner = body[i + 2 : close]
            # All of a `${{ … }}`, for the message when it is not a reference.
            end = body.find("}}", i + 3)
            shown = body[i : end + 2] if end != -1 and (newline == -1 or end < newline) else body[i : close + 1]
            ref = _interpolated_reference(inner, file, cur_line, cur_col + 2)
            step(close + 1 - i)
            if ref is None:
                span = Span(file, start_line, start_col, cur_line, cur_col)
                if inner.startswith("{"):
                    # `${{ … }}` is GitHub Actions' expression syntax: say so, and show all of it.
                    message = f"`{shown}` is a GitHub Actions expression, not a stackc reference"
                    help = f"write `${shown}` for the literal text `{shown}`"
                else:
                    message = f"`${{{inner.strip()}}}` is not a reference"
                    help = (
                        "interpolate a reference such as `${service.api.url}` or `${env.domain}`; "
                        "write `$${` for a literal `${`"
                    )
                diagnostics.append(error("E0109", message, span, help=help))
                continue
            if text:
                parts.append("".join(text))
                text = []
            parts.append(Interpolation(file, start_line, start_col, cur_line, cur_col, ref))
            continue
        text.append(ch)
        step(1)
    if text:
        parts.append("".join(text))
    return (
        String(file, line, column, end_line, end_column, raw, tuple(parts), all(isinstance(p, str) for p in parts)),
        diagnostics,
    )


def _interpolated_reference(inner: str, file: str, line: int, column: int) -> Reference | None:
    stripped = inner.strip()
    offset = column + (len(inner) - len(inner.lstrip()))
    pieces = stripped.split(".")
    if len(pieces) < 2 or not all(_NAME.match(p) for p in pieces):
        return None
    names = []
    col = offset
    for piece in pieces:
        names.append(Name(file, line, col, line, col + len(piece), piece))
        col += len(piece) + 1
    return Reference(file, line, offset, line, offset + len(stripped), tuple(names))


def _advance(raw: str, line: int, column: int) -> tuple[int, int]:
    newlines = raw.count("\n")
    if not newlines:
        return line, column + len(raw)
    return line + newlines, len(raw) - raw.rfind("\n")
