"""## What it does
Reports a service or template that sets `user = 0`, so that its container runs as root.

## Why is this bad?
A process running as root inside a container is root on the host too as soon as anything lets
it out: a kernel bug, a mounted socket, a writable host path. Kubernetes' *restricted* Pod
Security Standard rejects such pods outright, and every scanner flags them. stackc runs every
container as uid 10001 by default; this policy fires only when that default is taken away.

## Example
```stack
service api {
  image = "ghcr.io/acme/api:1.4.2"
  user  = 0
}
```

Use instead:
```stack
service api {
  image = "ghcr.io/acme/api:1.4.2"
  user  = 10001
}
```
If the image insists on root, rebuild it with a `USER` of 10000 or more, or fix the paths it
writes so that any uid can.

## References
- Checkov `CKV_K8S_23` (run as non-root), `CKV_K8S_6`, `CKV_DOCKER_3`
- Pod Security Standards (restricted): `runAsNonRoot`, `runAsUser`
- kube-linter `run-as-non-root`; Polaris `runAsRootAllowed`; CIS Docker Benchmark 4.1
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    for block in (*env.services.values(), *env.templates.values()):
        if block.user == 0:
            yield Finding(
                "`user = 0` runs the container as root",
                block.span_of("user"),
                within=(block,),
                help="run as a uid of 10000 or more (the default is 10001)",
            )


POLICY = Policy(
    code="SEC001",
    name="root-user",
    severity=Severity.ERROR,
    summary="a service or template sets `user = 0`",
    anchors=("CKV_K8S_23", "CKV_K8S_6", "PSS:runAsNonRoot", "KL:run-as-non-root", "PO:runAsRootAllowed"),
    docs=__doc__,
    check=check,
)
