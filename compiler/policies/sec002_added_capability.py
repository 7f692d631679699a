"""## What it does
Reports a service or template whose `capabilities` list adds Linux capabilities back to the
container. Adding any capability is a warning; adding `SYS_ADMIN`, `NET_ADMIN`, `SYS_PTRACE`,
`SYS_MODULE` or `ALL` is an error. Names are compared without case and without a `CAP_` prefix.

## Why is this bad?
stackc drops every capability from every container (`cap_drop: [ALL]`, `capabilities.drop:
["ALL"]`), so that root inside a container, if it ever gets there, can do little. Each capability
added back widens what a compromised process can do to the kernel and to its neighbours:
`SYS_ADMIN` is close to full root (mounts, namespaces, BPF), `NET_ADMIN` rewrites the node's
network, `SYS_PTRACE` reads other processes' memory, `SYS_MODULE` loads kernel code, and `ALL`
is all of them. The Kubernetes *restricted* Pod Security Standard admits only
`NET_BIND_SERVICE`, and Checkov fails even that one.

## Example
```stack
service vpn {
  image        = "ghcr.io/acme/vpn:3.1.0"
  capabilities = [NET_ADMIN]
}
```

Use instead:
```stack
service vpn {
  image = "ghcr.io/acme/vpn:3.1.0"
}
```
A program that only needs `NET_BIND_SERVICE` to listen on port 80 can listen on a port of 1024
or more instead: the gateway publishes 80 and 443. When a capability really is needed, say why
with `allow SEC002 { reason = "…" }`; the reason is carried onto the Kubernetes workload as a
Checkov skip annotation.

## References
- Checkov `CKV_K8S_25` (added capabilities), `CKV_K8S_39` (`SYS_ADMIN`)
- Pod Security Standards (restricted): `capabilities_restricted` (only `NET_BIND_SERVICE` may be added)
- Polaris `dangerousCapabilities`, `insecureCapabilities`
- CIS Docker Benchmark 5.4 (restrict Linux kernel capabilities)
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy

# Capabilities that amount to (nearly) root on the node: an error rather than a warning.
DANGEROUS = ("SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "ALL")


def normalise(capability: str) -> str:
    """`cap_sys_admin` and `SYS_ADMIN` are the same capability."""
    return capability.strip().upper().removeprefix("CAP_")


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    for block in (*env.services.values(), *env.templates.values()):
        added = list(dict.fromkeys(normalise(c) for c in block.capabilities))
        if not added:
            continue
        listed = ", ".join(f"`{c}`" for c in added)
        dangerous = [c for c in added if c in DANGEROUS]
        if dangerous:
            worst = ", ".join(f"`{c}`" for c in dangerous)
            yield Finding(
                f"`capabilities` adds {listed} back to the container",
                block.span_of("capabilities"),
                within=(block,),
                note=f"{worst} lets a compromised process escape the container or take over the node",
                help="remove the capability; if the workload cannot run without it, run it outside the cluster "
                'or say why with `allow SEC002 { reason = "…" }`',
                severity=Severity.ERROR,
            )
        else:
            help_text = "remove it: every capability is dropped by default"
            if "NET_BIND_SERVICE" in added:
                help_text += (
                    "; instead of `NET_BIND_SERVICE`, listen on a port of 1024 or more (the gateway publishes 80/443)"
                )
            yield Finding(
                f"`capabilities` adds {listed} back to the container",
                block.span_of("capabilities"),
                within=(block,),
                help=help_text,
            )


POLICY = Policy(
    code="SEC002",
    name="added-capability",
    severity=Severity.WARNING,
    summary="`capabilities` adds any capability (error for SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE, ALL)",
    anchors=(
        "CKV_K8S_25",
        "CKV_K8S_39",
        "PSS:capabilities_restricted",
        "PO:dangerousCapabilities",
        "PO:insecureCapabilities",
        "CIS 5.4",
    ),
    docs=__doc__,
    check=check,
)
