"""## What it does
Reports a gateway whose `headers` set no `Content-Security-Policy` (header names are compared
without regard to case).

## Why is this bad?
A Content Security Policy tells browsers which scripts, styles and frames a page may load, which
turns most cross-site scripting bugs from account takeover into a blocked request. stackc sends
the other secure headers by default (HSTS, `X-Content-Type-Options`, `Referrer-Policy`,
`X-Frame-Options`), but a CSP depends on what the application loads, so only you can write it.
Mozilla's HTTP Observatory takes 25 points off a site without one.

## Example
```stack
gateway edge {
  host = "shop.example.com"
  tls = letsencrypt("ops@example.com")
  route "/" { to = service.web }
}
```

Use instead:
```stack
gateway edge {
  host    = "shop.example.com"
  tls     = letsencrypt("ops@example.com")
  headers = { "Content-Security-Policy" = "default-src 'self'; frame-ancestors 'none'" }
  route "/" { to = service.web }
}
```
A gateway that serves only an API can send `default-src 'none'; frame-ancestors 'none'`.

## References
- Mozilla HTTP Observatory `csp-not-implemented` (−25)
- Checkov `CKV2_AWS_32` (CloudFront response headers policy)
- OWASP Secure Headers Project, Content-Security-Policy
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy

HEADER = "content-security-policy"
REPORT_ONLY = "content-security-policy-report-only"


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    for gateway in env.gateways.values():
        names = {name.lower() for name, value in gateway.headers.items() if value.strip()}
        if HEADER in names:
            continue
        yield Finding(
            f"gateway `{gateway.name}` sends no `Content-Security-Policy` header",
            gateway.span,
            within=(gateway,),
            note="`Content-Security-Policy-Report-Only` reports violations but blocks nothing"
            if REPORT_ONLY in names
            else None,
            help="add one to `headers`, e.g. "
            "`headers = { \"Content-Security-Policy\" = \"default-src 'self'; frame-ancestors 'none'\" }`",
        )


POLICY = Policy(
    code="SEC014",
    name="no-content-security-policy",
    severity=Severity.INFO,
    summary="a gateway without a `Content-Security-Policy` header",
    anchors=("OBS:csp-not-implemented", "CKV2_AWS_32"),
    docs=__doc__,
    check=check,
)
