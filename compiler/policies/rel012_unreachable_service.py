"""## What it does
Reports a service that has `ports` but that no gateway route reaches and no other service uses
(in `uses` or through a reference in its `env`), in any environment. Ports that only serve the
service's own `metrics` do not count: Prometheus is meant to reach those.

## Why is this bad?
stackc's network policies only let in traffic from the gateway routes and from the services that
declare the dependency, so a port nothing is allowed to reach is dead: either the service is a
leftover that still runs and costs, or a `route` or a `uses` is missing and whatever should call
it is blocked. A background worker needs no ports at all.

## Example
```stack
service reports {
  image = "ghcr.io/acme/reports:3.0.0"
  ports = { http = 8080 }
}
```

Use instead:
```stack
service reports {
  image = "ghcr.io/acme/reports:3.0.0"
  ports = { http = 8080 }
}

gateway edge {
  tls = off
  route "/reports" { to = service.reports }
}
```

## References
- kube-linter `dangling-service` and kube-score `service-targets-pod` report the converse (a
  Kubernetes Service that reaches no pod); kube-linter `exposed-services` (opt-in)
- No scanner studied checks that a workload's ports are reachable from anything
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy, env_refs, routed_services


def _metrics_only(service: ir.Service) -> bool:
    """Whether every port is the service's metrics port."""
    if service.metrics is None:
        return False
    port = service.metrics.port
    if port is None:
        port = next(iter(service.ports))  # the primary port
    return all(port in (name, number) for name, number in service.ports.items())


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    reached = set(routed_services(env))
    for service in env.services.values():
        for ref in (*service.uses, *env_refs(service)):
            if ref.kind == "service" and ref.name != service.name:
                reached.add(ref.name)
    for service in env.services.values():
        if not service.ports or service.name in reached or _metrics_only(service):
            continue
        ports = ", ".join(f"`{name}`" for name in service.ports)
        yield Finding(
            f"service `{service.name}` has ports that nothing reaches",
            service.span,
            within=(service,),
            note=f"no gateway route and no other service's `uses` lead to {ports}",
            help="route to it from a gateway, list it in the `uses` of its clients, or remove its `ports`",
        )


POLICY = Policy(
    code="REL012",
    name="unreachable-service",
    severity=Severity.INFO,
    summary="a service with ports that no route and no other service uses",
    anchors=("KL:dangling-service", "KS:service-targets-pod", "KL:exposed-services"),
    docs=__doc__,
    check=check,
    only_if_everywhere=True,
)
