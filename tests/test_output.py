"""The output writer's promises: nothing lost, nothing foreign touched, drift detected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from stackc import output


def build(root: Path, files: dict[str, bytes], *, force: bool = False, partial: bool = False) -> output.Plan:
    plan = output.plan(str(root), files, partial=partial)
    if plan.conflicts and not force:
        return plan
    output.apply(str(root), files, plan, force=force, partial=partial)
    return plan


def test_first_build_writes_files_and_manifest(tmp_path: Path) -> None:
    build(tmp_path, {"compose/compose.yaml": b"a: 1\n", "compose/nginx/edge.conf": b"x\n"})
    assert (tmp_path / "compose/compose.yaml").read_bytes() == b"a: 1\n"
    manifest = json.loads((tmp_path / output.MANIFEST).read_text())
    assert set(manifest["files"]) == {"compose/compose.yaml", "compose/nginx/edge.conf"}
    assert manifest["files"]["compose/compose.yaml"] == output.digest(b"a: 1\n")


def test_hand_edited_file_is_not_overwritten_without_force(tmp_path: Path) -> None:
    build(tmp_path, {"a.yaml": b"v1\n"})
    (tmp_path / "a.yaml").write_bytes(b"edited by hand\n")
    plan = build(tmp_path, {"a.yaml": b"v2\n"})
    assert plan.conflicts == ["a.yaml"]
    assert (tmp_path / "a.yaml").read_bytes() == b"edited by hand\n"
    build(tmp_path, {"a.yaml": b"v2\n"}, force=True)
    assert (tmp_path / "a.yaml").read_bytes() == b"v2\n"


def test_foreign_files_survive_and_are_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("mine")
    (tmp_path / "a.yaml").write_text("mine too")
    plan = build(tmp_path, {"a.yaml": b"generated\n", "b.yaml": b"generated\n"})
    assert plan.foreign == ["a.yaml"]
    assert (tmp_path / "a.yaml").read_text() == "mine too"
    assert not (tmp_path / "b.yaml").exists(), "a refused build writes nothing at all"
    build(tmp_path, {"b.yaml": b"generated\n"})
    assert (tmp_path / "README.md").read_text() == "mine"


def test_files_no_longer_produced_are_removed_only_if_stackc_made_them(tmp_path: Path) -> None:
    build(tmp_path, {"old/a.yaml": b"1\n", "b.yaml": b"1\n"})
    (tmp_path / "notes.txt").write_text("keep")
    build(tmp_path, {"b.yaml": b"1\n"})
    assert not (tmp_path / "old").exists()
    assert (tmp_path / "notes.txt").read_text() == "keep"


def test_stale_file_edited_by_hand_is_kept(tmp_path: Path) -> None:
    build(tmp_path, {"a.yaml": b"1\n", "b.yaml": b"1\n"})
    (tmp_path / "a.yaml").write_text("edited")
    plan = build(tmp_path, {"b.yaml": b"2\n"})
    assert plan.conflicts == ["a.yaml"]
    assert (tmp_path / "a.yaml").read_text() == "edited"


def test_check_reports_drift_and_writes_nothing(tmp_path: Path) -> None:
    build(tmp_path, {"a.yaml": b"1\n"})
    plan = output.plan(str(tmp_path), {"a.yaml": b"2\n", "c.yaml": b"3\n"})
    assert plan.drift == ["a.yaml", "c.yaml"]
    assert (tmp_path / "a.yaml").read_bytes() == b"1\n"
    assert output.plan(str(tmp_path), {"a.yaml": b"1\n"}).drift == []


def test_partial_build_keeps_other_files_and_their_manifest_entries(tmp_path: Path) -> None:
    build(tmp_path, {"compose/compose.dev.yaml": b"1\n", "compose/compose.prod.yaml": b"1\n"})
    build(tmp_path, {"compose/compose.dev.yaml": b"2\n"}, partial=True)
    assert (tmp_path / "compose/compose.prod.yaml").exists()
    assert "compose/compose.prod.yaml" in json.loads((tmp_path / output.MANIFEST).read_text())["files"]


def test_a_failure_while_staging_leaves_the_previous_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(tmp_path, {"a.yaml": b"1\n", "b.yaml": b"1\n"})
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    real_open = open
    calls = {"n": 0}

    def failing_open(file, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        if "w" in mode and ".stackc-build-" in str(file):
            calls["n"] += 1
            if calls["n"] == 2:
                raise OSError(28, "No space left on device")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", failing_open)
    plan = output.plan(str(tmp_path), {"a.yaml": b"2\n", "b.yaml": b"2\n"})
    with pytest.raises(OSError):
        output.apply(str(tmp_path), {"a.yaml": b"2\n", "b.yaml": b"2\n"}, plan)
    monkeypatch.undo()
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert after == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".stackc-build-")]
