"""`stackc fmt` from the command line: rewrites in place, reports with --check, never breaks files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

UGLY = 'stack shop{owner="acme"}\nservice web{image="nginx:1.27",ports={http=8080}}\n'
PRETTY = 'stack shop { owner = "acme" }\nservice web { image = "nginx:1.27"  ports = { http = 8080 } }\n'


def fmt(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stackc.cli", "fmt", *args], input=stdin, capture_output=True, text=True, check=False
    )


def test_fmt_rewrites_in_place_and_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "platform.stack"
    path.write_text(UGLY)
    run = fmt(str(path))
    assert run.returncode == 0 and "reformatted" in run.stdout
    assert path.read_text() == PRETTY
    again = fmt(str(path))
    assert again.returncode == 0 and again.stdout == ""


def test_fmt_check_reports_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "platform.stack"
    path.write_text(UGLY)
    run = fmt("--check", str(path))
    assert run.returncode == 1 and "would reformat" in run.stdout
    assert path.read_text() == UGLY


def test_fmt_leaves_a_file_with_syntax_errors_alone(tmp_path: Path) -> None:
    path = tmp_path / "platform.stack"
    path.write_text("service web { image = }\n")
    run = fmt(str(path))
    assert run.returncode == 1 and "E0101" in run.stdout
    assert path.read_text() == "service web { image = }\n"
    assert "Traceback" not in run.stderr


def test_fmt_reads_stdin_and_writes_stdout() -> None:
    run = fmt("-", stdin=UGLY)
    assert run.returncode == 0 and run.stdout == PRETTY


def test_fmt_keeps_file_permissions(tmp_path: Path) -> None:
    path = tmp_path / "platform.stack"
    path.write_text(UGLY)
    path.chmod(0o640)
    fmt(str(path))
    assert path.stat().st_mode & 0o777 == 0o640
