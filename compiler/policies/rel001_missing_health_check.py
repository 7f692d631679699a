"""## What it does
Reports a service that declares no `health` check.

## Why is this bad?
Without a readiness check, the orchestrator sends traffic to a container as soon as its
process starts, before it can answer, and keeps sending it to one that has hung: every rollout
and every stuck process turns into failed requests. stackc derives the Kubernetes readiness,
liveness and startup probes and the Compose `healthcheck` from `health`; a service without it
gets none of them, and Compose's `depends_on: service_healthy` cannot wait for it. A service
without ports is checked the same way, with a `command` that the container runs.

## Example
```stack
service api {
  image = "ghcr.io/acme/api:1.4.2"
  ports = { http = 8080 }
}
```

Use instead:
```stack
service api {
  image  = "ghcr.io/acme/api:1.4.2"
  ports  = { http = 8080 }
  health { http = "/healthz" }
}

service worker {
  image  = "ghcr.io/acme/worker:1.4.2"
  health { command = ["worker", "--check"] }
}
```

## References
- Checkov `CKV_K8S_9` (readiness probe), `CKV_K8S_8` (liveness probe), `CKV_DOCKER_2` (HEALTHCHECK)
- kube-score `pod-probes`; Polaris `readinessProbeMissing`, `livenessProbeMissing`;
  kube-linter `no-readiness-probe`, `no-liveness-probe` (opt-in)
- CIS Docker Benchmark 5.27 (container health checked at runtime); KICS `healthcheck_not_set`
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    for service in env.services.values():
        if service.health is not None:
            continue
        if service.ports:
            port = next(iter(service.ports))
            help = f'add a readiness check, e.g. `health {{ http = "/healthz" }}` or `health {{ tcp = {port} }}`'
        else:
            help = 'it has no ports, so check it with a command: `health { command = ["…"] }`'
        yield Finding(
            f"service `{service.name}` has no `health` check",
            service.span,
            within=(service,),
            note="without one it gets no readiness or liveness probe and receives traffic before it is ready",
            help=help,
        )


POLICY = Policy(
    code="REL001",
    name="missing-health-check",
    severity=Severity.WARNING,
    summary="a service has no `health` (without ports, a `command` check is the way)",
    anchors=(
        "CKV_K8S_9",
        "CKV_K8S_8",
        "KS:pod-probes",
        "PO:readinessProbeMissing",
        "PO:livenessProbeMissing",
        "KL:no-readiness-probe",
        "CIS 5.27",
    ),
    docs=__doc__,
    check=check,
)
