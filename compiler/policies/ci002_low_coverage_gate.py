"""## What it does
Reports a `pipeline` whose `coverage` gate is below 80%.

## Why is this bad?
A coverage gate fails the build when the tests exercise less of the code than the threshold. Set
low, it passes almost any change, including ones that add untested code paths, and gives a false
sense of safety. Google's guidance calls 60% acceptable, 75% commendable and 90% exemplary; 80%
is the common gate for code that deploys itself.

## Example
```stack
pipeline {
  coverage = 50%
}
```

Use instead:
```stack
pipeline {
  coverage = 85%
}
```

## References
- Google Testing Blog, "Code Coverage Best Practices" (2020)
- No scanner among Checkov, kube-score, kube-linter, Polaris or zizmor checks coverage thresholds
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy

MINIMUM = Decimal(80)


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    pipeline = env.pipeline
    if pipeline is None or pipeline.coverage is None or pipeline.coverage.value >= MINIMUM:
        return
    yield Finding(
        f"coverage gate `{pipeline.coverage}` is below 80%",
        pipeline.span_of("coverage"),
        within=(pipeline,),
        help="raise `coverage` to 80% or more",
    )


POLICY = Policy(
    code="CI002",
    name="low-coverage-gate",
    severity=Severity.INFO,
    summary="`coverage` below 80%",
    anchors=("google:code-coverage-best-practices",),
    docs=__doc__,
    check=check,
)
