"""Load an entry file and everything it imports into one ordered list of declarations.

`import "./x.stack"` is relative to the importing file; `import "std/NAME"` is a module of the
standard library shipped in `stackc.stdlib`. An imported file's declarations stand where its
`import` stands; a file imported twice is loaded once; a file that imports one of its importers
is a cycle (E0401).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache

from stackc.diagnostics import Diagnostic, Label, did_you_mean, error
from stackc.resolve.cycles import find_cycles
from stackc.syntax import tree as t
from stackc.syntax.parser import decode_source, parse

STD_PREFIX = "std/"


@dataclass
class Program:
    entry: str
    files: dict[str, t.File] = field(default_factory=dict)
    # Top-level blocks of every file, in declaration order (imports expanded in place).
    blocks: list[t.Block] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Blocks that did not parse, as (type, label): see `tree.File.broken`.
    broken: set[tuple[str, str]] = field(default_factory=set)

    @property
    def sources(self) -> dict[str, str]:
        return {path: f.source for path, f in self.files.items()}


@cache
def std_modules() -> dict[str, str]:
    """Module name -> source text of every `stdlib/*.stack`."""
    import stackc.stdlib

    folder = os.path.dirname(stackc.stdlib.__file__)
    modules = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".stack"):
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                modules[name.removesuffix(".stack")] = handle.read()
    return modules


def load_program(entry_path: str, entry_source: str) -> Program:
    program = Program(entry_path)
    imports: dict[str, list[tuple[str, t.Import]]] = {}
    _load(program, entry_path, entry_source, imports)
    _report_import_cycles(program, imports)
    return program


def _load(program: Program, path: str, source: str, imports: dict[str, list[tuple[str, t.Import]]]) -> None:
    tree, diagnostics = parse(source, path)
    program.files[path] = tree
    program.diagnostics.extend(diagnostics)
    program.broken.update(tree.broken)
    imports[path] = []
    for item in tree.items:
        if isinstance(item, t.Block):
            program.blocks.append(item)
            continue
        target = _locate(program, path, item)
        if target is None:
            continue
        imports[path].append((target[0], item))
        if target[0] in program.files:
            continue  # already loaded: harmless, or a cycle reported below
        _load(program, target[0], target[1], imports)


def _locate(program: Program, importer: str, node: t.Import) -> tuple[str, str] | None:
    """The display path and text of an import, or None after a diagnostic."""
    if not node.path.is_plain:
        program.diagnostics.append(
            error(
                "E0207",
                "an import path cannot be interpolated",
                node.path.span,
                help='write the path literally: `import "./other.stack"`',
            )
        )
        return None
    name = node.path.value
    if name.startswith(STD_PREFIX):
        module = name[len(STD_PREFIX) :].removesuffix(".stack")
        modules = std_modules()
        if module not in modules:
            suggestion = did_you_mean(module, modules)
            program.diagnostics.append(
                error(
                    "E0208",
                    f"the standard library has no module `{module}`",
                    node.path.span,
                    note=f"did you mean `std/{suggestion}`?" if suggestion else None,
                    help="modules: " + ", ".join(f"std/{m}" for m in modules),
                )
            )
            return None
        return f"std/{module}.stack", modules[module]
    path = os.path.normpath(os.path.join(os.path.dirname(importer), name))
    if path in program.files:
        return path, program.files[path].source
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        reason = "no such file" if isinstance(exc, FileNotFoundError) else (exc.strerror or "cannot be read").lower()
        program.diagnostics.append(
            error(
                "E0207",
                f"cannot import `{name}`: {reason}",
                node.path.span,
                note=f"looked for {path}",
                help="import paths are relative to the importing file; standard modules are `std/NAME`",
            )
        )
        return None
    text, diagnostics = decode_source(data, path)
    if text is None:
        program.diagnostics.extend(diagnostics)
        return None
    return path, text


def _report_import_cycles(program: Program, imports: dict[str, list[tuple[str, t.Import]]]) -> None:
    graph = {path: [(target, node.span) for target, node in edges] for path, edges in imports.items()}
    for cycle in find_cycles(graph, list(program.files)):
        (first, span), rest = cycle[0], cycle[1:]
        chain = " → ".join([*(n for n, _ in cycle), first])
        program.diagnostics.append(
            error(
                "E0401",
                f"import cycle: {chain}",
                span,
                labels=tuple(Label(s, f"`{n}` imports the next file of the cycle") for n, s in rest),
                help="move the shared declarations into a file that both import",
            )
        )
