"""Which step needs which token permission, and why: the only source of a job's `permissions`.

A job's permissions are the union over its steps, looked up by the step's `id` when the table
has it (a `run` step or an action used in a way that needs more) and else by the action it uses;
a step in neither needs nothing. Workflows start from `permissions: {}`, so a job holds exactly
what its steps need, each scope with the comment below (tests/test_github.py recomputes it).
"""

from __future__ import annotations

from typing import Any

# key (step id or action name) -> scope -> (level, why the step needs it)
STEP_PERMISSIONS: dict[str, dict[str, tuple[str, str]]] = {
    "actions/checkout": {"contents": ("read", "actions/checkout reads the repository")},
    "login-ghcr": {"packages": ("write", "push images and signatures to ghcr.io with GITHUB_TOKEN")},
    "login-ghcr-read": {"packages": ("read", "read the digests of the pushed images from ghcr.io with GITHUB_TOKEN")},
    "github/codeql-action/upload-sarif": {"security-events": ("write", "upload the scan's SARIF to code scanning")},
    "googleapis/release-please-action": {
        "contents": ("write", "release-please commits CHANGELOG.md and creates the tag and release"),
        "pull-requests": ("write", "release-please opens and updates the release pull request"),
    },
    "sign": {"id-token": ("write", "OIDC token for keyless cosign signatures")},
    "aws-oidc": {"id-token": ("write", "OIDC token to assume the environment's AWS deploy role; no stored cloud key")},
}

_LEVELS = {"read": 1, "write": 2}


def step_key(step: dict[str, Any]) -> str | None:
    """The table key that applies to a step, or None when the step needs no permission."""
    if step.get("id") in STEP_PERMISSIONS:
        return str(step["id"])
    action = str(step.get("uses", "")).split("@", 1)[0]
    return action if action in STEP_PERMISSIONS else None


def job_permissions(steps: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """scope -> (level, why) for a job with these steps, the highest level winning, sorted by scope."""
    key_of = (step_key(step) for step in steps)
    return union([STEP_PERMISSIONS[key] for key in key_of if key])


def union(tables: list[dict[str, tuple[str, str]]]) -> dict[str, tuple[str, str]]:
    """scope -> (level, why) over several tables, the highest level winning, sorted by scope. Also
    what a job calling a reusable workflow grants: the called jobs can hold no more than that."""
    found: dict[str, tuple[str, str]] = {}
    for table in tables:
        for scope, (level, why) in table.items():
            if scope not in found or _LEVELS[level] > _LEVELS[found[scope][0]]:
                found[scope] = (level, why)
    return dict(sorted(found.items()))
