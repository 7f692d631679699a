"""## What it does
Reports a service with a `volume` that runs more than one replica, or has `autoscale`.

## Why is this bad?
A `volume` is a ReadWriteOnce claim: on Kubernetes the second pod either cannot attach it and
stays pending, or, on a node that already holds it, two processes write one data directory that
neither expects to share (a database or Redis then corrupts its files). With Compose every
replica mounts the same volume. A stateful service runs one replica; scaling it out is a matter
for the engine (replication), not for `replicas`. Prod-like environments default to 2 replicas
and an environment's `replicas` reaches every service, so write `replicas = 1` on the service.

## Example
```stack
service search {
  image    = "getmeili/meilisearch:v1.10.1"
  replicas = 3
  volume index { path = "/meili_data"  size = 5Gi }
}
```

Use instead:
```stack
service search {
  image    = "getmeili/meilisearch:v1.10.1"
  replicas = 1
  volume index { path = "/meili_data"  size = 5Gi }
}
```

## References
- Kubernetes persistent volume access modes (`ReadWriteOnce`: one node, and with
  `ReadWriteOncePod` one pod)
- No scanner among those studied checks replicas against volume claims; kube-score's
  `statefulset-has-servicename` and PDB checks concern stateful workloads but not this
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    for block in (*env.services.values(), *env.templates.values()):
        if not block.volumes:
            continue
        volume = next(iter(block.volumes))
        if block.autoscale is not None:
            yield Finding(
                f"volume `{volume}` is on a service with `autoscale`",
                block.span_of("autoscale"),
                within=(block,),
                note="every replica would mount the same read-write volume",
                help="remove `autoscale` and run `replicas = 1`",
            )
        elif block.replicas is not None and block.replicas > 1:
            span = block.span_of("replicas")
            if "replicas" in env.environment.spans and span == env.environment.span_of("replicas"):
                span = block.span  # the environment's `replicas`: point at the service it reaches
            elif "replicas" not in block.spans:
                span = block.span  # the prod-like default of 2
            yield Finding(
                f"volume `{volume}` is on a service that runs more than one replica",
                span,
                within=(block,),
                note="every replica would mount the same read-write volume",
                help="run `replicas = 1`; written on the service, it outranks the environment's `replicas`",
            )


POLICY = Policy(
    code="REL009",
    name="shared-volume-replicas",
    severity=Severity.WARNING,
    summary="a service with a `volume` has replicas > 1 or `autoscale`",
    anchors=("k8s:ReadWriteOnce",),
    docs=__doc__,
    check=check,
)
