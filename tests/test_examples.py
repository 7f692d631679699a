"""Every example stack checks without errors, and every standard-library module can be used.

Examples and stdlib modules are parametrized over what exists when the tests are collected.
Entry files: in a folder with a `platform.stack`, that file; elsewhere every `.stack` file
that no other file imports (so `split/templates.stack` is checked through `split/platform.stack`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from shared import SHARED, SPEC_EXAMPLES
from stackc.diagnostics import Diagnostic
from stackc.frontend import compile_source
from stackc.policies.engine import check_policies

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
STDLIB = ROOT / "stdlib"
SPEC_ENTRIES = ("shop.stack", "minimal.stack", "split/platform.stack")

_IMPORT = re.compile(r'^[ \t]*import[ \t]+"([^"]+)"', re.MULTILINE)
_TEMPLATE = re.compile(r"^[ \t]*template[ \t]+([A-Za-z_][A-Za-z0-9_-]*)", re.MULTILINE)


def entry_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    files = sorted(root.rglob("*.stack"))
    imported: set[Path] = set()
    for path in files:
        for target in _IMPORT.findall(path.read_text(encoding="utf-8", errors="replace")):
            if not target.startswith("std/"):
                imported.add((path.parent / target).resolve())
    entries = []
    for path in files:
        if (path.parent / "platform.stack").exists():
            if path.name == "platform.stack":
                entries.append(path)
        elif path.resolve() not in imported:
            entries.append(path)
    return entries


def _params(root: Path) -> list:
    return [pytest.param(path, id=str(path.relative_to(root))) for path in entry_files(root)]


def errors_of(path: Path) -> list[Diagnostic]:
    """Input errors and error-severity policy findings, as `stackc check` would fail on them."""
    compilation = compile_source(path.read_bytes(), str(path))
    diagnostics = list(compilation.diagnostics)
    if not compilation.has_errors:
        diagnostics += check_policies(compilation.models, list(compilation.models)).diagnostics
    return [d for d in diagnostics if d.is_error]


def _show(diagnostics: list[Diagnostic]) -> str:
    return "\n".join(
        f"{d.code} {d.span.file}:{d.span.line}:{d.span.column} {d.message}" if d.span else f"{d.code} {d.message}"
        for d in diagnostics
    )


@pytest.mark.parametrize("path", _params(EXAMPLES))
def test_project_example_checks_clean(path: Path) -> None:
    found = errors_of(path)
    assert not found, _show(found)


@pytest.mark.skipif(not SHARED.exists(), reason="../shared is absent")
@pytest.mark.parametrize("path", _params(SPEC_EXAMPLES))
def test_spec_example_checks_clean(path: Path) -> None:
    found = errors_of(path)
    assert not found, _show(found)


@pytest.mark.skipif(not SHARED.exists(), reason="../shared is absent")
def test_spec_examples_are_all_found() -> None:
    found = {str(p.relative_to(SPEC_EXAMPLES)) for p in entry_files(SPEC_EXAMPLES)}
    assert set(SPEC_ENTRIES) <= found


def test_entry_file_discovery(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "app.stack").write_text("")
    (tmp_path / "split").mkdir()
    (tmp_path / "split" / "platform.stack").write_text('import "./parts.stack"\n')
    (tmp_path / "split" / "parts.stack").write_text("")
    (tmp_path / "split" / "notes.stack").write_text("")
    (tmp_path / "lib.stack").write_text("")
    (tmp_path / "top.stack").write_text('import "std/redis"\nimport "./lib.stack"\n')
    found = [str(p.relative_to(tmp_path)) for p in entry_files(tmp_path)]
    assert found == ["one/app.stack", "split/platform.stack", "top.stack"]


# -- standard library -----------------------------------------------------------------------------

STD_MODULES = sorted(STDLIB.glob("*.stack"))


def _program(module: str, services: str = "") -> str:
    return f'stack demo {{ owner = "acme" }}\nimport "std/{module}"\n{services}'


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in STD_MODULES])
def test_std_module_can_be_imported_and_extended(path: Path) -> None:
    module = path.stem
    templates = _TEMPLATE.findall(path.read_text(encoding="utf-8"))
    # Which templates bring their own image: the others are built from source by the user.
    imported = compile_source(_program(module).encode(), "platform.stack")
    found = [d for d in imported.diagnostics if d.is_error]
    assert not found, _show(found)
    model = imported.models["default"]
    assert set(templates) <= set(model.templates), f"std/{module} declares templates {templates}"
    services = ""
    for i, name in enumerate(templates):
        template = model.templates[name]
        source = "" if template.image is not None or template.build is not None else '  build = "./app"\n'
        services += f"service svc-{i} {{\n  extends = {name}\n{source}}}\n"
    compilation = compile_source(_program(module, services).encode(), "platform.stack")
    found = [d for d in compilation.diagnostics if d.is_error]
    assert not found, _show(found)
    extended = compilation.models["default"].services
    assert [s.extends for s in extended.values()] == templates
