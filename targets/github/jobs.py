"""Shared pieces of the generated workflows: jobs with their permissions, checkout, timeouts."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from stackc import ir

from .actions import uses
from .permissions import job_permissions

RUNNER = "ubuntu-24.04"


@dataclass
class Job:
    """One job before it becomes workflow data; `needs` keeps the graph for the docs."""

    id: str
    name: str
    steps: list[dict[str, Any]]
    needs: list[str] = field(default_factory=list)
    condition: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # The name in the docs' job graph when `name` holds expressions (a matrix job's).
    label: str | None = None

    def permissions(self) -> dict[str, tuple[str, str]]:
        return job_permissions(self.steps)

    def data(self, timeout: int) -> dict[str, Any]:
        job: dict[str, Any] = {"name": self.name}
        if self.needs:
            job["needs"] = list(self.needs)
        if self.condition:
            job["if"] = self.condition
        job.update(self.extra)
        job["runs-on"] = RUNNER
        job["timeout-minutes"] = timeout
        job["permissions"] = {scope: level for scope, (level, _) in self.permissions().items()}
        job["steps"] = self.steps
        return job


def timeout_minutes(pipeline: ir.Pipeline) -> int:
    """`pipeline.timeout` in whole minutes, rounded up (a job limit is minutes), at least 1."""
    return max(1, math.ceil(pipeline.timeout.seconds / 60))


def checkout() -> dict[str, Any]:
    # No token left in .git/config for later steps (zizmor artipacked).
    return {"name": "Check out", "uses": uses("actions/checkout"), "with": {"persist-credentials": False}}


def workflow(name: str, on: dict[str, Any], jobs: list[Job], timeout: int, cancel: bool) -> dict[str, Any]:
    return {
        "name": name,
        "on": on,
        # Nothing by default: every job asks for its own scopes (jobs.py `Job.permissions`).
        "permissions": {},
        "concurrency": {"group": "${{ github.workflow }}-${{ github.ref }}", "cancel-in-progress": cancel},
        "jobs": {job.id: job.data(timeout) for job in jobs},
    }


def notes(jobs: list[Job]) -> dict[str, dict[str, str]]:
    """job id -> scope -> why, for the permission comments."""
    return {job.id: {scope: why for scope, (_, why) in job.permissions().items()} for job in jobs}
