"""Workflow data to text: the YAML writer plus the comments that scanners and readers want.

The YAML writer takes plain data and has no comments, so each `uses: <action>@<sha>` line gets its
version comment from the actions table (zizmor and Dependabot read it), and each permission line
gets the reason for the scope from the job's permission notes.
"""

from __future__ import annotations

import re
from typing import Any

from stackc.writers import yaml

from .actions import ACTIONS

_USES = re.compile(r"^(\s*(?:- )?uses: )([A-Za-z0-9_./-]+)@([0-9a-f]{40})$")
_LOCAL_WORKFLOW = re.compile(r'^    uses: "\./\.github/workflows/[A-Za-z0-9_.-]+\.yml"$')
# zizmor's `self-repository` prefers the newer `$/...` form; `./...` is kept because it is the form
# every GitHub runner, actionlint and the workflow schema read, so the finding is waived where it is.
LOCAL_WORKFLOW_NOTE = "zizmor: ignore[self-repository]"
_JOB = re.compile(r"^  ([A-Za-z_][A-Za-z0-9_-]*):$")
_PERMISSIONS = re.compile(r"^    permissions:$")
_SCOPE = re.compile(r"^      ([a-z-]+): (read|write)$")


def workflow_text(data: dict[str, Any], notes: dict[str, dict[str, str]]) -> str:
    """The YAML of a workflow; `notes` is job id -> scope -> why (shown as the line's comment)."""
    lines = yaml.dump(data).splitlines()
    out: list[str] = []
    job: str | None = None
    in_permissions = False
    for line in lines:
        if match := _JOB.match(line):
            job, in_permissions = match.group(1), False
        elif _PERMISSIONS.match(line):
            in_permissions = True
        elif in_permissions and (match := _SCOPE.match(line)) and job is not None:
            line = f"{line} # {notes[job][match.group(1)]}"
        elif not line.startswith("      "):
            in_permissions = False
        if _LOCAL_WORKFLOW.match(line):
            line = f"{line} # {LOCAL_WORKFLOW_NOTE}"
        if match := _USES.match(line):
            action = ACTIONS[match.group(2)]
            assert action.sha == match.group(3), line
            line = f"{line} # {action.version}"
        out.append(line)
    return "\n".join(out) + "\n"
