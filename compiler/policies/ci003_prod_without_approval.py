"""## What it does
Reports an environment named `prod` or `production` that the pipeline deploys automatically:
`approval = false` (the default) and `deploy` left at `auto`.

The policy applies only when the stack has a `pipeline` block, since without one no workflow is
generated and nothing deploys by itself. An environment with `deploy = manual` or `deploy = none`
is not deployed automatically either, and is not reported. Only the name counts here (an
environment with `approval = true` is prod-like, but it is approved by definition).

## Why is this bad?
Without approval, every push to the release branch goes straight to production: a bad merge, a
compromised dependency or a stolen token reaches users with no human in the loop. `approval = true`
turns the environment into a protected GitHub environment with required reviewers, which also
keeps its deployment secrets out of reach of unreviewed jobs.

## Example
```stack
environment prod {}

pipeline {}
```

Use instead:
```stack
environment prod { approval = true }

pipeline {}
```

## References
- GitHub Docs, "Managing environments for deployment": required reviewers protect an environment
  and its secrets
- zizmor `secrets-outside-env` (auditor persona): deployment secrets belong in a protected environment
- OpenSSF Scorecard `Branch-Protection` (reviews before changes reach the release branch)
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy

PROD_NAMES = ("prod", "production")


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    environment = env.environment
    if env.pipeline is None or environment.name not in PROD_NAMES or environment.approval:
        return
    # `deploy` defaults to `auto` without approval (the resolver fills it in).
    if (environment.deploy or "auto") != "auto":
        return
    yield Finding(
        f"environment `{environment.name}` is deployed automatically, without approval",
        environment.span_of("approval"),
        within=(environment,),
        note="every push to the release branch goes straight to production",
        help="set `approval = true` to require a reviewer before each deploy",
    )


POLICY = Policy(
    code="CI003",
    name="prod-without-approval",
    severity=Severity.WARNING,
    summary="an environment named `prod`/`production` deploys automatically (`approval = false`)",
    anchors=("GH:environment-required-reviewers", "ZZ:secrets-outside-env", "Scorecard:Branch-Protection"),
    docs=__doc__,
    check=check,
)
