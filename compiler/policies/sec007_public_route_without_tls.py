"""## What it does
Reports a gateway that serves plain HTTP in a prod-like environment (`approval = true`, or named
`prod` or `production`): `tls = off`, or no `tls` at all on a gateway without a host name, which
stackc takes as `off`. A gateway behind a Cloudflare tunnel (`tunnel = cloudflare`) does not
fire: Cloudflare's edge terminates TLS for it and the tunnel itself is encrypted.

## Why is this bad?
Everything sent over plain HTTP — session cookies, passwords, API tokens, personal data — can be
read and changed by anyone on the path: public Wi-Fi, an ISP, a compromised router. Browsers mark
such sites as not secure and withhold features from them. Certificates cost nothing and stackc
renews them automatically; `tls = off` is for development environments only.

## Example
```stack
stack shop {
  owner  = "acme"
  domain = "shop.example.com"
}

environment prod { approval = true }

gateway edge {
  tls = off
  route "/" { to = service.web }
}
```

Use instead:
```stack
gateway edge {
  tls = letsencrypt("ops@example.com")
  route "/" { to = service.web }
  when dev { tls = off }
}
```

## References
- Polaris `tlsSettingsMissing` (Ingress without TLS)
- Checkov `CKV_AWS_2`, `CKV2_AWS_20` (load balancer listeners use HTTPS, redirect HTTP)
- Mozilla HTTP Observatory `redirection-missing`, `redirection-not-to-https`
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
        if gateway.tls != "off" or gateway.tunnel == "cloudflare":
            continue
        if "tls" in gateway.spans:
            message = f"gateway `{gateway.name}` serves plain HTTP: `tls = off`"
        else:
            message = f"gateway `{gateway.name}` serves plain HTTP: it has no host name and no `tls`"
        yield Finding(
            message,
            gateway.span_of("tls"),
            within=(gateway,),
            note="in a prod-like environment everything its routes carry could be read and changed on the way",
            help='give the gateway a `host` (or the stack a `domain`) and `tls = letsencrypt("ops@example.com")` '
            "or `tls = cloudflare()`; keep `tls = off` for development in a `when` block",
        )


POLICY = Policy(
    code="SEC007",
    name="public-route-without-tls",
    severity=Severity.ERROR,
    summary="a gateway with `tls = off` in a prod-like environment",
    anchors=("PO:tlsSettingsMissing", "CKV_AWS_2", "CKV2_AWS_20", "OBS:redirection-not-to-https"),
    docs=__doc__,
    check=check,
)
