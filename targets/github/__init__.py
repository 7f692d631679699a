"""The GitHub Actions target: `ci.yml`, `release.yml`, `dependabot.yml` beside the stack file (issue 8).

Paths are relative to the output folder `deploy/`, so `../.github/...` lands in the folder of the
stack file, which is taken to be the repository root (the workflows run `stackc` there). A stack
without a `pipeline` block gets no workflows: the pipeline is opt-in.
"""

from __future__ import annotations

from stackc import ir
from stackc.diagnostics import Diagnostic, Severity
from stackc.targets import BuildContext, Document, TargetOutput

from . import ci, dependabot, release
from .jobs import Job, timeout_minutes, workflow
from .jobs import notes as permission_notes
from .render import workflow_text

WORKFLOWS = "../.github/workflows"


def pipeline_model(context: BuildContext) -> ir.EnvironmentModel | None:
    """The model the workflows come from: the pipeline and the services' builds do not depend on
    the environment, so the first environment's model stands for all of them."""
    model = next(iter(context.models.values()), None)
    return model if model is not None and model.pipeline is not None else None


def workflow_jobs(model: ir.EnvironmentModel, source: str) -> dict[str, list[Job]]:
    """Workflow name -> its jobs (also the data of the docs' job graph)."""
    assert model.pipeline is not None
    workflows = {"ci": ci.jobs(model, source)}
    if model.pipeline.release == "semver":
        workflows["release"] = release.jobs(model)
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
    triggers = {"ci": ci.on(model.pipeline), "release": release.on(model.pipeline)}
    for name, jobs in workflow_jobs(model, context.source).items():
        # CI cancels a run that a newer push made moot; a release run is never cut off halfway.
        data = workflow(name, triggers[name], jobs, timeout, cancel=name == "ci")
        text = workflow_text(data, permission_notes(jobs))
        output.documents.append(Document(f"{WORKFLOWS}/{name}.yml", text, format="text"))
    output.documents.append(Document("../.github/dependabot.yml", dependabot.config(model)))
    return output
