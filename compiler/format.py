"""`stackc fmt`: print a parsed file back in one canonical layout, keeping every comment.

The formatter works on the generic syntax tree plus the source positions the parser keeps, so
it needs no knowledge of services or databases. A file with a syntax error is never formatted:
its tree is partial, and printing it would silently delete what the parser skipped.

Canonical layout
----------------
Indentation and members
  - Two spaces per level. A multi-line block, map, list or call has one member per line and its
    closing `}` / `]` / `)` on its own line at the construct's own indentation.
  - Block members are never separated by commas; multi-line maps have no commas either;
    multi-line lists and calls end every item with a comma (so adding one is a one-line diff).

One line or several: the user's choice
  - A block, map, list or call whose opening and closing bracket are on the same source line
    stays on one line; otherwise it is expanded, one member per line. Because a comment runs to
    the end of its line, a construct that contains a comment is always multi-line.
  - One-line forms: `health { http = "/healthz"  interval = 10s }` (block members separated by
    two spaces), `{ a = 1, b = 2 }`, `["a", "b"]`, `s3("bucket", key = "shop")`.
  - Empty forms: `name {}`, `{}`, `[]`, `f()` (an empty construct with a comment inside keeps
    the comment and stays multi-line).
  - A block header (`service api`) and `name = value` always end up on the line of their first
    token, whatever line breaks the user put inside them.

Alignment
  - In a multi-line block or map, the `=` of consecutive one-line attributes (entries) is
    aligned, as `terraform fmt` does. A run of aligned lines is broken by a blank line, a
    comment on its own line, a nested block, or an attribute whose printed form spans several
    lines (that attribute is printed with a single space before its `=`). Arguments of a
    multi-line call are not aligned.

Spacing inside a line
  - `name = value` with one space around `=` everywhere, including keyword arguments of calls
    (`vault("kv/x", key = "url")`) and entries of one-line maps.
  - `, ` between list items, map entries and call arguments; no space inside `[]` and `()`,
    one space inside `{ }` of a non-empty one-line map or block.

Blank lines
  - Where the user had one or more blank lines between two members (or comments), exactly one
    is kept; none is added anywhere. None directly after an opening bracket, before a closing
    one, or at the start of the file. A non-empty file ends with exactly one newline; a file
    with neither declarations nor comments formats to the empty string.

Comments
  - A comment on its own line stays before the member that follows it, at that member's
    indentation; comments after the last member of a block, map, list or call stay inside it,
    before the closing bracket; comments after the last declaration stay at the end of the file.
  - A comment at the end of a line stays at the end of that line, after two spaces: after the
    member it follows (`port = 8080  # main`) or after the opening bracket (`env = {  # why`).
  - A comment inside something that is always printed on one line (between a block's type and
    its labels, between an attribute's name and its value, inside a dotted reference) moves to
    its own line directly before the member that contains it. Order is always kept.
  - Comment text is kept verbatim except for trailing whitespace (including the `\\r` of
    CRLF files), which is removed.

Tokens
  - Printed as the user wrote them: strings from their source text (escapes, `${…}` and
    `\"\"\"…\"\"\"` untouched, including the text lines of a multi-line string, which are never
    re-indented), numbers and quantities from their text, references dotted, labels and map keys
    as a name or the string's source text, `import "x"` unchanged.

Every rule depends only on the tree, the comments and where the user put line breaks and blank
lines, and the output keeps each of those decisions, so formatting is idempotent.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from stackc.diagnostics import Diagnostic
from stackc.syntax import tree as t
from stackc.syntax.parser import parse

INDENT = "  "

# (line, column), 1-based, as the parser reports them.
_Pos = tuple[int, int]
_END_OF_FILE: _Pos = (1 << 62, 1 << 62)
# The whitespace the grammar ignores; a source line of only these is blank.
_WHITESPACE = " \t\r\f\ufeff"

_N = TypeVar("_N", bound=t.Node)


def format_source(source: str, path: str) -> tuple[str | None, list[Diagnostic]]:
    """The canonical text of `source`, or None and the syntax errors when it does not parse."""
    tree, diagnostics = parse(source, path)
    if any(d.is_error for d in diagnostics):
        return None, diagnostics
    return _Printer(tree).file(), diagnostics


# -- output lines ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Line:
    # Depth is relative to the member being built; containers add one level to their body.
    depth: int
    text: str
    # A continuation line of a `"""` string: its leading whitespace is part of the string's
    # value, so it is printed exactly as written, never indented.
    verbatim: bool = False


def _text_lines(text: str) -> list[_Line]:
    first, *rest = text.split("\n")
    return [_Line(0, first), *(_Line(0, line, True) for line in rest)]


def _concat(left: list[_Line], right: list[_Line]) -> list[_Line]:
    """`right` continued on the last line of `left` (`key = ` then a value, say)."""
    last = left[-1]
    joined = _Line(last.depth, last.text + right[0].text, last.verbatim)
    return [*left[:-1], joined, *(_Line(line.depth + last.depth, line.text, line.verbatim) for line in right[1:])]


def _indented(lines: list[_Line]) -> list[_Line]:
    return [_Line(line.depth + 1, line.text, line.verbatim) for line in lines]


def _render(lines: Sequence[_Line]) -> str:
    out = []
    for line in lines:
        if line.verbatim or not line.text:
            out.append(line.text)
        else:
            out.append(INDENT * line.depth + line.text)
    return "\n".join(out)


# -- members of a multi-line construct ----------------------------------------------------------


@dataclass(slots=True)
class _Piece:
    """One member, rendered: `key` is set for `key = value` members, whose `=` may be aligned."""

    lines: list[_Line]
    key: str | None = None

    @property
    def one_line(self) -> bool:
        return len(self.lines) == 1 and (self.key is None or "\n" not in self.key)


@dataclass(slots=True)
class _CommentElement:
    comment: t.Comment

    @property
    def first_line(self) -> int:
        return self.comment.line

    @property
    def last_line(self) -> int:
        return self.comment.line


@dataclass(slots=True)
class _MemberElement:
    node: t.Node
    piece: _Piece
    # Comments from inside a part of the member that is printed on one line; they go on their
    # own lines right before it.
    hoisted: list[t.Comment] = field(default_factory=list)
    trailing: t.Comment | None = None

    @property
    def first_line(self) -> int:
        return self.node.line

    @property
    def last_line(self) -> int:
        return self.node.end_line


_Element = _CommentElement | _MemberElement


def _comment_text(comment: t.Comment) -> str:
    return comment.text.rstrip()


def _start(node: t.Node) -> _Pos:
    return (node.line, node.column)


def _end(node: t.Node) -> _Pos:
    return (node.end_line, node.end_column)


def _closer(node: t.Node) -> _Pos:
    # Spans are end-exclusive, so the closing bracket is the last column of the node.
    return (node.end_line, node.end_column - 1)


def _key_text(key: t.Name | t.String) -> str:
    return key.value if isinstance(key, t.Name) else key.raw


class _Printer:
    """Walks the tree in source order, handing out each comment exactly once."""

    def __init__(self, tree: t.File) -> None:
        self.tree = tree
        self.source = tree.source
        self.source_lines = tree.source.split("\n")
        self.line_starts = [0]
        for line in self.source_lines[:-1]:
            self.line_starts.append(self.line_starts[-1] + len(line) + 1)
        self.comments = sorted(tree.comments, key=_start)
        self.next_comment = 0
        # One frame per member being rendered inside a multi-line construct: where comments
        # found in the member's one-line parts are collected to be printed before it.
        self.hoisted: list[list[t.Comment]] = []

    # -- comments and source text --------------------------------------------------------------

    def _take_until(self, pos: _Pos) -> list[t.Comment]:
        """Every comment not yet printed that starts before `pos`."""
        taken = []
        while self.next_comment < len(self.comments) and _start(self.comments[self.next_comment]) < pos:
            taken.append(self.comments[self.next_comment])
            self.next_comment += 1
        return taken

    def _hoist_until(self, pos: _Pos) -> None:
        self.hoisted[-1].extend(self._take_until(pos))

    def _blank_between(self, after_line: int, before_line: int) -> bool:
        return any(not self.source_lines[n - 1].strip(_WHITESPACE) for n in range(after_line + 1, before_line))

    def _find(self, after: _Pos, char: str) -> _Pos:
        """The position of `char`, the next token after `after` (past whitespace and comments).

        The tree keeps no position for a block's `{` or a call's `(`, but where they are decides
        the one-line form and which comments belong to the header.
        """
        offset = self.line_starts[after[0] - 1] + after[1] - 1
        while offset < len(self.source):
            c = self.source[offset]
            if c == char:
                line = bisect_right(self.line_starts, offset)
                return (line, offset - self.line_starts[line - 1] + 1)
            if c == "#":
                newline = self.source.find("\n", offset)
                offset = len(self.source) if newline == -1 else newline
            elif c in _WHITESPACE or c == "\n":
                offset += 1
            else:
                break
        raise ValueError(f"no `{char}` after {after} in a file that parsed")  # a parser bug

    # -- the file and multi-line constructs ----------------------------------------------------

    def file(self) -> str:
        items = self.tree.items
        leading = self._take_until(_start(items[0]) if items else _END_OF_FILE)
        elements = self._elements(items, self._top_level, leading, _END_OF_FILE)
        # Whatever a construct did not claim would otherwise vanish without a trace.
        if self.next_comment != len(self.comments):
            raise ValueError("the formatter lost a comment")
        if not elements:
            return ""
        return _render(self._layout(elements, align=False, suffix="")) + "\n"

    def _elements(
        self,
        items: Sequence[_N],
        render: Callable[[_N], _Piece],
        pending: list[t.Comment],
        stop: _Pos,
    ) -> list[_Element]:
        """Members and own-line comments of a construct, each comment at its place."""
        elements: list[_Element] = []
        for i, item in enumerate(items):
            elements.extend(_CommentElement(c) for c in pending)
            self.hoisted.append([])
            piece = render(item)
            self._hoist_until(_end(item))
            hoisted = self.hoisted.pop()
            following = self._take_until(_start(items[i + 1]) if i + 1 < len(items) else stop)
            trailing = None
            if following and following[0].line == item.end_line:
                trailing = following.pop(0)
            pending = following
            elements.append(_MemberElement(item, piece, hoisted, trailing))
        elements.extend(_CommentElement(c) for c in pending)
        return elements

    def _layout(self, elements: list[_Element], *, align: bool, suffix: str) -> list[_Line]:
        widths = self._alignment(elements) if align else {}
        out: list[_Line] = []
        previous: _Element | None = None
        for element in elements:
            if previous is not None and self._blank_between(previous.last_line, element.first_line):
                out.append(_Line(0, ""))
            previous = element
            if isinstance(element, _CommentElement):
                out.append(_Line(0, _comment_text(element.comment)))
                continue
            out.extend(_Line(0, _comment_text(c)) for c in element.hoisted)
            piece = element.piece
            lines = piece.lines
            if piece.key is not None:
                key = piece.key.ljust(widths.get(id(element), 0))
                lines = _concat(_text_lines(key + " = "), lines)
            last = lines[-1]
            text = last.text + suffix
            if element.trailing is not None:
                text += "  " + _comment_text(element.trailing)
            out.extend([*lines[:-1], _Line(last.depth, text, last.verbatim)])
        return out

    def _alignment(self, elements: list[_Element]) -> dict[int, int]:
        """The key width of every member that is part of a run of aligned `=`."""
        widths: dict[int, int] = {}
        run: list[_MemberElement] = []

        def close_run() -> None:
            width = max((len(m.piece.key or "") for m in run), default=0)
            widths.update((id(m), width) for m in run)
            run.clear()

        previous: _Element | None = None
        for element in elements:
            if isinstance(element, _MemberElement) and element.piece.key is not None and element.piece.one_line:
                # Hoisted comments are printed as a comment line above the member, which breaks
                # the run before it exactly as it will when the output is formatted again.
                if element.hoisted or (
                    previous is not None and self._blank_between(previous.last_line, element.first_line)
                ):
                    close_run()
                run.append(element)
            else:
                close_run()
            previous = element
        close_run()
        return widths

    def _container(
        self,
        head: str,
        open_at: _Pos,
        items: Sequence[_N],
        close_at: _Pos,
        render: Callable[[_N], _Piece],
        *,
        brackets: str,
        align: bool,
        suffix: str,
    ) -> list[_Line]:
        """A block, map, list or call printed over several lines (or as empty brackets)."""
        pending = self._take_until(_start(items[0]) if items else close_at)
        after_opener = pending.pop(0) if pending and pending[0].line == open_at[0] else None
        elements = self._elements(items, render, pending, close_at)
        if not elements and after_opener is None:
            return _text_lines(head + brackets)
        first = head + brackets[0]
        if after_opener is not None:
            first += "  " + _comment_text(after_opener)
        body = _indented(self._layout(elements, align=align, suffix=suffix))
        return [*_text_lines(first), *body, _Line(0, brackets[1])]

    # -- members -------------------------------------------------------------------------------

    def _top_level(self, node: t.Import | t.Block) -> _Piece:
        if isinstance(node, t.Import):
            return _Piece(_text_lines("import " + node.path.raw))
        return _Piece(self._block(node))

    def _member(self, node: t.Attribute | t.Block) -> _Piece:
        if isinstance(node, t.Attribute):
            return _Piece(self._expr(node.value), node.name.value)
        return _Piece(self._block(node))

    def _entry(self, entry: t.Entry) -> _Piece:
        return _Piece(self._expr(entry.value), _key_text(entry.key))

    def _list_item(self, item: t.Expression) -> _Piece:
        return _Piece(self._expr(item))

    def _argument(self, arg: t.Argument) -> _Piece:
        return _Piece(self._expr(arg.value), None if arg.name is None else arg.name.value)

    def _block(self, block: t.Block) -> list[_Line]:
        last = block.labels[-1] if block.labels else block.type
        brace = self._find(_end(last), "{")
        self._hoist_until(brace)
        if brace[0] == block.end_line:
            return _text_lines(_inline_block(block))
        return self._container(
            _block_header(block) + " ",
            brace,
            block.body,
            _closer(block),
            self._member,
            brackets="{}",
            align=True,
            suffix="",
        )

    def _expr(self, expr: t.Expression) -> list[_Line]:
        if isinstance(expr, t.MapValue) and expr.line != expr.end_line:
            self._hoist_until(_start(expr))
            return self._container(
                "",
                _start(expr),
                expr.entries,
                _closer(expr),
                self._entry,
                brackets="{}",
                align=True,
                suffix="",
            )
        if isinstance(expr, t.ListValue) and expr.line != expr.end_line:
            self._hoist_until(_start(expr))
            return self._container(
                "",
                _start(expr),
                expr.items,
                _closer(expr),
                self._list_item,
                brackets="[]",
                align=False,
                suffix=",",
            )
        if isinstance(expr, t.Call):
            paren = self._find(_end(expr.name), "(")
            self._hoist_until(paren)
            if paren[0] != expr.end_line:
                return self._container(
                    expr.name.value,
                    paren,
                    expr.args,
                    _closer(expr),
                    self._argument,
                    brackets="()",
                    align=False,
                    suffix=",",
                )
        return _text_lines(_inline(expr))


# -- one-line forms (they cannot contain comments) ----------------------------------------------


def _block_header(block: t.Block) -> str:
    return " ".join([block.type.value, *(_key_text(label) for label in block.labels)])


def _inline_block(block: t.Block) -> str:
    if not block.body:
        return _block_header(block) + " {}"
    members = "  ".join(
        f"{m.name.value} = {_inline(m.value)}" if isinstance(m, t.Attribute) else _inline_block(m) for m in block.body
    )
    return f"{_block_header(block)} {{ {members} }}"


def _inline(expr: t.Expression) -> str:
    match expr:
        case t.String():
            return expr.raw
        case t.Number() | t.Quantity():
            return expr.text
        case t.Bool():
            return "true" if expr.value else "false"
        case t.NoneValue():
            return "none"
        case t.Symbol():
            return expr.name
        case t.Reference():
            return expr.dotted
        case t.ListValue():
            return "[" + ", ".join(_inline(item) for item in expr.items) + "]"
        case t.MapValue():
            if not expr.entries:
                return "{}"
            entries = ", ".join(f"{_key_text(e.key)} = {_inline(e.value)}" for e in expr.entries)
            return "{ " + entries + " }"
        case t.Call():
            args = ", ".join(
                _inline(a.value) if a.name is None else f"{a.name.value} = {_inline(a.value)}" for a in expr.args
            )
            return f"{expr.name.value}({args})"
    # `Invalid` only exists next to a syntax error, and such a file is never formatted.
    raise ValueError(f"cannot format {type(expr).__name__}")
