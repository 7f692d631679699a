"""The hooks of `.pre-commit-hooks.yaml`, run by the real pre-commit from this repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")

CLEAN = 'stack shop {\n  owner = "acme"\n}\n\nservice web {\n  image = "nginx:1.27"\n}\n'
BROKEN = 'stack shop {\n  owner = "acme"\n}\n\nservice web {\n  image = "nginx:1.27"\n  user  = 0\n}\n'
UNFORMATTED = 'stack shop { owner="acme" }\n'


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed copy of this repository: `try-repo` installs the hooks from its HEAD."""
    if PRE_COMMIT is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pre-commit is not installed (scripts/test.sh installs it)")
        pytest.skip("pre-commit is not installed")
    copy = tmp_path_factory.mktemp("hooks") / "stackc"
    shutil.copytree(
        ROOT, copy, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info", "bench", ".*_cache")
    )
    git(copy, "init", "-q")
    git(copy, "add", "-A")
    git(copy, "commit", "-q", "-m", "hooks")
    return copy


def git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    subprocess.run(["git", *args], cwd=cwd, check=True, env=env, capture_output=True)


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    return tmp_path


def try_repo(repo: Path, hook: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(repo.parent / "cache")}
    return subprocess.run(
        [PRE_COMMIT, "try-repo", str(repo), hook, "--all-files"],  # type: ignore[list-item]
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )


def test_check_hook_passes_a_clean_stack_and_fails_a_root_user(hooks_repo: Path, tmp_path: Path) -> None:
    clean = try_repo(hooks_repo, "stackc-check", project(tmp_path / "clean", {"platform.stack": CLEAN}))
    assert clean.returncode == 0, clean.stdout + clean.stderr
    broken = try_repo(hooks_repo, "stackc-check", project(tmp_path / "broken", {"platform.stack": BROKEN}))
    assert broken.returncode == 1
    assert "SEC001" in broken.stdout


def test_fmt_hook_rewrites_an_unformatted_file(hooks_repo: Path, tmp_path: Path) -> None:
    repo = project(tmp_path / "fmt", {"platform.stack": UNFORMATTED})
    run = try_repo(hooks_repo, "stackc-fmt", repo)
    assert run.returncode == 1, run.stdout  # pre-commit fails a hook that changed files
    assert (repo / "platform.stack").read_text() == 'stack shop { owner = "acme" }\n'
    again = try_repo(hooks_repo, "stackc-fmt", repo)
    assert again.returncode == 0, again.stdout


def test_build_check_hook_fails_on_drift_and_passes_after_build(hooks_repo: Path, tmp_path: Path) -> None:
    repo = project(tmp_path / "build", {"platform.stack": CLEAN})
    drift = try_repo(hooks_repo, "stackc-build-check", repo)
    assert drift.returncode == 1, drift.stdout
    assert "would change" in drift.stdout
    built = subprocess.run(
        [sys.executable, "-m", "stackc.cli", "build", str(repo / "platform.stack")], capture_output=True, text=True
    )
    assert built.returncode == 0, built.stdout + built.stderr
    clean = try_repo(hooks_repo, "stackc-build-check", repo)
    assert clean.returncode == 0, clean.stdout
