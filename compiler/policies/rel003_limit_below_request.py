"""## What it does
Reports `resources` whose `memory_limit` is below `memory`, or whose `cpu_limit` is below `cpu`,
on a service, a template, or a database or queue that runs as a container. Limits left out are
derived first (`memory_limit = memory`, `cpu_limit = 4 × cpu`), so only a limit written lower
than its request fires.

## Why is this bad?
A request is what the container is promised, a limit is the most it may take: a limit below the
request is a contradiction. Kubernetes rejects such a pod outright ("must be less than or equal
to the limit"), so the deployment fails at apply time, while Docker Compose accepts it and the
container is killed (memory) or throttled (CPU) below what it was sized for.

## Example
```stack
service api {
  image     = "ghcr.io/acme/api:1.4.2"
  resources { cpu = 500m  memory = 512Mi  memory_limit = 256Mi }
}
```

Use instead:
```stack
service api {
  image     = "ghcr.io/acme/api:1.4.2"
  resources { cpu = 500m  memory = 512Mi  memory_limit = 768Mi }
}
```

## References
- Kubernetes API validation of `ResourceRequirements` (a request must not exceed its limit)
- kube-score `container-resources`, and its opt-in `container-resource-requests-equal-limits`,
  `container-cpu-requests-equal-limits`, `container-memory-requests-equal-limits`
- Checkov `CKV_K8S_11`, `CKV_K8S_13` check that limits exist, not that they are at least the
  requests; no scanner studied checks the order, since the API server rejects it
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def _blocks(env: ir.EnvironmentModel) -> Iterator[ir.Service | ir.Database | ir.Queue]:
    yield from env.services.values()
    yield from env.templates.values()
    # Only the container form runs with these resources.
    yield from (b for b in (*env.databases.values(), *env.queues.values()) if b.form == "container")


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    for block in _blocks(env):
        resources = block.resources
        # Templates are not derived: a limit they leave out is filled in on the service.
        if resources.memory_limit is not None and resources.memory_limit.bytes < resources.memory.bytes:
            yield Finding(
                f"`memory_limit = {resources.memory_limit}` is below `memory = {resources.memory}`",
                resources.span_of("memory_limit"),
                within=(block,),
                note="the container would be killed below the memory it requests; Kubernetes rejects such a pod",
                help=f"raise `memory_limit` to at least {resources.memory}, or remove it (it defaults to `memory`)",
            )
        if resources.cpu_limit is not None and resources.cpu_limit.millicores < resources.cpu.millicores:
            yield Finding(
                f"`cpu_limit = {resources.cpu_limit}` is below `cpu = {resources.cpu}`",
                resources.span_of("cpu_limit"),
                within=(block,),
                note="the container would be throttled below the CPU it requests; Kubernetes rejects such a pod",
                help=f"raise `cpu_limit` to at least {resources.cpu}, or remove it (it defaults to 4 × `cpu`)",
            )


POLICY = Policy(
    code="REL003",
    name="limit-below-request",
    severity=Severity.ERROR,
    summary="`memory_limit` < `memory` or `cpu_limit` < `cpu`",
    anchors=(
        "k8s:ValidateResourceRequirements",
        "KS:container-resources",
        "KS:container-resource-requests-equal-limits",
        "CKV_K8S_11",
        "CKV_K8S_13",
    ),
    docs=__doc__,
    check=check,
)
