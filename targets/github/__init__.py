"""The GitHub Actions target: `ci.yml`, `release.yml`, `deploy.yml`, `preview.yml` and `dependabot.yml`
beside the stack file (issue 8).

Paths are relative to the output folder `deploy/`, so `../.github/...` lands in the folder of the
stack file, which is taken to be the repository root (the workflows run `stackc` there). A stack
without a `pipeline` block gets no workflows: the pipeline is opt-in.
"""

from __future__ import annotations

from typing import Any

from stackc import ir
from stackc.diagnostics import Diagnostic, Severity, merge_environments
from stackc.targets import BuildContext, Document, TargetOutput

from . import ci, cluster, dependabot, deploy, preview, release
from .jobs import Job, timeout_minutes, workflow
from .jobs import notes as permission_notes
from .render import workflow_text

WORKFLOWS = "../.github/workflows"


def pipeline_model(context: BuildContext) -> ir.EnvironmentModel | None:
    """The model the workflows come from: the pipeline and the services' builds do not depend on
    the environment, so the first environment's model stands for all of them."""
    model = next(iter(context.models.values()), None)
    return model if model is not None and model.pipeline is not None else None


def workflow_jobs(
    model: ir.EnvironmentModel, source: str, models: dict[str, ir.EnvironmentModel]
) -> dict[str, list[Job]]:
    """Workflow name -> its jobs (also the data of the docs' job graph); `models` are every
    environment's, for the deploy and preview jobs."""
    assert model.pipeline is not None
    timeout = timeout_minutes(model.pipeline)
    workflows = {"ci": ci.jobs(model, source)}
    deploys = deploy.jobs(models, timeout)
    if deploys:
        workflows["ci"].append(deploy.caller(deploys, [job.id for job in workflows["ci"]]))
    if model.pipeline.release == "semver":
        workflows["release"] = release.jobs(model)
    if deploys:
        workflows["deploy"] = deploys
    previews = preview.jobs(models, timeout)
    if previews:
        workflows["preview"] = previews
    return workflows


def emit(context: BuildContext) -> TargetOutput:
    output = TargetOutput()
    model = pipeline_model(context)
    if model is None:
        return output
    assert model.pipeline is not None
    if not ci.SAFE_BRANCH.fullmatch(model.pipeline.branch):
        # No workflow rather than one whose trigger means something else than the stack says.
        span = model.pipeline.span_of("branch")
        help = "use a plain branch name: letters, digits, `_`, `-`, `.`, `+` and `/` between names"
        message = f"the branch {model.pipeline.branch!r} cannot be a GitHub Actions branch filter as written"
        output.diagnostics.append(Diagnostic("E0491", Severity.ERROR, message, span, help=help))
        return output
    timeout = timeout_minutes(model.pipeline)
    workflows = workflow_jobs(model, context.source, context.models)
    triggers = {
        "ci": ci.on(model.pipeline),
        "release": release.on(model.pipeline),
        "deploy": deploy.on(),
        "preview": preview.on(model.pipeline),
    }
    for name, jobs in workflows.items():
        data = workflow(name, triggers[name], jobs, timeout, **settings(name, "deploy" in workflows))
        text = workflow_text(data, permission_notes(jobs))
        output.documents.append(Document(f"{WORKFLOWS}/{name}.yml", text, format="text"))
    output.documents.append(Document("../.github/dependabot.yml", dependabot.config(model)))
    if "deploy" in workflows or "preview" in workflows:
        unnamed = cluster.secret_name_diagnostics(context.models)
        output.diagnostics.extend(merge_environments(unnamed, list(context.models)))
    return output


def settings(name: str, deploys: bool) -> dict[str, Any]:
    """Concurrency (and shell) of a workflow. CI cancels a run that a newer push made moot, except
    that a push's run holds the deploy and must never be cut off halfway; release, deploy and preview
    runs never are. deploy.yml's group is not `github.workflow`-based: called from ci.yml it would be
    ci's own group, and a called workflow waiting for its caller's group never starts."""
    if name == "ci":
        return {"cancel": "${{ github.event_name == 'pull_request' }}" if deploys else True}
    if name == "deploy":
        return {"cancel": False, "group": "deploy-${{ github.ref }}", "defaults": cluster.SHELL}
    if name == "preview":
        return {"cancel": False, "defaults": cluster.SHELL}
    return {"cancel": False}
