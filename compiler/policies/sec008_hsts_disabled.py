"""## What it does
Reports a gateway that serves TLS (`tls = letsencrypt(…)` or `cloudflare()`) and sets
`hsts = false`, so that it stops sending `Strict-Transport-Security`.

## Why is this bad?
TLS protects a visit only once it is on HTTPS. The first request a browser makes to
`http://shop.example.com`, from a typed address, an old bookmark or a link, goes out in plain
text, and an attacker on the path can answer it and keep the visitor on HTTP (SSL stripping).
HSTS tells the browser to use HTTPS for the host, without asking, for the next two years.
stackc sends it by default with Mozilla's minimum `max-age` of two years, `includeSubDomains`,
and nginx's `always`.

## Example
```stack
gateway edge {
  tls  = letsencrypt("ops@example.com")
  hsts = false
  route "/" { to = service.web }
}
```

Use instead:
```stack
gateway edge {
  tls = letsencrypt("ops@example.com")
  route "/" { to = service.web }
}
```
If a subdomain still has to be served over plain HTTP, move it to a host of its own rather than
turning HSTS off for the whole domain.

## References
- Mozilla server-side TLS guidelines 6.0: `hsts_min_age: 63072000`
- Mozilla HTTP Observatory `hsts-not-implemented` (−20), `hsts-header-invalid`
- no Kubernetes scanner checks response headers; Checkov `CKV2_AWS_32` (CloudFront response
  headers policy) is the nearest cloud check
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    for gateway in env.gateways.values():
        if gateway.tls in (None, "off") or gateway.hsts:
            continue
        yield Finding(
            f"`hsts = false` on gateway `{gateway.name}`, which serves TLS",
            gateway.span_of("hsts"),
            within=(gateway,),
            note="without HSTS the first plain-HTTP request of a visit can be intercepted and kept on HTTP",
            help="remove `hsts = false`: stackc sends `Strict-Transport-Security` for two years by default",
        )


POLICY = Policy(
    code="SEC008",
    name="hsts-disabled",
    severity=Severity.WARNING,
    summary="`hsts = false` on a gateway with TLS",
    anchors=("MOZ:hsts_min_age", "OBS:hsts-not-implemented", "CKV2_AWS_32"),
    docs=__doc__,
    check=check,
)
