"""## What it does
Reports a service that sets no `resources`, neither itself nor through its template, and so
runs with the defaults: a request of `100m` CPU and `128Mi` memory, limited to `400m` and `128Mi`.

## Why is this bad?
Requests are what the scheduler packs nodes by and limits are where the kernel kills the
container. The defaults keep every scanner quiet, since requests and limits are always emitted,
but they fit no real program: a JVM or a Node service killed for memory at 128Mi restarts in a
loop under load, and an idle sidecar reserves capacity it never uses. Sizing them is a decision
to make per service, from measured usage.

## Example
```stack
service api {
  image = "ghcr.io/acme/api:1.4.2"
}
```

Use instead:
```stack
service api {
  image     = "ghcr.io/acme/api:1.4.2"
  resources { cpu = 250m  memory = 384Mi }
}
```

## References
- Checkov `CKV_K8S_10`, `CKV_K8S_11`, `CKV_K8S_12`, `CKV_K8S_13` (CPU and memory requests and limits)
- kube-score `container-resources`; kube-linter `unset-cpu-requirements`, `unset-memory-requirements`;
  Polaris `cpuRequestsMissing`, `memoryRequestsMissing`, `cpuLimitsMissing`, `memoryLimitsMissing`
- CIS Docker Benchmark 5.11, 5.12. These checks pass on stackc's output whatever the model says,
  because defaults are always emitted; this policy asks for the values to be chosen.
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    for service in env.services.values():
        if "resources" in service.spans:
            continue
        yield Finding(
            f"service `{service.name}` relies on the default `resources`",
            service.span,
            within=(service,),
            note="the defaults request 100m CPU and 128Mi memory and kill the container above 128Mi",
            help="size them from measured usage, e.g. `resources { cpu = 250m  memory = 256Mi }`",
        )


POLICY = Policy(
    code="REL002",
    name="default-resources",
    severity=Severity.INFO,
    summary="a service relies on the default `resources`",
    anchors=(
        "CKV_K8S_10",
        "CKV_K8S_11",
        "CKV_K8S_12",
        "CKV_K8S_13",
        "KS:container-resources",
        "KL:unset-cpu-requirements",
        "KL:unset-memory-requirements",
        "PO:memoryRequestsMissing",
    ),
    docs=__doc__,
    check=check,
)
