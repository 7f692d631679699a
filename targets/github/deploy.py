"""`deploy.yml`: the environments in the order they are declared, after a green CI.

`deploy.yml` is a reusable workflow (`workflow_call`), called by the last job of `ci.yml`, which
needs every CI job and runs only on pushes to the branch. That is how a deploy follows a green CI
without `workflow_run` (a trigger that runs with the default branch's workflow and secrets, whatever
ran before it): the gate is a plain `needs`, and the images it deploys are the ones that job graph
built, scanned and signed. `workflow_dispatch` runs one chosen environment by hand.

One job per environment with `deploy = auto | manual` that is not a preview; each needs the job of
the environment declared before it:
- `auto`: runs after the previous environment's job succeeded, on the push that CI passed;
- `manual` (the default of `approval = true`): where a push's deploy stops. `workflow_dispatch`
  promotes the ref it was started on from the first manual environment on, in order (an `auto`
  environment after a manual one deploys in that run too); the environments before it are skipped.
Every job runs in the GitHub environment of its name, whose secrets and variables are the only
cluster credentials it can read, and whose required reviewers (a repository setting) are the
`approval` gate. A job applies the overlay with the images pinned to this commit, waits for the
rollout, smoke-tests the gateway routes and rolls back what it changed when any of that fails.
"""

from __future__ import annotations

from typing import Any

from stackc import ir

from . import cluster
from .expressions import literal
from .jobs import Job, checkout

WORKFLOW_FILE = "./.github/workflows/deploy.yml"
CALLER = "deploy"
DISPATCH = "github.event_name == 'workflow_dispatch'"


def chain(models: dict[str, ir.EnvironmentModel]) -> list[ir.EnvironmentModel]:
    """The environments the pipeline deploys, in declared order (previews have their own workflow)."""
    first = next(iter(models.values()))
    ordered = [models[name] for name in first.environments if name in models]
    return [m for m in ordered if m.environment.deploy in ("auto", "manual") and not m.environment.preview]


def on() -> dict[str, Any]:
    # No dispatch inputs: a build must not depend on parameters typed into a form (Checkov
    # CKV_GHA_7, SLSA); a dispatch promotes its ref from the first `manual` environment on instead.
    return {"workflow_call": {}, "workflow_dispatch": {}}


def job_id(model: ir.EnvironmentModel) -> str:
    return f"deploy-{model.name}"


def condition(dispatched: bool) -> str:
    if dispatched:
        # Predecessors before the first manual environment are skipped in a dispatch; one that
        # failed still stops the chain.
        return f"{DISPATCH} && !cancelled() && !failure()"
    # On the push CI passed, and only after every earlier environment deployed (`success()`).
    return "github.event_name != 'workflow_dispatch' && success()"


def deploy_job(model: ir.EnvironmentModel, previous: Job | None, timeout: int, dispatched: bool) -> Job:
    namespace = literal(model.environment.namespace or "")
    objects = cluster.cluster_objects(model)
    steps: list[dict[str, Any]] = [
        checkout(),
        cluster.credentials(model),
        *cluster.registry_logins(model),
        cluster.apply_step(model, namespace, preview=False, objects=objects),
    ]
    for extra in (cluster.secrets_step(model, namespace, objects), cluster.monitoring_step(model)):
        if extra is not None:
            steps.append(extra)
    steps.append(cluster.wait_step(model, namespace, timeout, objects))
    smoke = cluster.smoke_step(model)
    if smoke is not None:
        steps.append(smoke)
    rollback = cluster.rollback_step(model, namespace, objects)
    if rollback is not None:
        steps.append(rollback)
    gate = "approval, " if model.environment.approval else ""
    trigger = "manual" if model.environment.deploy == "manual" else "auto, after a manual one" if dispatched else "auto"
    return Job(
        job_id(model),
        f"deploy {model.name}",
        steps,
        needs=[previous.id] if previous else [],
        condition=condition(dispatched),
        extra={
            "environment": {"name": model.name},
            # One deploy per environment at a time, and never cut off halfway by the next one.
            "concurrency": {"group": f"deploy-{model.name}", "cancel-in-progress": False},
        },
        label=f"deploy {model.name} ({gate}{trigger})",
    )


def jobs(models: dict[str, ir.EnvironmentModel], timeout: int) -> list[Job]:
    result: list[Job] = []
    dispatched = False
    for model in chain(models):
        # A manual environment is where a push's deploy stops: it and everything after it run
        # from `workflow_dispatch`, in order.
        dispatched = dispatched or model.environment.deploy == "manual"
        result.append(deploy_job(model, result[-1] if result else None, timeout, dispatched))
    return result


def caller(called: list[Job], needs: list[str]) -> Job:
    """The job of `ci.yml` that runs `deploy.yml` after every CI job, on pushes only."""
    return Job(
        CALLER,
        "deploy",
        [],
        needs=needs,
        condition="github.event_name == 'push'",
        calls=WORKFLOW_FILE,
        called=called,
        label="deploy (deploy.yml)",
    )
