"""## What it does
Reports a gateway route with no `rate_limit` in a prod-like environment (one with
`approval = true`, or named `prod` or `production`).

## Why is this bad?
Without a per-client rate limit, one client (a scraper, a credential-stuffing bot, a broken
retry loop) can use up the service's capacity for everyone, and every request reaches the
service before anything can refuse it. A limit at the gateway is the cheapest place to stop
that. Development and staging environments are left alone.

## Example
```stack
environment prod { approval = true }

gateway edge {
  host = "shop.example.com"
  tls = letsencrypt("ops@example.com")
  route "/api" { to = service.api }
}
```

Use instead:
```stack
environment prod { approval = true }

gateway edge {
  host = "shop.example.com"
  tls = letsencrypt("ops@example.com")
  route "/api" { to = service.api  rate_limit = 50 }
}
```

## References
- OWASP API Security Top 10 (2023), API4: Unrestricted Resource Consumption (rate limiting)
- Google SRE book, "Handling Overload" (per-client limits)
- No scanner among Checkov, kube-score, kube-linter and Polaris checks it.
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    if not env.environment.prod_like:
        return
    for gateway in env.gateways.values():
        for route in gateway.routes.values():
            if route.rate_limit is None:
                yield Finding(
                    f"route `{route.path}` has no `rate_limit`",
                    route.span_of("rate_limit"),
                    within=(route, gateway),
                    note="without a limit one client can use up the capacity of the service behind it",
                    help="set `rate_limit` to the requests per second one client may send",
                )


POLICY = Policy(
    code="SEC013",
    name="route-without-rate-limit",
    severity=Severity.INFO,
    summary="a gateway route with no `rate_limit` in a prod-like environment",
    anchors=("OWASP:API4:2023",),
    docs=__doc__,
    check=check,
)
