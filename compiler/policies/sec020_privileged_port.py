"""## What it does
Reports a service that listens on a port below 1024 (one of its `ports`). The gateway is not a
service and publishes 80 and 443 itself; this is about the containers behind it.

## Why is this bad?
Binding a port below 1024 needs root or the `NET_BIND_SERVICE` capability. stackc runs every
container as a non-root user with all capabilities dropped, so the program either fails to
start, or the service has to add `NET_BIND_SERVICE` back, which Checkov reports on every
workload. Nothing is gained: the container's port is private, and the gateway and the
Kubernetes Service can expose it under any number.

## Example
```stack
service web {
  image = "ghcr.io/acme/web:2.1.0"
  ports = { http = 80 }
}
```

Use instead:
```stack
service web {
  image = "ghcr.io/acme/web:2.1.0"
  ports = { http = 8080 }
}
```
For nginx, `listen 8080;` (or the `nginxinc/nginx-unprivileged` image); most servers take
the port from a flag or an environment variable.

## References
- kube-linter `privileged-ports`; KICS `privileged_ports_mapped_in_container`
- Checkov `CKV_K8S_25` (fails on any added capability, `NET_BIND_SERVICE` included)
- Pod Security Standards (restricted): `capabilities_restricted` (only `NET_BIND_SERVICE` may be added)
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy

FIRST_UNPRIVILEGED = 1024


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    for service in env.services.values():
        low = [(name, port) for name, port in service.ports.items() if port < FIRST_UNPRIVILEGED]
        if not low:
            continue
        listed = ", ".join(f"{port} (`{name}`)" for name, port in low)
        noun = "port" if len(low) == 1 else "ports"
        yield Finding(
            f"listening on privileged {noun} {listed} needs `NET_BIND_SERVICE`",
            service.span_of("ports"),
            within=(service,),
            note="the container runs as a non-root user with every capability dropped",
            help="listen on a port ≥ 1024 rather than adding `NET_BIND_SERVICE` back; "
            "the gateway and the Kubernetes Service can still expose it under any number",
        )


POLICY = Policy(
    code="SEC020",
    name="privileged-port",
    severity=Severity.WARNING,
    summary="a service (not the gateway) listens on a port below 1024, which needs NET_BIND_SERVICE",
    anchors=(
        "KL:privileged-ports",
        "CKV_K8S_25",
        "PSS:capabilities_restricted",
        "KICS:privileged_ports_mapped_in_container",
    ),
    docs=__doc__,
    check=check,
)
