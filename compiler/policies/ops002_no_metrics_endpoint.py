"""## What it does
Reports a service with `ports` that declares no `metrics` endpoint while the stack's
`observability` block collects metrics.

## Why is this bad?
Prometheus only scrapes what it is told about: a service that serves traffic but exposes no
metrics is invisible on the dashboards, its request rate, errors and latency (the golden signals)
cannot be alerted on, and no SLO can be computed from it. stackc generates the scrape
configuration (annotations, ServiceMonitor) from `metrics`; without it the service is not scraped.

## Example
```stack
service api {
  image = "ghcr.io/acme/api:1.4.2"
  ports = { http = 8080 }
}

observability {
  metrics = prometheus
}
```

Use instead:
```stack
service api {
  image   = "ghcr.io/acme/api:1.4.2"
  ports   = { http = 8080, metrics = 9090 }
  metrics { path = "/metrics"  port = metrics }
}

observability {
  metrics = prometheus
}
```

## References
- Google SRE book, chapter 6 "Monitoring Distributed Systems" (the four golden signals)
- Prometheus documentation, "Instrumentation" best practices ("instrument everything")
- No scanner checks that a workload exposes metrics; kube-linter's opt-in
  `dangling-servicemonitor` checks only the converse (a ServiceMonitor that selects nothing)
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    observability = env.observability
    if observability is None or observability.metrics == "none":
        return
    for service in env.services.values():
        if service.ports and service.metrics is None:
            yield Finding(
                f"service `{service.name}` has ports but no `metrics` endpoint",
                service.span,
                within=(service,),
                note="Prometheus will not scrape it",
                help='declare where it serves metrics, e.g. `metrics { path = "/metrics"  port = http }`',
            )


POLICY = Policy(
    code="OPS002",
    name="no-metrics-endpoint",
    severity=Severity.INFO,
    summary="observability is on and a service with ports has no `metrics`",
    anchors=("SRE-book:golden-signals", "prometheus:instrumentation"),
    docs=__doc__,
    check=check,
)
