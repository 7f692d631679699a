"""## What it does
Reports a stack that has a prod-like environment (one with `approval = true`, or named `prod` or
`production`) but no `observability` block.

## Why is this bad?
Without `observability`, stackc generates no Prometheus, no alerting rules, no Alertmanager
routes and no dashboards: production runs blind, and the first sign of an outage is a user
complaint. Insufficient logging and monitoring is one of the OWASP Top 10 risks because breaches
then go unnoticed for months.

## Example
```stack
stack shop { owner = "acme" }

environment prod { approval = true }

service api { image = "ghcr.io/acme/api:1.4.2" }
```

Use instead:
```stack
stack shop { owner = "acme" }

environment prod { approval = true }

service api { image = "ghcr.io/acme/api:1.4.2" }

observability {
  metrics = prometheus
  logs    = loki
  notify email { to = "oncall@example.com"  severity = critical }
}
```

## References
- OWASP Top 10 2021, A09 "Security Logging and Monitoring Failures"
- Google SRE book, chapter 6 "Monitoring Distributed Systems"
- No scanner among Checkov, kube-score, kube-linter, Polaris or zizmor checks that a platform is monitored
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    if env.environment.prod_like and env.observability is None:
        yield Finding(
            "the stack has a prod-like environment but no `observability` block",
            env.stack.span,
            within=(env.stack,),
            note="no metrics, alerts or dashboards are generated",
            help="add `observability { metrics = prometheus }` with a `notify` receiver",
        )


POLICY = Policy(
    code="OPS004",
    name="no-observability",
    severity=Severity.WARNING,
    summary="a stack with a prod-like environment has no `observability` block",
    anchors=("OWASP-Top10:A09:2021", "SRE-book:monitoring-distributed-systems"),
    docs=__doc__,
    check=check,
)
