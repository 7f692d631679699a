"""## What it does
Reports an `observability` block that collects metrics but declares no `notify` receiver for
critical alerts.

A notify's `severity` is the lowest severity routed to it, so every `notify` receives critical
alerts: the policy fires when the block has no `notify` at all.

## Why is this bad?
stackc generates alerting rules (SLO burn rates, targets down, crash loops); without a receiver,
Alertmanager routes them nowhere and an outage pages nobody. Monitoring that nobody is told about
only helps the post-mortem.

## Example
```stack
observability {
  metrics = prometheus
}
```

Use instead:
```stack
secret pagerduty-key { source = env("PAGERDUTY_KEY") }

observability {
  metrics = prometheus
  notify pagerduty { key = secret.pagerduty-key  severity = critical }
}
```

## References
- Google SRE workbook, "Alerting on SLOs" (alerts that matter must page a human)
- Prometheus Alertmanager documentation, "Configuration: receivers and routes"
- No scanner among Checkov, kube-score, kube-linter, Polaris or zizmor checks alert routing
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
    # `severity` is the lowest severity a receiver takes: any notify also takes critical alerts.
    if observability.notify:
        return
    yield Finding(
        "no `notify` receives critical alerts",
        observability.span,
        within=(observability,),
        note="alerts fire but are routed to nobody",
        help="add a receiver, e.g. `notify pagerduty { key = secret.pagerduty-key  severity = critical }`",
    )


POLICY = Policy(
    code="OPS003",
    name="no-critical-receiver",
    severity=Severity.WARNING,
    summary="observability is on and no `notify` takes `critical`",
    anchors=("SRE-workbook:alerting-on-slos", "alertmanager:receivers"),
    docs=__doc__,
    check=check,
)
