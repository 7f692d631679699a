"""## What it does
Reports a `deploy { strategy = canary }` whose `steps` are not strictly increasing, or not all
strictly between 0% and 100%, or empty, on a service or a template.

## Why is this bad?
Each step is the share of traffic the new version takes before the analysis decides whether to
go on. A step that does not increase sends the same or less traffic again and proves nothing; 0%
tests nothing; 100% is the full promotion that follows the last step anyway, so writing it as a
step skips the final check; and no step at all promotes the new version at once, which is not a
canary. The rollout controller either rejects such steps or runs a rollout that does not do what
it says.

## Example
```stack
service api {
  image  = "ghcr.io/acme/api:1.4.2"
  deploy { strategy = canary  steps = [50%, 10%, 100%] }
}
```

Use instead:
```stack
service api {
  image  = "ghcr.io/acme/api:1.4.2"
  deploy { strategy = canary  steps = [10%, 50%] }
}
```

## References
- Google SRE workbook, chapter 16 "Canarying Releases" (traffic shares that grow in stages)
- Argo Rollouts canary `setWeight` steps; Flagger `stepWeights`
- No scanner among those studied checks rollout steps
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy
from stackc.values import Percent


def _problem(steps: list[Percent]) -> tuple[str, str] | None:
    """The first thing wrong with the steps, as (message, note)."""
    if not steps:
        return "canary `steps` is empty", "without a step the new version takes all traffic at once"
    for step in steps:
        if not 0 < step.value < 100:
            return (
                f"canary step `{step}` is not between 0% and 100%",
                "0% tests nothing, and 100% is the promotion that follows the last step",
            )
    for before, after in itertools.pairwise(steps):
        if after.value <= before.value:
            return (
                f"canary `steps` are not strictly increasing: `{after}` follows `{before}`",
                "each step must send more traffic to the new version than the one before",
            )
    return None


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    for block in (*env.services.values(), *env.templates.values()):
        deploy = block.deploy
        if deploy.strategy != "canary":
            continue
        problem = _problem(deploy.steps)
        if problem is not None:
            message, note = problem
            yield Finding(
                message,
                deploy.span_of("steps"),
                within=(block,),
                note=note,
                help="list increasing traffic shares below 100%, e.g. `steps = [10%, 50%]`",
            )


POLICY = Policy(
    code="REL007",
    name="canary-steps",
    severity=Severity.ERROR,
    summary="canary `steps` not strictly increasing or not all within (0%, 100%)",
    anchors=("SRE-workbook:canarying-releases", "argo-rollouts:canary-setWeight", "flagger:stepWeights"),
    docs=__doc__,
    check=check,
)
