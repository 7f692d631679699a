"""How findings are suppressed, re-ranked, merged across environments and reported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from stackc.diagnostics import Diagnostic, Severity
from stackc.frontend import compile_source
from stackc.policies import all_policies
from stackc.policies.engine import PolicyReport, Selection, check_policies

STACK = 'stack shop { owner = "acme" }\nenvironment dev {}\nenvironment prod {}\n'
SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"


EVERYTHING = Selection()


def report(source: str, selection: Selection = EVERYTHING) -> PolicyReport:
    compilation = compile_source((STACK + source).encode(), "platform.stack")
    assert not compilation.has_errors, [(d.code, d.message) for d in compilation.diagnostics]
    return check_policies(compilation.models, list(compilation.models), selection)


def codes(diagnostics: list[Diagnostic]) -> list[tuple[str, int]]:
    return [(d.code, d.span.line) for d in diagnostics if d.span]


def test_finding_in_some_environments_names_them() -> None:
    found = report('service api {\n  image = "x:1.0"\n  when prod { user = 0 }\n}\n').diagnostics
    (sec001,) = [d for d in found if d.code == "SEC001"]
    assert sec001.environments == ("prod",)
    assert sec001.span is not None and sec001.span.line == 6


def test_finding_in_every_environment_is_reported_once_without_names() -> None:
    found = report('service api {\n  image = "x:1.0"\n  user = 0\n}\n').diagnostics
    (sec001,) = [d for d in found if d.code == "SEC001"]
    assert sec001.environments == ()


def test_allow_in_the_block_suppresses_and_keeps_the_reason() -> None:
    result = report('service api {\n  image = "x:1.0"\n  user = 0\n  allow SEC001 { reason = "vendor image" }\n}\n')
    assert not [d for d in result.diagnostics if d.code in ("SEC001", "REL000")]
    assert [(d.code, reason) for d, reason in result.suppressed] == [("SEC001", "vendor image")]


def test_allow_in_a_template_suppresses_for_services_that_extend_it() -> None:
    source = (
        'template legacy {\n  user = 0\n  allow SEC001 { reason = "vendor image" }\n}\n'
        'service api {\n  extends = legacy\n  image = "x:1.0"\n}\n'
    )
    assert not [d for d in report(source).diagnostics if d.code in ("SEC001", "REL000")]


def test_policy_block_allow_applies_only_to_the_listed_blocks() -> None:
    source = (
        'service api {\n  image = "x:1.0"\n  user = 0\n}\n'
        'service web {\n  image = "x:1.0"\n  user = 0\n}\n'
        'policy {\n  allow SEC001 {\n    on = [service.api]\n    reason = "r"\n  }\n}\n'
    )
    assert codes([d for d in report(source).diagnostics if d.code == "SEC001"]) == [("SEC001", 10)]


def test_policy_block_allow_without_on_applies_to_the_whole_stack() -> None:
    source = 'service api {\n  image = "x:1.0"\n  user = 0\n}\npolicy {\n  allow SEC001 { reason = "r" }\n}\n'
    assert not [d for d in report(source).diagnostics if d.code in ("SEC001", "REL000")]


def test_unused_allow_is_rel000_at_the_allow() -> None:
    source = 'service api {\n  image = "x:1.0"\n  allow SEC001 { reason = "old" }\n}\n'
    (unused,) = [d for d in report(source).diagnostics if d.code == "REL000"]
    assert unused.severity is Severity.WARNING
    assert unused.span is not None and unused.span.line == 6


def test_allow_used_in_one_environment_is_not_unused() -> None:
    source = 'service api {\n  image = "x:1.0"\n  when prod { user = 0 }\n  allow SEC001 { reason = "r" }\n}\n'
    assert not [d for d in report(source).diagnostics if d.code in ("SEC001", "REL000")]


def test_severity_override_and_off() -> None:
    source = 'service api {\n  image = "x:1.0"\n  user = 0\n}\n'
    warned = report(source + "policy {\n  severity = { SEC001 = warning }\n}\n").diagnostics
    assert [d.severity for d in warned if d.code == "SEC001"] == [Severity.WARNING]
    silenced = report(source + "policy {\n  severity = { SEC001 = off }\n}\n").diagnostics
    assert not [d for d in silenced if d.code == "SEC001"]


def test_allow_of_a_policy_turned_off_is_not_reported_unused() -> None:
    source = (
        'service api {\n  image = "x:1.0"\n  allow SEC001 { reason = "r" }\n}\n'
        "policy {\n  severity = { SEC001 = off }\n}\n"
    )
    assert not [d for d in report(source).diagnostics if d.code == "REL000"]


def test_unknown_codes_are_e0312_with_a_suggestion() -> None:
    source = (
        'service api {\n  image = "x:1.0"\n  allow SEC01 { reason = "r" }\n}\n'
        "policy {\n  severity = { SEC0001 = off }\n}\n"
    )
    unknown = [d for d in report(source).diagnostics if d.code == "E0312"]
    assert len(unknown) == 2
    assert all(d.severity is Severity.ERROR for d in unknown)
    assert any(d.note == "did you mean `SEC001`?" for d in unknown)


def test_select_and_ignore_take_prefixes() -> None:
    source = 'service api {\n  image = "x:1.0"\n  user = 0\n}\n'
    assert not [d for d in report(source, Selection(select=("REL",))).diagnostics if d.code == "SEC001"]
    assert [d for d in report(source, Selection(select=("SEC",))).diagnostics if d.code == "SEC001"]
    assert not [d for d in report(source, Selection(ignore=("SEC001",))).diagnostics if d.code == "SEC001"]


def stackc(tmp_path: Path, source: str, *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "platform.stack"
    path.write_text(STACK + source, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "stackc.cli", "check", str(path), *args], capture_output=True, text=True, check=False
    )


def test_cli_error_policy_fails_and_ignore_passes(tmp_path: Path) -> None:
    source = 'service api {\n  image = "x:1.0"\n  user = 0\n}\n'
    assert stackc(tmp_path, source).returncode == 1
    assert stackc(tmp_path, source, "--ignore", "SEC001").returncode == 0


def test_sarif_lists_the_whole_catalogue_and_suppressions(tmp_path: Path) -> None:
    source = (
        'service api {\n  image = "x:1.0"\n  user = 0\n  allow SEC001 { reason = "vendor image" }\n}\n'
        'service web {\n  image = "x:1.0"\n  user = 0\n}\n'
    )
    run = stackc(tmp_path, source, "--format", "sarif")
    log = json.loads(run.stdout)
    if SARIF_SCHEMA.exists():
        jsonschema.Draft7Validator(json.loads(SARIF_SCHEMA.read_text())).validate(log)
    elif os.environ.get("CI") == "true":
        pytest.fail(f"{SARIF_SCHEMA} is missing")
    rules = {rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert set(all_policies()) <= rules and "E0101" in rules
    results = log["runs"][0]["results"]
    suppressed = [r for r in results if r.get("suppressions")]
    assert [r["suppressions"][0]["justification"] for r in suppressed] == ["vendor image"]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results if r["ruleId"] == "SEC001"]
