"""Output targets: pure functions from the resolved models to documents (path -> data).

A target never parses and never writes: it returns `Document`s, which the writers serialise and
`stackc.output` puts on disk. A target is added by adding a module with an `emit(context)`
function and one line to `TARGETS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from stackc import ir
from stackc.diagnostics import Diagnostic


@dataclass(frozen=True)
class Document:
    # Relative to the output folder, POSIX separators.
    path: str
    data: Any
    # `yaml` and `json` take plain data (dicts keep their order); `text` takes a string.
    format: Literal["yaml", "json", "text"] = "yaml"
    # Line-comment marker for the "generated, do not edit" header of a text format; empty for a
    # format without comments.
    comment: str = "#"


@dataclass
class BuildContext:
    # Every environment's model: shared files are computed from all of them, whatever `--env` says.
    models: dict[str, ir.EnvironmentModel]
    # The environments to emit per-environment files for (all, or those of `--env`).
    selected: list[str]
    # The stack file's name, for headers.
    source: str


@dataclass
class TargetOutput:
    documents: list[Document] = field(default_factory=list)
    # What a target cannot express: reported, never silently dropped.
    diagnostics: list[Diagnostic] = field(default_factory=list)


Target = Callable[[BuildContext], TargetOutput]


# `--target` name -> the module whose `emit` builds it, in build order (CLI.md's names).
TARGETS: dict[str, str] = {
    "compose": "stackc.targets.compose",
    "kubernetes": "stackc.targets.kubernetes",
    "terraform": "stackc.targets.terraform",
    "github": "stackc.targets.github",
    "prometheus": "stackc.targets.prometheus",
    "grafana": "stackc.targets.grafana",
}


def targets() -> dict[str, Target]:
    """Every available target by its `--target` name, in build order."""
    import importlib

    return {name: importlib.import_module(module).emit for name, module in TARGETS.items()}
