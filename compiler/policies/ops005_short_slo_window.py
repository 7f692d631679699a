"""## What it does
Reports an `slo` (on a service or a template) whose `window` is shorter than seven days.

## Why is this bad?
The window is the period over which the error budget is counted. A budget that resets every day
or every hour forgives an outage as soon as it is over, never builds the history that burn-rate
alerts are calibrated on (stackc's multi-window alerts assume a budget of weeks: 2% of a 30d
budget burnt in one hour pages), and follows traffic's weekly rhythm rather than users'
experience. The SRE workbook recommends a four-week rolling window; a week is the least that
covers a full weekly cycle.

## Example
```stack
service api {
  image = "ghcr.io/acme/api:1.4.2"
  slo availability { objective = 99.9%  window = 1d }
}
```

Use instead:
```stack
service api {
  image = "ghcr.io/acme/api:1.4.2"
  slo availability { objective = 99.9%  window = 28d }
}
```

## References
- Google SRE workbook, "Implementing SLOs" (choosing a time window: four weeks rolling) and
  "Alerting on SLOs" (burn rates relative to a 30-day budget)
- No scanner among Checkov, kube-score, kube-linter, Polaris or zizmor checks SLO definitions
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy

SHORTEST_WINDOW = 7 * 24 * 3600  # seconds


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    for block in (*env.services.values(), *env.templates.values()):
        for slo in block.slos.values():
            if slo.window.seconds < SHORTEST_WINDOW:
                # `slo` blocks take no `allow`: the service (or template) holding it does.
                yield Finding(
                    f"SLO `{slo.name}` counts its error budget over `{slo.window}`, less than 7d",
                    slo.span_of("window"),
                    within=(block,),
                    note="a short window forgets outages quickly and makes burn-rate alerts meaningless",
                    help="use a window of at least 7d; 28d or 30d is usual",
                )


POLICY = Policy(
    code="OPS005",
    name="short-slo-window",
    severity=Severity.WARNING,
    summary="an SLO `window` shorter than 7d",
    anchors=("SRE-workbook:implementing-slos", "SRE-workbook:alerting-on-slos"),
    docs=__doc__,
    check=check,
)
