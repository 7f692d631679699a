"""Diagnostics to text: the terminal (rustc's layout), JSON and SARIF 2.1.0 (CLI.md "Diagnostics").

Pure functions from values to strings; the CLI decides where the text goes and the exit code.

Decisions that CLI.md leaves open:

- Every renderer returns text that ends with a newline (or the empty string), so the CLI writes it
  with `stream.write(text)`, not `print`.
- Text ends with one summary line after a blank line, named for the worst finding shown and
  counting only what is shown: `error: 2 errors, 1 warning`, `warning: 1 warning`,
  `info: 3 info` (with `verbose`). No finding shown, no summary: the output is empty.
- A finding with `environments` ends with `= note: in environments: dev, prod`, after its help.
- A finding without a span is its header line, then its `= help:`/`= note:` lines if any.
- A span over several lines is underlined from its start to the end of its first line.
- Tabs are shown as four spaces (as rustc does), East Asian wide characters as two columns, and
  control and bidirectional-override characters are replaced or dropped, so that carets stay
  under the characters they mean and a source file cannot send escape sequences to the terminal.
- JSON `environment` is `null` when the finding does not depend on an environment (it holds in
  all of them, see `merge_environments`), else the list of environment names in stack order.
- JSON and SARIF escape non-ASCII characters (`ensure_ascii`): machine readers decode `\\uXXXX`
  and the output can never fail on a terminal whose encoding is not UTF-8.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, TextIO
from urllib.parse import quote

from stackc.codes import CODES
from stackc.diagnostics import Diagnostic, Severity, Span

__all__ = [
    "INFORMATION_URI",
    "SARIF_SCHEMA",
    "RuleInfo",
    "code_rules",
    "render_json",
    "render_sarif",
    "render_text",
    "should_use_color",
]

# ---------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
# rustc's palette: the severity colours the header and the primary carets; blue is the frame
# (gutter, arrows) and the secondary labels.
_BLUE = "\x1b[1;34m"
_SEVERITY_STYLE = {
    Severity.ERROR: "\x1b[1;31m",
    Severity.WARNING: "\x1b[1;33m",
    Severity.INFO: _BLUE,
}
_TAB = "    "


def render_text(
    diagnostics: Sequence[Diagnostic],
    sources: Mapping[str, str],
    *,
    color: bool,
    verbose: bool = False,
) -> str:
    """Render findings in the order given, as rustc does, with a closing summary line.

    `sources` maps a span's `file` to that file's text; a finding whose source is missing keeps
    its `-->` location and turns its note and labels into `= note:` lines.
    """
    shown = [d for d in diagnostics if verbose or d.severity is not Severity.INFO]
    if not shown:
        return ""
    lines_of = _SourceLines(sources)
    blocks = ["\n".join(_render_one(d, lines_of, color)) for d in shown]
    blocks.append(_summary(shown, color))
    return "\n\n".join(blocks) + "\n"


def should_use_color(stream: TextIO) -> bool:
    """Colour only on a terminal that can show it, never when `NO_COLOR` is set (no-color.org)."""
    if os.environ.get("NO_COLOR", ""):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    if isatty is None:
        return False
    try:
        return bool(isatty())
    except (OSError, ValueError):  # a closed or detached stream is no terminal
        return False


class _SourceLines:
    """Source lines split as the parser counts them: on `\\n` only (not `str.splitlines`, which
    would also split on form feeds and U+2028 and so shift every line number after them)."""

    def __init__(self, sources: Mapping[str, str]) -> None:
        self._sources = sources
        self._lines: dict[str, list[str]] = {}

    def get(self, file: str, line: int) -> str | None:
        if file not in self._lines:
            text = self._sources.get(file)
            split = [] if text is None else text.split("\n")
            self._lines[file] = [s.removesuffix("\r") for s in split]
        lines = self._lines[file]
        return lines[line - 1] if 1 <= line <= len(lines) else None


def _cell(ch: str) -> tuple[str, int]:
    """How one source character is shown, and how many terminal columns it takes."""
    if ch == "\t":
        return _TAB, len(_TAB)
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code), 1  # U+2400 block: visible pictures of C0 controls
    if code == 0x7F:
        return "\u2421", 1
    category = unicodedata.category(ch)
    if category == "Cf":
        # Bidi overrides, zero-width joiners, the BOM: invisible, and the overrides could make the
        # shown line read differently from what the compiler parsed ("Trojan Source").
        return "", 0
    if category in ("Cc", "Cs", "Zl", "Zp"):
        return "\ufffd", 1  # C1 controls include a one-byte CSI; never pass them through
    if unicodedata.combining(ch):
        return ch, 0
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return ch, 2
    return ch, 1


def _clean(text: str) -> str:
    """Message text made safe for the terminal, keeping its newlines for the caller to lay out."""
    return "\n".join("".join(_cell(ch)[0] for ch in line) for line in text.split("\n"))


def _display(line: str) -> tuple[str, list[int]]:
    """The shown line, and the display offset at which each code-point column starts."""
    shown: list[str] = []
    offsets = [0]
    for ch in line:
        text, width = _cell(ch)
        shown.append(text)
        offsets.append(offsets[-1] + width)
    return "".join(shown), offsets


def _offset(offsets: list[int], column: int) -> int:
    # Columns past the end (an unexpected end of file points just after the last character)
    # continue one display column each.
    index = max(column, 1) - 1
    if index < len(offsets):
        return offsets[index]
    return offsets[-1] + index - (len(offsets) - 1)


@dataclass(frozen=True, slots=True)
class _Annotation:
    line: int
    column: int
    end_column: int  # exclusive; already clamped to the line for multi-line spans
    primary: bool
    message: str | None


def _annotation(span: Span, line_text: str, primary: bool, message: str | None) -> _Annotation:
    end = span.end_column if span.end_line == span.line else len(line_text) + 1
    return _Annotation(span.line, span.column, max(end, span.column + 1), primary, message)


class _Painter:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, style: str | None) -> str:
        if not self.color or not style or not text:
            return text
        return f"{style}{text}{_RESET}"


def _render_one(d: Diagnostic, lines_of: _SourceLines, color: bool) -> list[str]:
    paint = _Painter(color)
    severity_style = _SEVERITY_STYLE[d.severity]
    head = f"{d.severity.label}[{d.code}]" if d.code else d.severity.label
    out = [paint(head, severity_style) + paint(f": {_clean(d.message)}", _BOLD)]

    # Annotations grouped by file, the primary's file first; those whose line cannot be shown
    # (source not given, line out of range) become notes so that no message is lost.
    notes: list[tuple[str, str]] = []
    groups: dict[str, list[_Annotation]] = {}
    if d.span is not None:
        spans = [(d.span, True, d.note)] + [(lb.span, False, lb.message) for lb in d.labels]
        for span, primary, message in spans:
            text = lines_of.get(span.file, span.line)
            if text is None:
                if message:
                    where = "" if primary else f" (at {_location(span)})"
                    notes.append(("note", f"{message}{where}"))
                continue
            groups.setdefault(span.file, []).append(_annotation(span, text, primary, message))
    if d.help:
        notes.append(("help", d.help))
    if d.environments:
        notes.append(("note", "in environments: " + ", ".join(d.environments)))

    shown_lines = [a.line for group in groups.values() for a in group]
    if shown_lines:
        width = len(str(max(shown_lines)))
    elif d.span is not None:
        width = len(str(d.span.line))
    else:
        width = 1
    pad = " " * width
    bar = pad + " " + paint("|", _BLUE)

    if d.span is not None:
        out.append(pad + paint("-->", _BLUE) + f" {_location(d.span)}")
        for file, annotations in groups.items():
            out.append(bar)
            if file != d.span.file:
                first = min(annotations, key=lambda a: (a.line, a.column))
                out.append(pad + paint(":::", _BLUE) + f" {file}:{first.line}:{first.column}")
                out.append(bar)
            out.extend(_snippet(file, annotations, lines_of, width, severity_style, paint))
    if notes:
        out.append(bar)
        for kind, text in notes:
            label = f"{kind}: "
            first, *rest = _clean(text).split("\n")
            out.append(f"{pad} {paint('=', _BLUE)} {paint(kind, _BOLD)}: {first}")
            out.extend(f"{pad}   {' ' * len(label)}{more}" for more in rest)
    return out


def _location(span: Span) -> str:
    return f"{span.file}:{span.line}:{span.column}"


def _snippet(
    file: str,
    annotations: list[_Annotation],
    lines_of: _SourceLines,
    width: int,
    severity_style: str,
    paint: _Painter,
) -> list[str]:
    out: list[str] = []
    bar_prefix = " " * width + " " + paint("|", _BLUE)
    numbers = sorted({a.line for a in annotations})
    previous: int | None = None
    for number in numbers:
        if previous is not None:
            # rustc shows a single skipped line (cheaper than the `...` that would replace it)
            # and elides longer gaps.
            if number - previous == 2:
                skipped = lines_of.get(file, previous + 1) or ""
                out.append(_source_row(previous + 1, skipped, width, paint))
            elif number - previous > 2:
                out.append(paint("...", _BLUE))
        previous = number
        text = lines_of.get(file, number) or ""
        out.append(_source_row(number, text, width, paint))
        _, offsets = _display(text)
        on_line = [a for a in annotations if a.line == number]
        for row in _annotation_rows(on_line, offsets, severity_style, paint):
            out.append(f"{bar_prefix} {row}" if row else bar_prefix)
    return out


def _source_row(number: int, text: str, width: int, paint: _Painter) -> str:
    shown, _ = _display(text)
    shown = shown.rstrip()
    gutter = paint(f"{number:>{width}} |", _BLUE)
    return f"{gutter} {shown}" if shown else gutter


@dataclass(slots=True)
class _Mark:
    start: int  # display offset
    width: int
    primary: bool
    message: str | None


def _annotation_rows(
    annotations: list[_Annotation], offsets: list[int], severity_style: str, paint: _Painter
) -> list[str]:
    """The underline row and, when several labels share the line, rustc's hanging labels.

    ```
    |     - - ^ third
    |     | |
    |     | second
    |     first
    ```
    """
    marks = []
    for a in annotations:
        start = _offset(offsets, a.column)
        end = _offset(offsets, a.end_column)
        marks.append(_Mark(start, max(end - start, 1), a.primary, a.message))
    # Secondary underlines first so the primary's carets win where they overlap; the rightmost
    # mark carries its message inline.
    marks.sort(key=lambda m: (m.start, m.primary))

    def style(mark: _Mark) -> str:
        return severity_style if mark.primary else _BLUE

    cells: list[tuple[str, str | None]] = []
    for mark in marks:
        needed = mark.start + mark.width
        cells.extend([(" ", None)] * (needed - len(cells)))
        for i in range(mark.start, needed):
            cells[i] = ("^" if mark.primary else "-", style(mark))
    inline = marks[-1]
    rows = [_join(cells, paint)]
    continuation_at = len(cells) + 1
    if inline.message:
        first, *rest = _clean(inline.message).split("\n")
        rows[0] += " " + paint(first, style(inline))
        rows.extend(" " * continuation_at + paint(more, style(inline)) for more in rest)

    hanging = [m for m in marks[:-1] if m.message]
    if hanging:
        rows.append(_join(_bars(hanging, len(hanging), style), paint))
        for i in range(len(hanging) - 1, -1, -1):
            mark = hanging[i]
            used = hanging[i - 1].start + 1 if i else 0
            left = _join(_bars(hanging, i, style), paint) + " " * (mark.start - used)
            first, *rest = _clean(mark.message or "").split("\n")
            rows.append(left + paint(first, style(mark)))
            rows.extend(" " * mark.start + paint(more, style(mark)) for more in rest)
    return rows


def _bars(marks: list[_Mark], count: int, style: Callable[[_Mark], str]) -> list[tuple[str, str | None]]:
    """A row with a `|` under the start of each of the first `count` marks."""
    cells: list[tuple[str, str | None]] = []
    for mark in marks[:count]:
        cells.extend([(" ", None)] * (mark.start + 1 - len(cells)))
        cells[mark.start] = ("|", style(mark))
    return cells


def _join(cells: list[tuple[str, str | None]], paint: _Painter) -> str:
    """Cells to text, one escape sequence per run of one style, without trailing spaces."""
    while cells and cells[-1][0] == " ":
        cells = cells[:-1]
    out: list[str] = []
    run: list[str] = []
    run_style: str | None = None
    for text, style in cells:
        if style != run_style and run:
            out.append(paint("".join(run), run_style))
            run = []
        run_style = style
        run.append(text)
    if run:
        out.append(paint("".join(run), run_style))
    return "".join(out)


def _summary(shown: Sequence[Diagnostic], color: bool) -> str:
    paint = _Painter(color)
    counts = {severity: 0 for severity in Severity}
    for d in shown:
        counts[d.severity] += 1
    parts = []
    for severity, singular, plural in (
        (Severity.ERROR, "error", "errors"),
        (Severity.WARNING, "warning", "warnings"),
        (Severity.INFO, "info", "info"),  # a mass noun: "3 info", as in "3 info findings"
    ):
        if counts[severity]:
            parts.append(f"{counts[severity]} {singular if counts[severity] == 1 else plural}")
    worst = max(d.severity for d in shown)
    return paint(worst.label, _SEVERITY_STYLE[worst]) + paint(": " + ", ".join(parts), _BOLD)


# ---------------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------------


def render_json(diagnostics: Sequence[Diagnostic]) -> str:
    """One JSON array with the keys of CLI.md, info findings included, in the order given."""
    return json.dumps([_json_object(d) for d in diagnostics], indent=2) + "\n"


def _json_object(d: Diagnostic) -> dict[str, Any]:
    span = d.span
    return {
        "code": d.code,
        "severity": d.severity.label,
        "message": d.message,
        "file": span.file if span else None,
        "line": span.line if span else None,
        "column": span.column if span else None,
        "end_line": span.end_line if span else None,
        "end_column": span.end_column if span else None,
        "help": d.help,
        "environment": list(d.environments) or None,
    }


# ---------------------------------------------------------------------------------------------
# SARIF
# ---------------------------------------------------------------------------------------------

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
# Where SARIF viewers link the tool name. Replace with the project's home page once it has one.
INFORMATION_URI = "https://pypi.org/project/stackc/"

_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """One entry of the SARIF rule catalogue: an E-code here, a policy later.

    `full` is markdown in ruff's doc shape (`stackc explain` prints the same text).
    """

    id: str
    name: str
    short: str
    full: str
    default_level: Severity


def code_rules() -> list[RuleInfo]:
    """Every E-code as a rule; they are always errors, so their default level is `error`."""
    return [RuleInfo(c.code, c.name, c.summary, c.docs or c.summary, Severity.ERROR) for c in CODES.values()]


def render_sarif(
    diagnostics: Sequence[Diagnostic],
    rules: Sequence[RuleInfo],
    *,
    tool_version: str,
    suppressed: Sequence[Diagnostic | tuple[Diagnostic, str]] = (),
) -> str:
    """SARIF 2.1.0 for GitHub code scanning: one run, every rule, suppressed findings marked.

    Paths should be relative to the repository root (GitHub resolves them from there); an
    absolute path becomes a `file://` URI. A finding without a span has no `locations`.
    """
    index: dict[str, int] = {}
    for i, rule in enumerate(rules):
        if rule.id in index:
            raise ValueError(f"rule `{rule.id}` is listed twice")
        index[rule.id] = i
    results = [_sarif_result(d, index, suppressed=False) for d in diagnostics]
    for item in suppressed:
        d, reason = item if isinstance(item, tuple) else (item, None)
        results.append(_sarif_result(d, index, suppressed=True, justification=reason))
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "stackc",
                        "informationUri": INFORMATION_URI,
                        "version": tool_version,
                        "rules": [_sarif_rule(rule) for rule in rules],
                    }
                },
                # Spans count code points (Lark's columns); SARIF's default is UTF-16 units.
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def _sarif_rule(rule: RuleInfo) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.short},
        "fullDescription": {"text": rule.full, "markdown": rule.full},
        "help": {"text": f"{rule.short}; `stackc explain {rule.id}` prints the full text", "markdown": rule.full},
        "defaultConfiguration": {"level": _SARIF_LEVEL[rule.default_level]},
        "properties": _rule_properties(rule),
    }


# GitHub code scanning ranks security alerts by `security-severity` (0.1–10.0) and files rules
# under their tags; policy classes map onto both (research: anchors-policy §4.4).
_TAGS = {"SEC": "security", "REL": "reliability", "OPS": "observability", "CI": "supply-chain", "E": "correctness"}
_SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.5", Severity.INFO: "3.0"}


def _rule_properties(rule: RuleInfo) -> dict[str, Any]:
    prefix = rule.id.rstrip("0123456789")
    properties: dict[str, Any] = {"tags": [_TAGS.get(prefix, "correctness")], "precision": "high"}
    if prefix == "SEC":
        properties["security-severity"] = _SECURITY_SEVERITY[rule.default_level]
    return properties


def _sarif_result(
    d: Diagnostic, index: Mapping[str, int], *, suppressed: bool, justification: str | None = None
) -> dict[str, Any]:
    # SARIF has no slots for rustc's note and help, so they follow the message as plain lines.
    text = [d.message]
    if d.note:
        text.append(f"note: {d.note}")
    if d.help:
        text.append(f"help: {d.help}")
    if d.environments:
        text.append("in environments: " + ", ".join(d.environments))
    result: dict[str, Any] = {"ruleId": d.code}
    if d.code in index:
        result["ruleIndex"] = index[d.code]
    result["level"] = _SARIF_LEVEL[d.severity]
    result["message"] = {"text": "\n".join(text)}
    if d.span is not None:
        result["locations"] = [{"physicalLocation": _physical_location(d.span)}]
    if d.labels:
        result["relatedLocations"] = [
            {
                "id": i,
                "physicalLocation": _physical_location(label.span),
                "message": {"text": label.message},
            }
            for i, label in enumerate(d.labels)
        ]
    if d.environments:
        result["properties"] = {"environments": list(d.environments)}
    if suppressed:
        suppression: dict[str, Any] = {"kind": "inSource"}
        if justification:
            suppression["justification"] = justification
        result["suppressions"] = [suppression]
    return result


def _physical_location(span: Span) -> dict[str, Any]:
    return {
        "artifactLocation": {"uri": _artifact_uri(span.file)},
        "region": {
            "startLine": max(span.line, 1),
            "startColumn": max(span.column, 1),
            "endLine": max(span.end_line, span.line, 1),
            "endColumn": max(span.end_column, 1),
        },
    }


def _artifact_uri(path: str) -> str:
    if PureWindowsPath(path).is_absolute():  # `C:\\x` or `\\\\server\\share\\x`
        return PureWindowsPath(path).as_uri()
    posix = path.replace("\\", "/")
    if posix.startswith("/"):
        return PurePosixPath(posix).as_uri()
    while posix.startswith("./"):
        posix = posix[2:]
    # A relative reference must not look like a scheme (`c:x`) and must escape spaces and `%`.
    return quote(posix, safe="/")
