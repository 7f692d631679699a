"""## What it does
Reports a service or template that sets `read_only = false`, so that its container's root
filesystem is writable.

## Why is this bad?
stackc mounts every container's root filesystem read-only and gives it writable scratch space
only where the service asks for it (`tmpfs`, default `["/tmp"]`, and `volume`s). With a writable
root, an attacker who gets code execution can replace binaries and libraries of the image, drop
tools, or persist changes for as long as the container lives, and a program that writes where it
should not goes unnoticed until a pod is rescheduled and the data is gone.

## Example
```stack
service api {
  image     = "ghcr.io/acme/api:1.4.2"
  read_only = false
}
```

Use instead:
```stack
service api {
  image = "ghcr.io/acme/api:1.4.2"
  tmpfs = ["/tmp", "/app/cache"]
}
```
List the paths the program writes in `tmpfs` (scratch space, lost on restart) or declare a
`volume` for data that must survive.

## References
- Checkov `CKV_K8S_22` (read-only root filesystem)
- kube-linter `no-read-only-root-fs`; kube-score `container-security-context-readonlyrootfilesystem`
- Polaris `notReadOnlyRootFilesystem`
- CIS Docker Benchmark 5.13 (mount the container's root filesystem read-only)
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    for block in (*env.services.values(), *env.templates.values()):
        if block.read_only is False:
            yield Finding(
                "`read_only = false` makes the container's root filesystem writable",
                block.span_of("read_only"),
                within=(block,),
                help="keep the root read-only and list the paths the program writes in `tmpfs`, "
                "or declare a `volume` for data that must survive",
            )


POLICY = Policy(
    code="SEC003",
    name="writable-root-filesystem",
    severity=Severity.WARNING,
    summary="`read_only = false`",
    anchors=(
        "CKV_K8S_22",
        "KL:no-read-only-root-fs",
        "KS:container-security-context-readonlyrootfilesystem",
        "PO:notReadOnlyRootFilesystem",
        "CIS 5.13",
    ),
    docs=__doc__,
    check=check,
)
