"""The generic syntax tree: blocks, attributes and expressions, each with its source range.

Like HCL's `hclsyntax`, the tree knows nothing of services or databases; the schema gives it
meaning. Positions are kept as plain integers (cheap for 100k nodes) and turned into a `Span`
only when a diagnostic or the IR asks for one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from stackc.diagnostics import Span


@dataclass(slots=True, eq=False)
class Node:
    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def span(self) -> Span:
        return Span(self.file, self.line, self.column, self.end_line, self.end_column)


@dataclass(slots=True, eq=False)
class Name(Node):
    value: str


@dataclass(slots=True, eq=False)
class Interpolation(Node):
    """`${service.api.url}` inside a string."""

    ref: Reference


@dataclass(slots=True, eq=False)
class String(Node):
    # The source text with its quotes, kept so that `fmt` never rewrites what the user wrote.
    raw: str
    parts: tuple[str | Interpolation, ...]
    # No `${…}` inside: the common case, decided once by the parser.
    is_plain: bool = True

    @property
    def value(self) -> str:
        """The text with interpolations written back as `${…}` (for labels and messages)."""
        return "".join(p if isinstance(p, str) else "${" + p.ref.dotted + "}" for p in self.parts)


@dataclass(slots=True, eq=False)
class Number(Node):
    text: str
    value: int | Decimal


@dataclass(slots=True, eq=False)
class Quantity(Node):
    """A number glued to a unit; the receiving attribute decides what kind it is."""

    text: str
    number: Decimal
    unit: str


@dataclass(slots=True, eq=False)
class Bool(Node):
    value: bool


@dataclass(slots=True, eq=False)
class NoneValue(Node):
    pass


@dataclass(slots=True, eq=False)
class Invalid(Node):
    """A value that already failed with a syntax diagnostic; later passes skip it silently."""


@dataclass(slots=True, eq=False)
class Symbol(Node):
    name: str


@dataclass(slots=True, eq=False)
class Reference(Node):
    parts: tuple[Name, ...]

    @property
    def dotted(self) -> str:
        return ".".join(p.value for p in self.parts)


@dataclass(slots=True, eq=False)
class ListValue(Node):
    items: list[Expression]


@dataclass(slots=True, eq=False)
class Entry(Node):
    key: Name | String
    value: Expression

    @property
    def key_text(self) -> str:
        return self.key.value


@dataclass(slots=True, eq=False)
class MapValue(Node):
    entries: list[Entry]


@dataclass(slots=True, eq=False)
class Argument(Node):
    name: Name | None
    value: Expression


@dataclass(slots=True, eq=False)
class Call(Node):
    name: Name
    args: list[Argument]


Expression = String | Number | Quantity | Bool | NoneValue | Symbol | Reference | ListValue | MapValue | Call | Invalid


@dataclass(slots=True, eq=False)
class Attribute(Node):
    name: Name
    value: Expression


@dataclass(slots=True, eq=False)
class Block(Node):
    type: Name
    labels: list[Name | String]
    body: list[Attribute | Block]

    @property
    def header(self) -> Span:
        """`service api` — where a diagnostic about something missing points."""
        last = self.labels[-1] if self.labels else self.type
        return Span(self.file, self.line, self.column, last.end_line, last.end_column)

    @property
    def label_values(self) -> list[str]:
        return [label.value for label in self.labels]


@dataclass(slots=True, eq=False)
class Import(Node):
    path: String


@dataclass(slots=True, eq=False)
class Comment(Node):
    text: str


@dataclass(slots=True, eq=False)
class File:
    path: str
    source: str
    items: list[Import | Block] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    # (type, label) of top-level blocks that did not parse: declared, but not in `items`, so
    # that references to them do not pile more errors onto the syntax error.
    broken: list[tuple[str, str]] = field(default_factory=list)
