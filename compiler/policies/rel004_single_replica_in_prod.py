"""## What it does
Reports a stateless service (one without a `volume`) that runs a single replica and no
`autoscale` in a prod-like environment: one with `approval = true`, or named `prod` or
`production`.

## Why is this bad?
One replica is one pod: every node drain, eviction, crash or rollout makes the service
unavailable until a new pod is scheduled, started and ready. A stateless service loses nothing
by running two, and the PodDisruptionBudget stackc emits can only protect a service that has
more than one. Prod-like environments default to 2 replicas, so this fires when `replicas = 1`
is written on the service, its template or the environment.

## Example
```stack
environment prod { approval = true }

service api {
  image    = "ghcr.io/acme/api:1.4.2"
  replicas = 1
}
```

Use instead:
```stack
environment prod { approval = true }

service api {
  image    = "ghcr.io/acme/api:1.4.2"
  replicas = 2
}
```
A service that must run alone (a scheduler that takes no lock) says so with
`allow REL004 { reason = "…" }`.

## References
- kube-score `deployment-replicas`; Polaris `deploymentMissingReplicas`, `hpaMinAvailability`;
  kube-linter `minimum-three-replicas` (opt-in)
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    if not env.environment.prod_like:
        return
    for service in env.services.values():
        if service.volumes or service.autoscale is not None or service.replicas != 1:
            continue
        span = service.span_of("replicas")
        if "replicas" in env.environment.spans and span == env.environment.span_of("replicas"):
            span = service.span  # `replicas = 1` of the environment: point at each service it reaches
        yield Finding(
            f"stateless service `{service.name}` runs a single replica in a prod-like environment",
            span,
            within=(service, env.environment),
            note="every rollout, eviction or crash makes it unavailable",
            help="run 2 replicas or more in prod-like environments (`when ENV { replicas = 2 }`), or add `autoscale`",
        )


POLICY = Policy(
    code="REL004",
    name="single-replica-in-prod",
    severity=Severity.WARNING,
    summary="a prod-like environment runs a stateless service with 1 replica and no `autoscale`",
    anchors=("KS:deployment-replicas", "PO:deploymentMissingReplicas", "PO:hpaMinAvailability"),
    docs=__doc__,
    check=check,
)
