"""`stackc` as a user runs it: a subprocess, its exit code and its output (CLI.md).

Exit codes: 0 success (warnings allowed), 1 the input has errors (or warnings under --strict),
2 usage errors (unknown flag, FILE missing or unreadable). No input ever prints a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from stackc.codes import CODES


def program(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


CLEAN = program("""
    stack shop { owner = "acme" }
    service api {
      image = "nginxinc/nginx-unprivileged:1.27"
      ports = { http = 8080 }
      health { http = "/" }
    }
""")
BROKEN = program("""
    stack shop { owner = "acme" }
    service api {
      image = "x:1.0"
      replcas = 2
    }
""")
# Programs that are free of errors but weaken a default; the first that `check` reports with
# warnings only is the warnings-only program (policies are being written as these tests are).
WARNING_CANDIDATES = [
    # no health check (REL001)
    program("""
        stack shop { owner = "acme" }
        service api {
          image = "busybox:1.36"
          command = ["sleep", "3600"]
        }
    """),
    # writable root filesystem (SEC003)
    CLEAN.replace("  health", "  read_only = false\n  health"),
    # a reference to a service that is not in `uses` (LANGUAGE.md §4, REL008)
    CLEAN
    + program("""
        service web {
          image = "nginxinc/nginx-unprivileged:1.27"
          ports = { http = 8080 }
          health { http = "/" }
          env = { API = service.api.url }
        }
    """),
]
JSON_KEYS = {"code", "severity", "message", "file", "line", "column", "end_line", "end_column", "help", "environment"}


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def stackc(*args: str, cwd: Path | None = None) -> Run:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("STACKC_TRACEBACK", None)
    done = subprocess.run(
        [sys.executable, "-m", "stackc.cli", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        cwd=cwd,
        env=env,
        timeout=60,
    )
    run = Run(done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in run.stdout + run.stderr, run.stdout + run.stderr
    return run


def write(tmp_path: Path, text: str | bytes, name: str = "platform.stack") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# -- exit codes ---------------------------------------------------------------------------------


def test_clean_file_exits_0(tmp_path: Path) -> None:
    run = stackc("check", str(write(tmp_path, CLEAN)))
    assert run.code == 0, run.stdout + run.stderr
    assert "error" not in run.stdout


def test_default_file_is_platform_stack_in_working_directory(tmp_path: Path) -> None:
    write(tmp_path, CLEAN)
    assert stackc("check", cwd=tmp_path).code == 0


def test_errors_exit_1(tmp_path: Path) -> None:
    run = stackc("check", str(write(tmp_path, BROKEN)))
    assert run.code == 1
    assert "error[E0302]" in run.stdout
    assert "platform.stack:4:3" in run.stdout


def _warnings_only_program(tmp_path: Path) -> Path | None:
    for i, text in enumerate(WARNING_CANDIDATES):
        path = write(tmp_path, text, f"candidate{i}.stack")
        findings = json.loads(stackc("check", str(path), "--format", "json").stdout)
        severities = {f["severity"] for f in findings}
        if "warning" in severities and "error" not in severities:
            return path
    return None


def test_warnings_only_exit_0_but_1_with_strict(tmp_path: Path) -> None:
    path = _warnings_only_program(tmp_path)
    if path is None:
        pytest.skip(
            "no program yields warnings without errors yet: the front end has no warning-severity "
            "code and the policies (POLICIES.md) are not run by `check` yet"
        )
    assert stackc("check", str(path)).code == 0
    assert stackc("check", "--strict", str(path)).code == 1


def test_unknown_flag_exits_2(tmp_path: Path) -> None:
    run = stackc("check", "--no-such-flag", str(write(tmp_path, CLEAN)))
    assert run.code == 2
    assert "--no-such-flag" in run.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    run = stackc("check", str(tmp_path / "nope.stack"))
    assert run.code == 2
    assert "nope.stack" in run.stderr


def test_missing_default_file_exits_2(tmp_path: Path) -> None:
    assert stackc("check", cwd=tmp_path).code == 2


def test_directory_as_file_exits_2(tmp_path: Path) -> None:
    assert stackc("check", str(tmp_path)).code == 2


def test_non_utf8_file_exits_1_with_E0106(tmp_path: Path) -> None:
    run = stackc("check", str(write(tmp_path, b'stack shop { owner = "acme" }\n# caf\xe9\n')))
    assert run.code == 1
    assert "E0106" in run.stdout
    assert "platform.stack:2:6" in run.stdout


def test_empty_file_exits_1(tmp_path: Path) -> None:
    run = stackc("check", str(write(tmp_path, "")))
    assert run.code == 1
    assert "error[" in run.stdout


def test_missing_import_is_an_input_error_not_usage(tmp_path: Path) -> None:
    run = stackc("check", str(write(tmp_path, CLEAN + 'import "./nope.stack"\n')))
    assert run.code == 1
    assert "E0207" in run.stdout


def test_unknown_std_module_is_an_input_error(tmp_path: Path) -> None:
    run = stackc("check", str(write(tmp_path, CLEAN + 'import "std/nope"\n')))
    assert run.code == 1
    assert "E0208" in run.stdout


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(b"\x00\x01\x02", id="control-bytes"),
        pytest.param(b"}}}", id="closers"),
        pytest.param(b"stack", id="lone-name"),
        pytest.param(b'"""', id="lone-triple-quote"),
        pytest.param(b"service a { x = [1, }", id="broken-list"),
        pytest.param(b'stack s { owner = "a" }\nservice a { command = ' + b"[" * 2000 + b" }\n", id="deep"),
        pytest.param(b'stack s { owner = "a" }\nservice a { env = { A = "${" } }\n', id="open-interpolation"),
        pytest.param(b"\xef\xbb\xbfstack s { owner = 1 owner = 2 } when { } import 3", id="bom-and-junk"),
    ],
)
def test_malformed_input_exits_1_without_traceback(tmp_path: Path, text: bytes) -> None:
    run = stackc("check", str(write(tmp_path, text)))
    assert run.code == 1, run.stdout + run.stderr
    assert "error[" in run.stdout


# -- output formats -----------------------------------------------------------------------------


def test_json_output_has_cli_md_keys(tmp_path: Path) -> None:
    run = stackc("check", "--format", "json", str(write(tmp_path, BROKEN)))
    assert run.code == 1
    findings = json.loads(run.stdout)
    assert isinstance(findings, list) and findings
    for finding in findings:
        assert set(finding) == JSON_KEYS
    (unknown,) = [f for f in findings if f["code"] == "E0302"]
    assert (unknown["severity"], unknown["line"], unknown["column"]) == ("error", 4, 3)
    assert (unknown["end_line"], unknown["end_column"]) == (4, 10)
    assert unknown["file"].endswith("platform.stack")
    assert unknown["environment"] is None


def test_json_output_of_clean_file_has_no_error(tmp_path: Path) -> None:
    run = stackc("check", "--format", "json", str(write(tmp_path, CLEAN)))
    assert run.code == 0
    findings = json.loads(run.stdout)
    assert isinstance(findings, list)
    assert [f for f in findings if f["severity"] == "error"] == []


def test_json_environment_names_the_environments(tmp_path: Path) -> None:
    text = (
        'stack shop { owner = "acme" }\nenvironment dev { }\nenvironment prod { }\n'
        'service api {\n  image = "x:1.0"\n  when prod { replicas = "two" }\n}\n'
    )
    findings = json.loads(stackc("check", "--format", "json", str(write(tmp_path, text))).stdout)
    assert [(f["code"], f["environment"]) for f in findings if f["code"].startswith("E")] == [("E0303", ["prod"])]


def test_sarif_output_is_version_2_1_0_with_every_code_as_rule(tmp_path: Path) -> None:
    run = stackc("check", "--format", "sarif", str(write(tmp_path, BROKEN)))
    assert run.code == 1
    sarif = json.loads(run.stdout)
    assert sarif["version"] == "2.1.0"
    (sarif_run,) = sarif["runs"]
    rules = {rule["id"] for rule in sarif_run["tool"]["driver"]["rules"]}
    assert set(CODES) <= rules
    assert "E0302" in [result["ruleId"] for result in sarif_run["results"]]


# -- explain and --version -----------------------------------------------------------------------


def test_explain_prints_the_docs() -> None:
    run = stackc("explain", "E0301")
    assert run.code == 0
    assert "E0301" in run.stdout
    docs = CODES["E0301"].docs
    assert docs, "compiler/docs/codes/E0301.md is missing"
    assert run.stdout.strip() == docs.strip()


def test_explain_accepts_lowercase() -> None:
    assert stackc("explain", "e0302").code == 0


def test_explain_unknown_code_exits_2() -> None:
    run = stackc("explain", "NOPE")
    assert run.code == 2
    assert "NOPE" in run.stderr


def test_version() -> None:
    run = stackc("--version")
    assert run.code == 0
    assert run.stdout.startswith("stackc ")


def test_no_command_is_a_usage_error() -> None:
    assert stackc().code == 2
