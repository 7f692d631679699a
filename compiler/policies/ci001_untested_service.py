"""## What it does
Reports a service built from source (`build`) that declares no `test`, in a stack whose
`pipeline` has no repository-wide `test` either. Without a `pipeline` block no workflow is
generated, and the policy does not apply.

## Why is this bad?
The generated pipeline builds, scans, signs and deploys every service built from source. When
nothing tests it, any commit that compiles goes out: the first test of a change is production
traffic. A `test` block makes the pipeline run the commands in the build context and gate the
image on them.

## Example
```stack
service api {
  build = "./api"
}

pipeline {}
```

Use instead:
```stack
service api {
  build = "./api"
  test  { unit = "pytest -q" }
}

pipeline {}
```
A repository-wide `pipeline { test { unit = "make test" } }` also covers every service.

## References
- OpenSSF Scorecard `CI-Tests` (changes are tested in CI before they are merged)
- Continuous Delivery (Humble and Farley): every change passes an automated test stage before deploy
- No scanner among Checkov, kube-score, kube-linter, Polaris or zizmor checks that a pipeline tests
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def _has_tests(tests: ir.Tests | None) -> bool:
    return tests is not None and any((tests.unit, tests.integration, tests.e2e))


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    pipeline = env.pipeline
    if pipeline is None or _has_tests(pipeline.test):
        return
    for service in env.services.values():
        if service.build is not None and not _has_tests(service.test):
            yield Finding(
                f"service `{service.name}` is built from source but nothing tests it",
                service.span,
                within=(service, pipeline),
                note="neither the service nor the pipeline declares a `test`",
                help='add `test { unit = "…" }` to the service, or a repository-wide `test` to `pipeline`',
            )


POLICY = Policy(
    code="CI001",
    name="untested-service",
    severity=Severity.WARNING,
    summary="a service built from source has no `test` and the pipeline has no repository-wide `test`",
    anchors=("Scorecard:CI-Tests",),
    docs=__doc__,
    check=check,
)
