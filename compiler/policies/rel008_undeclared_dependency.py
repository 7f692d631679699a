"""## What it does
Reports a reference in a service's `env`, as a whole value (`database.orders.uri`) or inside a
string (`"http://${service.api.host}"`), to another service, database or queue that the service
does not list in `uses`. Secrets are not dependencies and are not reported.

## Why is this bad?
`uses` is what stackc builds the network allow-list, the start order and the dependency graph
from. A service that connects to something it does not declare is blocked by the default-deny
NetworkPolicy on Kubernetes: it may work on a laptop and then fail in the cluster with a
connection timeout rather than an error that names the cause. Compose may also start it before
the thing it needs.

## Example
```stack
service api {
  image = "ghcr.io/acme/api:1.4.2"
  ports = { http = 8080 }
}

service web {
  image = "ghcr.io/acme/web:2.1.0"
  env   = { API_URL = "http://${service.api.host}:${service.api.port}" }
}
```

Use instead:
```stack
service api {
  image = "ghcr.io/acme/api:1.4.2"
  ports = { http = 8080 }
}

service web {
  image = "ghcr.io/acme/web:2.1.0"
  env   = { API_URL = "http://${service.api.host}:${service.api.port}" }
  uses  = [service.api]
}
```

## References
- LANGUAGE.md §4: a reference to a service not listed in `uses` is a warning
- Checkov `CKV2_K8S_6`, kube-score `pod-networkpolicy`, Polaris `missingNetworkPolicy` require the
  NetworkPolicies that make an undeclared dependency fail; no scanner checks that the allow-list
  matches what a workload connects to
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy, env_refs

DEPENDENCIES = ("service", "database", "queue")


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    for service in env.services.values():
        declared = {(ref.kind, ref.name) for ref in service.uses}
        for ref in env_refs(service):
            if ref.kind not in DEPENDENCIES or (ref.kind, ref.name) in declared:
                continue
            if ref.kind == "service" and ref.name == service.name:
                continue  # its own host or port
            target = f"{ref.kind}.{ref.name}"
            yield Finding(
                f"service `{service.name}` refers to `{target}` but does not list it in `uses`",
                ref.span,
                within=(service,),
                note="the network allow-list is built from `uses`: the connection would be blocked",
                help=f"add `{target}` to `uses`",
            )


POLICY = Policy(
    code="REL008",
    name="undeclared-dependency",
    severity=Severity.WARNING,
    summary="a service refers to another (env, interpolation) that is not in its `uses`",
    anchors=("CKV2_K8S_6", "KS:pod-networkpolicy", "PO:missingNetworkPolicy"),
    docs=__doc__,
    check=check,
)
