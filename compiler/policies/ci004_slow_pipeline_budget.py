"""## What it does
Reports a `pipeline` whose per-job `timeout` is above 10 minutes.

## Why is this bad?
The timeout is the budget each job may spend. A pipeline allowed to take half an hour gives
feedback too late to keep developers on the change, batches commits together, and slows every
fix on its way to production; a hung job also holds a runner (and the deploy queue) until the
limit. Extreme Programming's "ten-minute build" is the usual bound: make slow jobs faster
(caching, splitting, parallel tests) rather than raising the limit.

## Example
```stack
pipeline {
  timeout = 45m
}
```

Use instead:
```stack
pipeline {
  timeout = 10m
}
```

## References
- Extreme Programming, "Ten-Minute Build" (Kent Beck); Martin Fowler, "Continuous Integration":
  keep the build fast
- GitHub Actions `jobs.<job_id>.timeout-minutes` (default 360)
- No scanner checks the value; zizmor and actionlint do not audit timeouts
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy

BUDGET = 10 * 60  # seconds


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    pipeline = env.pipeline
    if pipeline is None or pipeline.timeout.seconds <= BUDGET:
        return
    yield Finding(
        f"pipeline jobs may run for `{pipeline.timeout}`, more than 10m",
        pipeline.span_of("timeout"),
        within=(pipeline,),
        note="slow pipelines delay feedback and every fix on its way to production",
        help="make the slow jobs faster and keep `timeout` at 10m or less",
    )


POLICY = Policy(
    code="CI004",
    name="slow-pipeline-budget",
    severity=Severity.INFO,
    summary="`pipeline.timeout` above 10m",
    anchors=("XP:ten-minute-build", "GH:timeout-minutes"),
    docs=__doc__,
    check=check,
)
