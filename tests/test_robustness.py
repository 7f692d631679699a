"""No input, however malformed, makes the front end raise (CLI.md: never a traceback)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stackc.diagnostics import Severity
from stackc.frontend import compile_source

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted(
    p.read_text(encoding="utf-8")
    for p in [*ROOT.glob("examples/**/*.stack"), *ROOT.glob("stdlib/*.stack")]
) or ['stack s { owner = "a" }\nservice web { image = "nginx:1.27" ports = { http = 80 } }\n']

# Fragments that stress the lexer and parser: every delimiter, quote and escape form.
_FRAGMENTS = [
    "{", "}", "[", "]", "(", ")", "=", ",", ".", '"', '"""', "\\", "${", "$${", "}", "#", "\n",
    "service", "when", "none", "true", "import", "10s", "256Mi", "99.9%", "2x", "-1", "\u00e9",
    "\u202e", "\x00", "\ufeff", "secret.x", "service.api.url", '"${secret.x}"', "std/redis",
]


def _assert_sound(data: bytes) -> None:
    result = compile_source(data, "fuzz.stack")
    for d in result.diagnostics:
        assert d.code and d.message
        assert d.severity in Severity
        if d.span is not None:
            assert d.span.line >= 1 and d.span.column >= 1
            assert (d.span.end_line, d.span.end_column) >= (d.span.line, d.span.column)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_arbitrary_text_never_raises(text: str) -> None:
    _assert_sound(text.encode("utf-8", "surrogatepass"))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    _assert_sound(data)


@st.composite
def mutated_programs(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 6))):
        if not text:
            break
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["delete", "insert", "duplicate", "truncate"]))
        if action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        elif action == "insert":
            text = text[:at] + draw(st.sampled_from(_FRAGMENTS)) + text[at:]
        elif action == "duplicate":
            end = min(len(text), at + draw(st.integers(1, 80)))
            text = text[:end] + text[at:end] + text[end:]
        else:
            text = text[:at]
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_programs())
def test_mutated_programs_never_raise(text: str) -> None:
    _assert_sound(text.encode("utf-8", "surrogatepass"))


@settings(max_examples=15, deadline=None)
@given(mutated_programs())
def test_cli_exit_code_is_0_or_1_for_any_program(tmp_path_factory, text: str) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "platform.stack"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    for fmt in ("text", "json", "sarif"):
        proc = subprocess.run(
            [sys.executable, "-m", "stackc.cli", "check", str(path), "--format", fmt],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode in (0, 1), proc.stderr
        assert "Traceback" not in proc.stdout + proc.stderr
