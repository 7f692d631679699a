"""Source text to the generic syntax tree, with every syntax error of a file at once.

The Lark LALR parser builds the tree through an inline transformer (no intermediate parse tree;
spans come from the tokens). A file that parses cleanly takes that one fast pass. Only a broken
file takes the recovery path: lex with error recovery, cut the token stream into top-level
blocks, and parse each block on its own, so that one broken block yields one error and the
blocks after it are still checked.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from functools import cache

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import LexerState, LineCounter, TextSlice
from stackc.diagnostics import Diagnostic, Span, error
from stackc.syntax import tree as t
from stackc.syntax.strings import decode_string

MAX_SOURCE_BYTES = 16 * 1024 * 1024

_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?\Z")
_QUANTITY = re.compile(r"(-?[0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d|w|Ki|Mi|Gi|Ti|k|M|G|T|%)\Z")

# How an expected terminal reads in an error message.
_WORDS = {
    "NAME": "a name",
    "STRING": "a string",
    "NUMBER": "a number",
    "TRUE": "`true`",
    "FALSE": "`false`",
    "NONE": "`none`",
    "IMPORT": "`import`",
    "LBRACE": "`{`",
    "RBRACE": "`}`",
    "LSQB": "`[`",
    "RSQB": "`]`",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "_EQ": "`=`",
    "_COMMA": "`,`",
    "_DOT": "`.`",
    "$END": "end of file",
}
_VALUE_STARTS = {"STRING", "NUMBER", "TRUE", "FALSE", "NONE", "LSQB", "LBRACE", "NAME"}
_OPENERS = {"LBRACE": "RBRACE", "LSQB": "RSQB", "LPAR": "RPAR"}
_CLOSERS = {v: k for k, v in _OPENERS.items()}


class _Builder:
    """Inline transformer: one method per grammar rule, building `tree` nodes from tokens."""

    def __init__(self) -> None:
        self.file = ""
        self.diagnostics: list[Diagnostic] = []

    # -- helpers -------------------------------------------------------------------------------
    def _name(self, tok: Token) -> t.Name:
        return t.Name(self.file, tok.line, tok.column, tok.end_line, tok.end_column, str(tok))

    def _string(self, tok: Token) -> t.String:
        node, diagnostics = decode_string(str(tok), self.file, tok.line, tok.column)
        if diagnostics:
            self.diagnostics.extend(diagnostics)
        return node

    # -- rules ---------------------------------------------------------------------------------
    def start(self, children: list) -> list:
        return children

    def import_decl(self, c: list) -> t.Import:
        kw, path = c
        return t.Import(self.file, kw.line, kw.column, path.end_line, path.end_column, self._string(path))

    def block(self, c: list) -> t.Block:
        head, close = c[0], c[-1]
        labels: list[t.Name | t.String] = []
        i = 1
        while not (isinstance(c[i], Token) and c[i].type == "LBRACE"):
            tok = c[i]
            labels.append(self._string(tok) if tok.type == "STRING" else self._name(tok))
            i += 1
        return t.Block(
            self.file,
            head.line,
            head.column,
            close.end_line,
            close.end_column,
            self._name(head),
            labels,
            c[i + 1 : -1],
        )

    def attribute(self, c: list) -> t.Attribute:
        name, value = c
        return t.Attribute(self.file, name.line, name.column, value.end_line, value.end_column, self._name(name), value)

    def string(self, c: list) -> t.String:
        return self._string(c[0])

    def number(self, c: list) -> t.Number | t.Quantity | t.Invalid:
        tok = c[0]
        text = str(tok)
        pos = (self.file, tok.line, tok.column, tok.end_line, tok.end_column)
        if _NUMBER.match(text):
            return t.Number(*pos, text, int(text) if "." not in text else Decimal(text))
        match = _QUANTITY.match(text)
        if match:
            return t.Quantity(*pos, text, Decimal(match.group(1)), match.group(2))
        self.diagnostics.append(
            error(
                "E0104",
                f"malformed number or quantity `{text}`",
                Span(*pos),
                help="a number is digits with an optional fraction (`3`, `0.5`); a quantity glues one "
                "unit to it: ms s m h d w (durations), Ki Mi Gi Ti k M G T (sizes), m (millicores), %",
            )
        )
        return t.Invalid(*pos)

    def true(self, c: list) -> t.Bool:
        tok = c[0]
        return t.Bool(self.file, tok.line, tok.column, tok.end_line, tok.end_column, True)

    def false(self, c: list) -> t.Bool:
        tok = c[0]
        return t.Bool(self.file, tok.line, tok.column, tok.end_line, tok.end_column, False)

    def none(self, c: list) -> t.NoneValue:
        tok = c[0]
        return t.NoneValue(self.file, tok.line, tok.column, tok.end_line, tok.end_column)

    def list(self, c: list) -> t.ListValue:
        first, last = c[0], c[-1]
        return t.ListValue(self.file, first.line, first.column, last.end_line, last.end_column, c[1:-1])

    def map(self, c: list) -> t.MapValue:
        first, last = c[0], c[-1]
        return t.MapValue(self.file, first.line, first.column, last.end_line, last.end_column, c[1:-1])

    def entry(self, c: list) -> t.Entry:
        key_tok, value = c
        key = self._string(key_tok) if key_tok.type == "STRING" else self._name(key_tok)
        return t.Entry(self.file, key.line, key.column, value.end_line, value.end_column, key, value)

    def reference(self, c: list) -> t.Reference:
        first, last = c[0], c[-1]
        return t.Reference(
            self.file, first.line, first.column, last.end_line, last.end_column, tuple(self._name(p) for p in c)
        )

    def call(self, c: list) -> t.Call:
        name, close = c[0], c[-1]
        return t.Call(self.file, name.line, name.column, close.end_line, close.end_column, self._name(name), c[2:-1])

    def arg(self, c: list) -> t.Argument:
        (value,) = c
        return t.Argument(self.file, value.line, value.column, value.end_line, value.end_column, None, value)

    def kwarg(self, c: list) -> t.Argument:
        name, value = c
        return t.Argument(self.file, name.line, name.column, value.end_line, value.end_column, self._name(name), value)

    def symbol(self, c: list) -> t.Symbol:
        tok = c[0]
        return t.Symbol(self.file, tok.line, tok.column, tok.end_line, tok.end_column, str(tok))


class _Comments:
    """Lexer callback that keeps comments for the formatter (the parser never sees them)."""

    def __init__(self) -> None:
        self.file = ""
        self.items: list[t.Comment] = []

    def __call__(self, tok: Token) -> Token:
        self.items.append(t.Comment(self.file, tok.line, tok.column, tok.end_line, tok.end_column, str(tok)))
        return tok


@cache
def _parser() -> tuple[Lark, _Builder, _Comments]:
    builder = _Builder()
    comments = _Comments()
    import stackc.grammar

    # Beside the package's own `__init__.py` in wheels and editable installs alike; reading it
    # directly spares `importlib.resources` on every start.
    grammar_path = os.path.join(os.path.dirname(stackc.grammar.__file__), "stack.lark")
    with open(grammar_path, encoding="utf-8") as handle:
        grammar = handle.read()
    lark = Lark(
        grammar,
        parser="lalr",
        lexer="basic",
        transformer=builder,
        lexer_callbacks={"COMMENT": comments},
        start="start",
        cache=True,
        maybe_placeholders=False,
    )
    return lark, builder, comments


def decode_source(data: bytes, path: str) -> tuple[str | None, list[Diagnostic]]:
    """Bytes to text; a file that is not UTF-8 or is too large gets a diagnostic, not an exception."""
    if len(data) > MAX_SOURCE_BYTES:
        return None, [
            error(
                "E0108",
                f"file is too large ({len(data):,} bytes; the limit is {MAX_SOURCE_BYTES:,})",
                Span(path, 1, 1, 1, 1),
                help="split the stack over several files with `import`",
            )
        ]
    try:
        # Windows line endings: one newline for every later pass, so that a `"""` string or a
        # comment means the same whatever editor saved the file. Columns do not move.
        return data.decode("utf-8").replace("\r\n", "\n"), []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [
            error(
                "E0106",
                "file is not valid UTF-8",
                Span(path, line, column, line, column + 1),
                note=f"byte 0x{data[exc.start]:02x} cannot start or continue a UTF-8 character",
                help="save the file as UTF-8",
            )
        ]


def parse(source: str, path: str) -> tuple[t.File, list[Diagnostic]]:
    """Parse one file. Always returns a tree (possibly partial) and the syntax diagnostics."""
    lark, builder, comments = _parser()
    builder.file = comments.file = path
    builder.diagnostics = []
    comments.items = []
    broken: list[tuple[str, str]] = []
    try:
        items = lark.parse(source)
    except UnexpectedInput:
        builder.diagnostics = []
        comments.items = []
        items, syntax = _parse_with_recovery(lark, source, path, broken)
        builder.diagnostics.extend(syntax)
    if items is None:
        items = []
    diagnostics = builder.diagnostics
    return t.File(path, source, list(items), comments.items, broken), diagnostics


# -- recovery ----------------------------------------------------------------------------------


def _lex_with_recovery(lark: Lark, source: str, path: str) -> tuple[list[Token], list[Diagnostic]]:
    lexer = lark.lexer if hasattr(lark, "lexer") else lark._build_lexer()
    state = LexerState(TextSlice(source, 0, len(source)), LineCounter("\n"))
    tokens: list[Token] = []
    diagnostics: list[Diagnostic] = []
    line_ctr = state.line_ctr
    while True:
        try:
            tok = lexer.next_token(state)
        except EOFError:
            break
        except UnexpectedCharacters as exc:
            pos, line, column = exc.pos_in_stream, exc.line, exc.column
            char = source[pos]
            if char == '"':
                triple = source.startswith('"""', pos)
                end = len(source) if triple else _line_end(source, pos)
                diagnostics.append(
                    error(
                        "E0102",
                        "unterminated string",
                        Span(path, line, column, line, column + (3 if triple else 1)),
                        note="this string is never closed",
                        help='close it with `"""`'
                        if triple
                        else 'close it with `"` on the same line; use `"""…"""` for text over several lines',
                    )
                )
                line_ctr.feed(source[pos:end])
            else:
                shown = char if char.isprintable() else f"U+{ord(char):04X}"
                diagnostics.append(
                    error(
                        "E0105",
                        f"unexpected character `{shown}`",
                        Span(path, line, column, line, column + 1),
                        help="names are letters, digits, `_` and `-`; text goes in double quotes",
                    )
                )
                line_ctr.feed(char)
            continue
        if tok.type == "STRING" and tok == '""' and source.startswith('"', tok.end_pos):
            # `"""` never closed: the lexer took its first two quotes for an empty string.
            diagnostics.append(
                error(
                    "E0102",
                    "unterminated string",
                    Span(path, tok.line, tok.column, tok.line, tok.column + 3),
                    note="this string is never closed",
                    help='close it with `"""`',
                )
            )
            line_ctr.feed(source[line_ctr.char_pos :])
            continue
        tokens.append(tok)
    return tokens, diagnostics


def _line_end(source: str, pos: int) -> int:
    end = source.find("\n", pos)
    return len(source) if end == -1 else end


class _Segment:
    def __init__(self) -> None:
        self.tokens: list[Token] = []
        self.unclosed: Token | None = None


def _segments(tokens: list[Token]) -> list[_Segment]:
    """Cut the token stream where top-level blocks start.

    A block header (`name label… {`) at column 1 starts a new segment even while braces are
    still open: the block before it was never closed, and the later blocks still get checked.
    """
    segments: list[_Segment] = []
    current = _Segment()
    stack: list[Token] = []
    for i, tok in enumerate(tokens):
        if stack and tok.column == 1 and tok.type in ("NAME", "IMPORT") and _starts_header(tokens, i):
            current.unclosed = stack[0]
            segments.append(current)
            current, stack = _Segment(), []
        if not stack and not current.tokens and tok.type not in ("NAME", "IMPORT") and tok.type not in _OPENERS:
            # A stray token between blocks (`a { }, b { }`): its own error, not the next block's.
            stray = _Segment()
            stray.tokens.append(tok)
            segments.append(stray)
            continue
        current.tokens.append(tok)
        if tok.type in _OPENERS:
            stack.append(tok)
        elif tok.type in _CLOSERS:
            if stack and _OPENERS[stack[-1].type] == tok.type:
                stack.pop()
            if not stack:
                segments.append(current)
                current = _Segment()
        elif not stack and tok.type == "STRING" and current.tokens[0].type == "IMPORT":
            segments.append(current)
            current = _Segment()
    if current.tokens:
        current.unclosed = stack[0] if stack else None
        segments.append(current)
    return segments


def _starts_header(tokens: list[Token], i: int) -> bool:
    if tokens[i].type == "IMPORT":
        return True
    for tok in tokens[i + 1 :]:
        if tok.type == "LBRACE":
            return True
        if tok.type not in ("NAME", "STRING"):
            return False
    return False


def _parse_with_recovery(
    lark: Lark, source: str, path: str, broken: list[tuple[str, str]]
) -> tuple[list, list[Diagnostic]]:
    tokens, diagnostics = _lex_with_recovery(lark, source, path)
    bad_lines = {d.span.line for d in diagnostics if d.span}
    items: list = []
    for segment in _segments(tokens):
        parser = lark.parse_interactive(start="start")
        fed = 0
        try:
            for tok in segment.tokens:
                parser.feed_token(tok)
                fed += 1
            items.extend(parser.feed_eof())
        except UnexpectedToken as exc:
            if exc.interactive_parser is None:
                # A failed feed may have reduced the stack already: replay up to the bad token
                # so that the message can ask the parser what it would have accepted.
                exc.interactive_parser = _replay(lark, segment.tokens[:fed])
            header = _header(segment.tokens)
            if header is not None:
                broken.append(header)
            if any(tok.line in bad_lines for tok in segment.tokens):
                continue  # the lexer already reported what broke this block
            diagnostics.append(_unexpected(exc, segment, path))
    return items, diagnostics


def _replay(lark: Lark, tokens: list[Token]):
    parser = lark.parse_interactive(start="start")
    builder = _parser()[1]
    saved = builder.diagnostics
    builder.diagnostics = []  # the replay must not report string errors a second time
    try:
        for tok in tokens:
            parser.feed_token(tok)
    finally:
        builder.diagnostics = saved
    return parser


def _header(tokens: list[Token]) -> tuple[str, str] | None:
    """`service api {` of a block that did not parse: it is declared, even though broken."""
    if len(tokens) >= 2 and tokens[0].type == "NAME" and tokens[1].type in ("NAME", "STRING", "LBRACE"):
        label = str(tokens[1]).strip('"') if tokens[1].type != "LBRACE" else ""
        return str(tokens[0]), label
    return None


def _unexpected(exc: UnexpectedToken, segment: _Segment, path: str) -> Diagnostic:
    tok = exc.token
    # LALR lookahead sets merge contexts (a list's state also "expects" `)` and `}`); asking
    # the parser which tokens it would really accept here gives the honest list.
    try:
        accepted = exc.interactive_parser.accepts() or set(exc.expected)
    except Exception:
        accepted = set(exc.expected)
    expected = sorted({_WORDS.get(name, name) for name in accepted})
    if tok.type == "$END" and segment.unclosed is not None:
        opener = segment.unclosed
        closer = _WORDS[_OPENERS[opener.type]]
        return error(
            "E0107",
            f"unclosed `{opener}`",
            Span(path, opener.line, opener.column, opener.end_line, opener.end_column),
            note=f"this `{opener}` is never closed",
            help=f"add the missing {closer}",
        )
    if tok.type == "$END":
        last = segment.tokens[-1]
        span = Span(path, last.end_line, last.end_column, last.end_line, last.end_column + 1)
        found = "end of file"
    else:
        span = Span(path, tok.line, tok.column, tok.end_line, tok.end_column)
        found = f"`{tok}`" if tok.type not in ("STRING", "NUMBER") else f"{_WORDS[tok.type]} `{tok}`"
    if accepted >= _VALUE_STARTS - {"NAME"}:
        wanted = "a value"
    elif accepted <= {"IMPORT", "NAME", "$END"}:
        wanted = "a block or an `import`"
    elif len(expected) <= 4:
        wanted = " or ".join([", ".join(expected[:-1]), expected[-1]] if len(expected) > 1 else expected)
    else:
        wanted = "one of " + ", ".join(expected)
    return error("E0101", f"expected {wanted}, found {found}", span, help=_syntax_help(tok, accepted))


def _syntax_help(tok: Token, expected: set[str]) -> str | None:
    if "_EQ" in expected and "LBRACE" in expected:
        return "an attribute is `name = value`; a block is `name label… { … }`"
    if tok.type == "_EQ":
        return "`=` follows an attribute name; block labels are names or strings"
    if expected & {"RSQB", "_COMMA"} and "RSQB" in expected:
        return "list items are separated by commas: `[a, b]`"
    return None
