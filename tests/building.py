"""Building one target in-process, as `stackc build FILE -o OUT --target T` does."""

from __future__ import annotations

from pathlib import Path

from stackc import ir
from stackc.build import run_targets
from stackc.frontend import compile_source
from stackc.targets import BuildContext, targets


def build_target(target: str, source: Path, out: Path) -> tuple[dict[str, ir.EnvironmentModel], dict[str, bytes]]:
    """Compile `source`, run `target` alone through the same functions as the CLI, write its files
    under `out`; the program and the target must report no error."""
    compilation = compile_source(source.read_bytes(), str(source))
    assert not compilation.has_errors, [d.message for d in compilation.diagnostics if d.is_error]
    context = BuildContext(compilation.models, list(compilation.models), source.name)
    files, diagnostics = run_targets({target: targets()[target]}, context)
    assert not [d for d in diagnostics if d.is_error]
    for path, data in files.items():
        written = out / path
        written.parent.mkdir(parents=True, exist_ok=True)
        written.write_bytes(data)
    return compilation.models, files
