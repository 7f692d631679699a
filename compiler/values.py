"""Typed values of the language: quantities, references and interpolated text.

A quantity keeps the text the user wrote next to its number, so that targets can emit `256Mi`
where the format takes it and the exact number where it does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from stackc.diagnostics import Span

DURATION_UNITS = {"ms": Decimal("0.001"), "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
SIZE_UNITS = {
    "Ki": 1024,
    "Mi": 1024**2,
    "Gi": 1024**3,
    "Ti": 1024**4,
    "k": 1000,
    "M": 1000**2,
    "G": 1000**3,
    "T": 1000**4,
}


@dataclass(frozen=True, slots=True)
class Duration:
    text: str
    seconds: Decimal

    @classmethod
    def parse(cls, text: str) -> Duration:
        for unit in ("ms", "s", "m", "h", "d", "w"):
            if text.endswith(unit) and text[: -len(unit)].replace(".", "", 1).lstrip("-").isdigit():
                return cls(text, Decimal(text[: -len(unit)]) * DURATION_UNITS[unit])
        raise ValueError(text)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Size:
    text: str
    bytes: int

    @classmethod
    def parse(cls, text: str) -> Size:
        for unit in ("Ki", "Mi", "Gi", "Ti", "k", "M", "G", "T"):
            if text.endswith(unit):
                return cls(text, int(Decimal(text[: -len(unit)]) * SIZE_UNITS[unit]))
        raise ValueError(text)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Cpu:
    """CPU as Kubernetes counts it: `250m` millicores or a plain number of cores."""

    text: str
    millicores: int

    @classmethod
    def parse(cls, text: str) -> Cpu:
        if text.endswith("m"):
            return cls(text, int(Decimal(text[:-1])))
        return cls(text, int(Decimal(text) * 1000))

    @classmethod
    def of_millicores(cls, millicores: int) -> Cpu:
        if millicores % 1000 == 0:
            return cls(str(millicores // 1000), millicores)
        return cls(f"{millicores}m", millicores)

    @property
    def cores(self) -> Decimal:
        return Decimal(self.millicores) / 1000

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Percent:
    text: str
    value: Decimal

    @classmethod
    def parse(cls, text: str) -> Percent:
        return cls(text, Decimal(text.rstrip("%")))

    @property
    def ratio(self) -> Decimal:
        return self.value / 100

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Ref:
    """A resolved reference: `service.api`, `secret.db-url`, `database.orders.uri`."""

    kind: str
    name: str
    prop: str | None
    span: Span

    @property
    def dotted(self) -> str:
        return ".".join(p for p in (self.kind, self.name, self.prop) if p)

    @property
    def is_secret(self) -> bool:
        """Secrets, and database/queue `.uri`, which is a secret (LANGUAGE.md §3)."""
        return self.kind == "secret" or (self.kind in ("database", "queue") and self.prop == "uri")


@dataclass(frozen=True, slots=True)
class Text:
    """A string with `${…}` references that only a target can fill in (hosts, ports, URLs)."""

    parts: tuple[str | Ref, ...]

    @property
    def refs(self) -> tuple[Ref, ...]:
        return tuple(p for p in self.parts if isinstance(p, Ref))

    def __str__(self) -> str:
        return "".join(p if isinstance(p, str) else "${" + p.dotted + "}" for p in self.parts)
