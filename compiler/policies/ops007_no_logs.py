"""## What it does
Reports an `observability` block that collects metrics but no logs (`logs = none`, which is the
default).

## Why is this bad?
Metrics say that something is wrong; logs say what. Without central log collection, the logs of a
crashed or rescheduled container are gone with it, an incident cannot be reconstructed, and
security events leave no trace to investigate. OWASP lists insufficient logging among its Top 10
risks.

## Example
```stack
observability {
  metrics = prometheus
  logs    = none
}
```

Use instead:
```stack
observability {
  metrics = prometheus
  logs    = loki
}
```

## References
- OWASP Top 10 2021, A09 "Security Logging and Monitoring Failures"; OWASP Logging Cheat Sheet
- No scanner among Checkov, kube-score, kube-linter, Polaris or zizmor checks cluster log collection
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    observability = env.observability
    if observability is None or observability.metrics == "none" or observability.logs != "none":
        return
    explicit = "logs" in observability.spans
    yield Finding(
        "`logs = none`: no logs are collected" if explicit else "observability collects no logs",
        observability.span_of("logs"),
        within=(observability,),
        note=None if explicit else "`logs` defaults to `none`",
        help="collect logs with `logs = loki`",
    )


POLICY = Policy(
    code="OPS007",
    name="no-logs",
    severity=Severity.INFO,
    summary="observability is on with `logs = none`",
    anchors=("OWASP-Top10:A09:2021", "OWASP:logging-cheat-sheet"),
    docs=__doc__,
    check=check,
)
