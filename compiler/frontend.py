"""The front end as one call: source file to typed per-environment models plus diagnostics."""

from __future__ import annotations

from dataclasses import dataclass, field

from stackc import ir
from stackc.diagnostics import Diagnostic, Severity
from stackc.resolve.environment import resolve
from stackc.resolve.program import load_program
from stackc.syntax.parser import decode_source


@dataclass
class Compilation:
    models: dict[str, ir.EnvironmentModel] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)


def compile_source(data: bytes, path: str) -> Compilation:
    """Everything the front end knows about one entry file; never raises on bad input."""
    text, diagnostics = decode_source(data, path)
    if text is None:
        return Compilation(diagnostics=diagnostics)
    program = load_program(path, text)
    models, diagnostics = resolve(program)
    return Compilation(models, diagnostics, program.sources)
