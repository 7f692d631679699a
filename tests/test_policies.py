"""Every policy of the catalogue, tested three ways from its programs in `tests/policies/<CODE>/`.

`bad.stack` marks each expected hit with `# [CODE]` on the line the finding points at;
`good.stack` has none; `allowed.stack` silences the bad case with an `allow`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from stackc.diagnostics import Diagnostic, Severity
from stackc.frontend import compile_source
from stackc.policies import all_policies
from stackc.policies.engine import check_policies

HERE = Path(__file__).resolve().parent / "policies"
POLICIES = all_policies()
SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "Use instead:", "## References")


def run(path: Path) -> list[Diagnostic]:
    compilation = compile_source(path.read_bytes(), str(path))
    errors = [d for d in compilation.diagnostics if d.severity is Severity.ERROR]
    assert not errors, f"{path.name} must compile: " + "; ".join(f"{d.code} {d.message} @{d.span}" for d in errors)
    return check_policies(compilation.models, list(compilation.models)).diagnostics


def marked_lines(path: Path, code: str) -> list[int]:
    marker = re.compile(rf"#.*\[{code}\]")
    return [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if marker.search(line)]


@pytest.mark.parametrize("code", list(POLICIES))
def test_bad_program_fires_on_marked_lines(code: str) -> None:
    path = HERE / code / "bad.stack"
    findings = [d for d in run(path) if d.code == code]
    expected = marked_lines(path, code)
    assert expected, f"{path} marks no line with # [{code}]"
    assert sorted(d.span.line for d in findings if d.span) == expected
    assert {d.severity for d in findings} == {POLICIES[code].severity}


@pytest.mark.parametrize("code", list(POLICIES))
def test_good_program_does_not_fire(code: str) -> None:
    findings = [d for d in run(HERE / code / "good.stack") if d.code == code]
    assert not findings, [f"{d.span.line}: {d.message}" for d in findings if d.span]


@pytest.mark.parametrize("code", list(POLICIES))
def test_allow_silences_the_finding(code: str) -> None:
    diagnostics = run(HERE / code / "allowed.stack")
    assert not [d for d in diagnostics if d.code == code]
    assert not [d for d in diagnostics if d.code == "REL000"], "an allow in allowed.stack suppresses nothing"


@pytest.mark.parametrize("code", list(POLICIES))
def test_policy_is_documented(code: str) -> None:
    policy = POLICIES[code]
    assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", policy.name), "names are kebab-case"
    for section in SECTIONS:
        assert section in policy.docs, f"{code} docs lack {section!r}"
    assert "```stack" in policy.docs
    assert policy.summary and policy.anchors


def test_every_policy_has_its_programs() -> None:
    folders = {p.name for p in HERE.iterdir() if p.is_dir()}
    assert folders == set(POLICIES), "tests/policies/ folders must match the catalogue"


def test_catalogue_covers_policies_md() -> None:
    spec = Path(__file__).resolve().parents[2] / "shared" / "spec" / "POLICIES.md"
    if not spec.exists():
        pytest.skip("../shared/spec is not beside this checkout")
    rows = re.findall(
        r"^\| ((?:SEC|REL|OPS|CI)\d{3}) \| ([a-z0-9-]+) \| (error|warning|info) \|", spec.read_text(), re.M
    )
    assert rows
    for code, name, severity in rows:
        assert code in POLICIES, f"{code} {name} is not implemented"
        assert POLICIES[code].name == name
        assert POLICIES[code].severity is Severity.parse(severity), code
