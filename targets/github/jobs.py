"""Shared pieces of the generated workflows: jobs with their permissions, checkout, timeouts."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from stackc import ir

from .actions import uses
from .expressions import literal
from .permissions import job_permissions, union

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
    # A job that runs a reusable workflow (`uses: ./.github/workflows/x.yml`) instead of steps: it
    # has no runner, steps or timeout of its own (GitHub rejects them there) and grants exactly
    # what the called jobs need, since a called job can hold no scope its caller did not grant.
    calls: str | None = None
    called: list[Job] = field(default_factory=list)

    def permissions(self) -> dict[str, tuple[str, str]]:
        if self.calls is not None:
            return union([job.permissions() for job in self.called])
        return job_permissions(self.steps)

    def data(self, timeout: int) -> dict[str, Any]:
        job: dict[str, Any] = {"name": self.name}
        if self.needs:
            job["needs"] = list(self.needs)
        if self.condition:
            job["if"] = self.condition
        if self.calls is not None:
            job["uses"] = self.calls
            job["permissions"] = {scope: level for scope, (level, _) in self.permissions().items()}
            return job
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


def registry_login(registry: str, name: str, ghcr_id: str, condition: str | None = None) -> dict[str, Any]:
    """docker/login-action for `registry`: ghcr.io with the job's `GITHUB_TOKEN` (the step id
    `ghcr_id` says in the permission table which `packages` scope that takes); another registry
    with `REGISTRY_USERNAME` and `REGISTRY_PASSWORD` from the secrets of the job's GitHub
    environment, never repository-wide ones."""
    step: dict[str, Any] = {"name": name}
    if condition:
        step["if"] = condition
    if registry == "ghcr.io":
        step["id"] = ghcr_id
        credentials = {"username": "${{ github.actor }}", "password": "${{ secrets.GITHUB_TOKEN }}"}
    else:
        credentials = {"username": "${{ secrets.REGISTRY_USERNAME }}", "password": "${{ secrets.REGISTRY_PASSWORD }}"}
    return step | {"uses": uses("docker/login-action"), "with": {"registry": literal(registry), **credentials}}


def build_inputs(build: ir.Build) -> dict[str, Any]:
    """docker/build-push-action's inputs for what the stack says of the build."""
    inputs: dict[str, Any] = {"context": literal(build.context)}
    if build.dockerfile:
        inputs["file"] = literal(build.dockerfile)
    if build.target:
        inputs["target"] = literal(build.target)
    if build.args:
        inputs["build-args"] = "".join(f"{literal(k)}={literal(v)}\n" for k, v in build.args.items())
    return inputs


def workflow(
    name: str,
    on: dict[str, Any],
    jobs: list[Job],
    timeout: int,
    cancel: bool | str,
    group: str = "${{ github.workflow }}-${{ github.ref }}",
    defaults: dict[str, Any] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": name,
        "on": on,
        # Nothing by default: every job asks for its own scopes (jobs.py `Job.permissions`).
        "permissions": {},
        "concurrency": {"group": group, "cancel-in-progress": cancel},
    }
    if defaults:
        data["defaults"] = defaults
    data["jobs"] = {job.id: job.data(timeout) for job in jobs}
    return data


def notes(jobs: list[Job]) -> dict[str, dict[str, str]]:
    """job id -> scope -> why, for the permission comments."""
    return {job.id: {scope: why for scope, (_, why) in job.permissions().items()} for job in jobs}
