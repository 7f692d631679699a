"""## What it does
Reports a latency SLO (an `slo` with a `threshold`) on a service that declares no `metrics`
endpoint.

## Why is this bad?
A latency objective ("99% of requests within 200ms") is computed from the service's request
duration histogram, which Prometheus reads from its `metrics` endpoint. Without it the recording
rules stackc generates for the SLO have no data: the SLI is empty, the burn-rate alerts can never
fire, and the dashboard shows an objective that nothing measures.

## Example
```stack
service api {
  image = "ghcr.io/acme/api:1.4.2"
  ports = { http = 8080 }
  slo latency { objective = 99%  threshold = 200ms }
}
```

Use instead:
```stack
service api {
  image   = "ghcr.io/acme/api:1.4.2"
  ports   = { http = 8080 }
  metrics { path = "/metrics"  port = http }
  slo latency { objective = 99%  threshold = 200ms }
}
```

## References
- Google SRE workbook, "Implementing SLOs" (an SLI must be measured where it is defined)
- Prometheus documentation, "Histograms and summaries" (latency SLIs from `_bucket` series)
- No scanner among Checkov, kube-score, kube-linter, Polaris or zizmor checks SLO definitions
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    for service in env.services.values():
        if service.metrics is not None:
            continue
        for slo in service.slos.values():
            if slo.threshold is not None:
                # `slo` blocks take no `allow`: the service holding it does.
                yield Finding(
                    f"latency SLO `{slo.name}` cannot be measured: service `{service.name}` has no `metrics`",
                    slo.span_of("threshold"),
                    within=(service,),
                    note="the request duration histogram comes from the service's metrics endpoint",
                    help='declare the endpoint, e.g. `metrics { path = "/metrics"  port = http }`',
                )


POLICY = Policy(
    code="OPS006",
    name="latency-slo-without-metrics",
    severity=Severity.WARNING,
    summary="a latency SLO on a service with no `metrics`",
    anchors=("SRE-workbook:implementing-slos", "prometheus:histograms"),
    docs=__doc__,
    check=check,
)
