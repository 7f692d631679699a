"""`stackc fmt`: expected layouts, idempotence, and that formatting never changes meaning.

Layout cases live in `format_cases/*.stack`, black-style: the input, a line `# output`, then
the exact expected output. Every property is checked on the cases, on the spec's examples and
on generated programs (`strategies.programs`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from shared import SPEC_EXAMPLES
from stackc.format import format_source
from stackc.syntax import tree as t
from stackc.syntax.parser import parse

try:  # `tests` is a package only if someone gives it an `__init__.py`
    from .strategies import programs
    from .treeeq import assert_same_tree, tree_diff
except ImportError:
    from strategies import programs  # type: ignore[no-redef]
    from treeeq import assert_same_tree, tree_diff  # type: ignore[no-redef]

HERE = Path(__file__).parent
CASES = sorted((HERE / "format_cases").glob("*.stack"))
_SEPARATOR = re.compile(r"^# output\n", re.MULTILINE)


def _example_files() -> list[Path]:
    found: list[Path] = []
    for root in (SPEC_EXAMPLES, HERE.parent / "examples"):
        if root.is_dir():
            found.extend(sorted(root.rglob("*.stack")))
    return found


EXAMPLES = _example_files()


def load_case(path: Path) -> tuple[str, str]:
    parts = _SEPARATOR.split(path.read_text(encoding="utf-8"))
    assert len(parts) == 2, f"{path.name}: needs exactly one `# output` line"
    return parts[0], parts[1]


def fmt(source: str, path: str = "test.stack") -> str:
    out, diagnostics = format_source(source, path)
    assert out is not None, [d.message for d in diagnostics]
    return out


def comment_texts(source: str) -> list[str]:
    tree, diagnostics = parse(source, "test.stack")
    assert not diagnostics
    # The formatter drops trailing whitespace in comments (and the `\r` of CRLF files).
    return [c.text.rstrip() for c in tree.comments]


def assert_same_meaning(before: str, after: str) -> None:
    old, old_diagnostics = parse(before, "before.stack")
    new, new_diagnostics = parse(after, "after.stack")
    assert not old_diagnostics and not new_diagnostics
    assert_same_tree(old, new)


# All inputs the properties are checked on: (id, source).
SOURCES = [pytest.param(load_case(p)[0], id=f"case-{p.stem}") for p in CASES] + [
    pytest.param(p.read_text(encoding="utf-8"), id=f"example-{p.parent.name}-{p.stem}") for p in EXAMPLES
]


# -- expected layouts ---------------------------------------------------------------------------


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 12


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path) -> None:
    source, expected = load_case(path)
    assert fmt(source) == expected


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case_output_is_already_canonical(path: Path) -> None:
    _, expected = load_case(path)
    assert fmt(expected) == expected


def test_empty_file_stays_empty() -> None:
    assert fmt("") == ""
    assert fmt("\n\n  \n") == ""


def test_file_ends_with_exactly_one_newline() -> None:
    assert fmt('stack s { owner = "a" }') == 'stack s { owner = "a" }\n'
    assert fmt("# only a comment") == "# only a comment\n"
    assert fmt("stack s {}\n\n\n\n") == "stack s {}\n"


def test_crlf_input_gives_lf_output_and_keeps_multi_line_strings() -> None:
    source = 'stack s {\r\n  owner = "a"   # who\r\n  motd = """\r\n  hi\r\n"""\r\n}\r\n'
    assert fmt(source) == 'stack s {\n  owner = "a"  # who\n  motd = """\r\n  hi\r\n"""\n}\n'


@pytest.mark.parametrize(
    "source",
    [
        "service api { image = }",
        'service api { tmpfs = ["/a" "/b"] }',
        'service api { env = { A = "\\q" } }',
        "service api { memory = 20Gx }",
        "service api {",
    ],
)
def test_syntax_errors_are_reported_not_formatted(source: str) -> None:
    out, diagnostics = format_source(source, "broken.stack")
    assert out is None
    assert diagnostics and all(d.is_error for d in diagnostics)
    assert all(d.span is not None and d.span.file == "broken.stack" for d in diagnostics)


# -- properties on cases and examples -----------------------------------------------------------


def test_examples_are_found_when_the_spec_is_present() -> None:
    if not SPEC_EXAMPLES.is_dir():
        pytest.skip("../shared is absent")
    assert EXAMPLES


@pytest.mark.parametrize("source", SOURCES)
def test_formatting_twice_changes_nothing(source: str) -> None:
    once = fmt(source)
    assert fmt(once) == once


@pytest.mark.parametrize("source", SOURCES)
def test_comments_are_kept_in_order(source: str) -> None:
    assert comment_texts(fmt(source)) == comment_texts(source)


@pytest.mark.parametrize("source", SOURCES)
def test_formatting_keeps_the_tree(source: str) -> None:
    assert_same_meaning(source, fmt(source))


def test_tree_comparison_ignores_positions_but_not_content() -> None:
    # The helper must be able to fail, or the property above proves nothing.
    a, _ = parse("service api {\n  replicas = 2\n}", "a.stack")
    b, _ = parse("service   api { replicas = 2 }", "b.stack")
    c, _ = parse("service api { replicas = 3 }", "c.stack")
    d, _ = parse('service api { replicas = "2" }', "d.stack")
    assert tree_diff(a, b) is None
    assert tree_diff(a, c) is not None
    assert tree_diff(a, d) is not None


# -- properties on generated programs -----------------------------------------------------------

_GENERATED = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_GENERATED
@given(programs())
def test_generated_programs_parse_and_are_valid(source: str) -> None:
    tree, diagnostics = parse(source, "gen.stack")
    assert not diagnostics, (source, [d.message for d in diagnostics])
    _check_generated_semantics(tree)


@_GENERATED
@given(programs())
def test_generated_programs_format_idempotently(source: str) -> None:
    once = fmt(source)
    assert fmt(once) == once


@_GENERATED
@given(programs())
def test_generated_programs_keep_tree_and_comments(source: str) -> None:
    out = fmt(source)
    assert_same_meaning(source, out)
    assert comment_texts(out) == comment_texts(source)


_DNS_LABEL = re.compile(r"[a-z]([a-z0-9-]{0,61}[a-z0-9])?\Z")


def _interpolated(node: object) -> list[t.Reference]:
    """Every `${…}` reference in the strings under `node`."""
    if isinstance(node, t.Interpolation):
        return [node.ref]
    if isinstance(node, t.String):
        return [r for part in node.parts for r in _interpolated(part)]
    if isinstance(node, t.Block):
        return [r for member in node.body for r in _interpolated(member)]
    if isinstance(node, t.Attribute | t.Entry):
        return _interpolated(node.value)
    if isinstance(node, t.ListValue):
        return [r for item in node.items for r in _interpolated(item)]
    if isinstance(node, t.MapValue):
        return [r for entry in node.entries for r in _interpolated(entry)]
    return []


def _check_generated_semantics(tree: t.File) -> None:
    """The rules of LANGUAGE.md the generator promises, checked on the parsed tree."""
    blocks = [b for b in tree.items if isinstance(b, t.Block)]
    assert [b.type.value for b in blocks].count("stack") == 1
    environments = {b.labels[0].value for b in blocks if b.type.value == "environment"}
    services = [b for b in blocks if b.type.value == "service"]
    assert 1 <= len(services) <= 6 and len(environments) <= 3
    names = [b.labels[0].value for b in blocks if b.labels]
    assert len(names) == len(set(names))
    assert all(_DNS_LABEL.match(name) and name not in ("none", "true", "false") for name in names)
    declared: set[str] = set()
    for service in services:
        attrs = {m.name.value: m.value for m in service.body if isinstance(m, t.Attribute)}
        image = attrs["image"]
        assert isinstance(image, t.String) and ":" in image.value and not image.value.endswith(":latest")
        used: set[str] = set()
        if "uses" in attrs:
            uses = attrs["uses"]
            assert isinstance(uses, t.ListValue)
            for ref in uses.items:
                assert isinstance(ref, t.Reference) and ref.parts[0].value == "service"
                used.add(ref.parts[1].value)
        # Services only use ones declared before them: no cycle, nothing undeclared.
        assert used <= declared
        for when in (m for m in service.body if isinstance(m, t.Block) and m.type.value == "when"):
            assert set(when.label_values) <= environments
        for ref in _interpolated(service):
            assert ref.parts[0].value == "service" and ref.parts[1].value in used
        declared.add(service.labels[0].value)
