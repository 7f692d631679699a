"""## What it does
Reports a gateway whose `body_limit` is above 100Mi.

## Why is this bad?
The gateway buffers or streams every request body up to `body_limit` before a service can say
no. A large limit lets any client tie up connections, memory, disk and upstream workers with a
few huge uploads, a cheap denial of service. The default, 10Mi, fits forms and JSON APIs; an
upload service that really needs more should say so and take large files straight to object
storage with pre-signed URLs instead of through the proxy.

## Example
```stack
gateway edge {
  host       = "shop.example.com"
  tls        = letsencrypt("ops@example.com")
  body_limit = 2Gi
  route "/upload" { to = service.media }
}
```

Use instead:
```stack
gateway edge {
  host       = "shop.example.com"
  tls        = letsencrypt("ops@example.com")
  body_limit = 50Mi
  route "/upload" { to = service.media }
}
```
If the service must accept large bodies, keep the limit and add
`allow SEC012 { reason = "…" }` to the gateway.

## References
- OWASP API Security Top 10 (2023), API4: Unrestricted Resource Consumption (maximum request
  payload size)
- nginx `client_max_body_size` (default 1m)
- No scanner among Checkov, kube-score, kube-linter and Polaris checks it.
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy

LIMIT = 100 * 1024**2  # 100Mi


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    for gateway in env.gateways.values():
        if gateway.body_limit.bytes > LIMIT:
            yield Finding(
                f"`body_limit = {gateway.body_limit}` lets clients send request bodies above 100Mi",
                gateway.span_of("body_limit"),
                within=(gateway,),
                help="lower `body_limit` to 100Mi or less (the default is 10Mi), "
                "or send large uploads straight to object storage",
            )


POLICY = Policy(
    code="SEC012",
    name="unbounded-request-body",
    severity=Severity.INFO,
    summary="`body_limit` above 100Mi",
    anchors=("OWASP:API4:2023",),
    docs=__doc__,
    check=check,
)
