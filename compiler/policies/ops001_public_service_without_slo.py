"""## What it does
Reports a service that a gateway route reaches (so that users call it from outside) but that
declares no `slo`.

## Why is this bad?
A public service without a service-level objective has no agreed definition of "working": no
error budget tells the team when to stop shipping features and fix reliability, and no burn-rate
alert pages anyone when users see errors. stackc turns every `slo` into Prometheus recording
rules, multi-window burn-rate alerts and their promtool tests; a service without one gets none.

## Example
```stack
service web {
  image = "ghcr.io/acme/web:3.1.0"
  ports = { http = 3000 }
}

gateway edge {
  route "/" { to = service.web }
}
```

Use instead:
```stack
service web {
  image = "ghcr.io/acme/web:3.1.0"
  ports = { http = 3000 }
  slo availability { objective = 99.9% }
}

gateway edge {
  route "/" { to = service.web }
}
```

## References
- Google SRE book, chapter 4 "Service Level Objectives"; SRE workbook, "Implementing SLOs"
  (every user-facing service gets an SLO and an error budget policy)
- No scanner among Checkov, kube-score, kube-linter, Polaris or zizmor checks for SLOs
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy, routed_services


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    for name, routes in routed_services(env).items():
        service = env.services.get(name)
        if service is None or service.slos:
            continue
        gateway, route = routes[0]
        yield Finding(
            f"service `{name}` is reached by a gateway route but has no `slo`",
            service.span,
            within=(service,),
            note=f"route `{route.path}` of gateway `{gateway.name}` sends public traffic to it",
            help="declare an objective, e.g. `slo availability { objective = 99.9% }`",
        )


POLICY = Policy(
    code="OPS001",
    name="public-service-without-slo",
    severity=Severity.INFO,
    summary="a service reached by a gateway route has no `slo`",
    anchors=("SRE-book:service-level-objectives", "SRE-workbook:implementing-slos"),
    docs=__doc__,
    check=check,
)
