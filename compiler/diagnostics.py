"""Diagnostics are values: every pass returns them, only the CLI renders them.

Shaped after HCL's `hcl.Diagnostic` (severity, summary, subject range) with rustc's additions:
a stable code, secondary labels and a structured `help`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A source range: 1-based line and column, end exclusive (as HCL's `hcl.Range`)."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def to(self, other: Span) -> Span:
        """The span from the start of `self` to the end of `other`."""
        return Span(self.file, self.line, self.column, other.end_line, other.end_column)


class Severity(enum.IntEnum):
    # Ordered so that `max()` over findings gives the one that decides the exit code.
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]


@dataclass(frozen=True, slots=True)
class Label:
    """A secondary place that explains the finding ("first declared here")."""

    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span | None
    # Text printed under the carets of the primary span, e.g. "did you mean `memory`?"
    note: str | None = None
    labels: tuple[Label, ...] = ()
    help: str | None = None
    # Environments in which the finding holds; empty when it does not depend on one.
    environments: tuple[str, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple:
        if self.span is None:
            return ("", 0, 0, self.code, self.message)
        return (self.span.file, self.span.line, self.span.column, self.code, self.message)

    def in_environments(self, names: Iterable[str]) -> Diagnostic:
        return replace(self, environments=tuple(names))


def error(code: str, message: str, span: Span | None, **kwargs) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, span, **kwargs)


def warning(code: str, message: str, span: Span | None, **kwargs) -> Diagnostic:
    return Diagnostic(code, Severity.WARNING, message, span, **kwargs)


def merge_environments(diagnostics: Iterable[Diagnostic], all_environments: Sequence[str]) -> list[Diagnostic]:
    """One finding per place: the copies found in several environments become one.

    A finding that holds in every environment of the stack carries no environment list at all,
    since naming them all would say nothing.
    """
    merged: dict[tuple, tuple[Diagnostic, list[str]]] = {}
    for d in diagnostics:
        key = (d.code, d.span, d.message, d.note, d.help, d.labels, d.severity)
        if key in merged:
            envs = merged[key][1]
            for env in d.environments:
                if env not in envs:
                    envs.append(env)
        else:
            merged[key] = (d, list(d.environments))
    out = []
    for d, envs in merged.values():
        holds_everywhere = not envs or set(envs) >= set(all_environments)
        ordered = () if holds_everywhere else tuple(e for e in all_environments if e in envs)
        out.append(replace(d, environments=ordered))
    out.sort(key=Diagnostic.sort_key)
    return out


def did_you_mean(name: str, candidates: Iterable[str], max_distance: int = 2) -> str | None:
    """The nearest candidate within `max_distance` edits (rustc's and HCL's rule), if any."""
    best: tuple[int, str] | None = None
    lowered = name.lower()
    for candidate in candidates:
        if candidate == name:
            continue
        distance = _edit_distance(lowered, candidate.lower(), max_distance)
        if distance <= max_distance and (best is None or (distance, candidate) < best):
            best = (distance, candidate)
    return best[1] if best else None


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a transposition counts once), cut off above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous_previous: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous_previous[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous_previous, previous = previous, current
    return previous[-1]
