"""Writing generated files safely: manifest, hand-edit detection, drift check, atomic swap.

stackc writes, replaces or removes only files its manifest lists (or new ones). A file it wrote
earlier and a person edited since is not overwritten without `force`; a file it did not write is
never touched unless `force`. Everything is first written into a temporary folder beside the
output; only when all of it is there are the files moved into place (each an atomic rename),
then stale files removed, then the manifest replaced last. A build that fails before the moves
leaves the previous output exactly as it was.

Paths are POSIX paths relative to the output folder; `..` is allowed so that files that must
live elsewhere (`.github/workflows/` beside the stack file) are still listed in one manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field

MANIFEST = ".stackc-manifest.json"
MANIFEST_VERSION = 1


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class Plan:
    """What a build would do to the output folder."""

    write: dict[str, bytes] = field(default_factory=dict)  # new or changed files
    unchanged: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)  # stale files stackc made, unedited
    # Files that would be overwritten or removed although stackc did not write them as they are.
    edited: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    @property
    def conflicts(self) -> list[str]:
        return sorted(self.edited + self.foreign)

    @property
    def drift(self) -> list[str]:
        return sorted([*self.write, *self.remove])


def read_manifest(root: str) -> dict[str, str]:
    try:
        with open(os.path.join(root, MANIFEST), encoding="utf-8") as handle:
            data = json.load(handle)
        files = data.get("files", {})
        return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}
    except (OSError, ValueError):
        return {}


def plan(root: str, files: dict[str, bytes], *, partial: bool = False) -> Plan:
    """Compare `files` with the output folder. A `partial` build (`--env`, `--target`) produces
    only some of the files, so it removes nothing."""
    manifest = read_manifest(root)
    result = Plan()
    for path, data in sorted(files.items()):
        on_disk = _read(os.path.join(root, path))
        if on_disk == data:
            result.unchanged.append(path)
            continue
        result.write[path] = data
        if on_disk is None:
            continue
        if path not in manifest:
            result.foreign.append(path)
        elif digest(on_disk) != manifest[path]:
            result.edited.append(path)
    for path, recorded in sorted(manifest.items()):
        if path in files or partial:
            continue
        on_disk = _read(os.path.join(root, path))
        if on_disk is None:
            continue
        if digest(on_disk) == recorded:
            result.remove.append(path)
        else:
            result.edited.append(path)
    return result


def apply(root: str, files: dict[str, bytes], result: Plan, *, force: bool = False, partial: bool = False) -> None:
    """Carry out `result`; the caller has checked `result.conflicts` (or passes `force`)."""
    recorded = {p: digest(d) for p, d in files.items()}
    if partial:
        recorded = {**read_manifest(root), **recorded}
    os.makedirs(root, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".stackc-build-", dir=root)
    try:
        staged: list[tuple[str, str]] = []
        for path, data in result.write.items():
            temporary = os.path.join(staging, str(len(staged)))
            with open(temporary, "wb") as handle:
                handle.write(data)
            staged.append((temporary, os.path.join(root, path)))
        manifest = json.dumps(
            {"version": MANIFEST_VERSION, "files": dict(sorted(recorded.items()))},
            indent=2,
            sort_keys=True,
        )
        manifest_temporary = os.path.join(staging, "manifest")
        with open(manifest_temporary, "w", encoding="utf-8") as handle:
            handle.write(manifest + "\n")
        # Everything is staged: from here on only renames and removals, which do not fail halfway.
        for temporary, target in staged:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.replace(temporary, target)
        for path in result.remove + (result.edited if force else []):
            if path not in files:
                _remove(root, path)
        os.replace(manifest_temporary, os.path.join(root, MANIFEST))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def _remove(root: str, path: str) -> None:
    target = os.path.join(root, path)
    try:
        os.remove(target)
    except FileNotFoundError:
        return
    # Remove folders the removal emptied, up to the output folder itself.
    folder = os.path.dirname(target)
    stop = os.path.abspath(root)
    while os.path.abspath(folder).startswith(stop + os.sep) and not os.listdir(folder):
        os.rmdir(folder)
        folder = os.path.dirname(folder)
