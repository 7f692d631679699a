"""How an IR field reads in the language: the metadata that the decoder needs beyond its type.

The IR models (`stackc.ir`) are the schema: their annotations say the type, their defaults the
defaults, and a `Lang` marker in `Annotated[...]` what the annotation cannot (the language name
of a repeatable block, the kinds a reference may point at, a numeric range).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Lang:
    # Name in the language when it differs from the field (`volume` blocks fill `volumes`).
    name: str | None = None
    # A labelled block that may repeat; the field is `dict[label, Model]`.
    repeated: bool = False
    # For references: the kinds they may point at.
    kinds: tuple[str, ...] = ()
    # Inclusive numeric range.
    min: int | float | None = None
    max: int | float | None = None
    # A CPU amount or a size that must be more than zero (a zero limit means "unlimited" to
    # Docker, and a zero request or volume is no resource at all).
    positive: bool = False
    # The labels of a repeated block become resource names (`volume data` -> `api-data`).
    dns_label: bool = False
    # A string that may also be written as a bare name (`capabilities = [NET_BIND_SERVICE]`).
    symbol: bool = False
    # Required even though the model gives a default (the default only stands for "absent").
    required: bool = False
    # Internal: filled by the compiler, not settable from the language.
    derived: bool = False
    doc: str = ""
