"""## What it does
Reports a database or queue with `managed = true` in a stack whose `cloud` is `none` (the
default).

## Why is this bad?
`managed = true` asks Terraform to provision the database or queue in the stack's cloud, and to
keep its credentials in that cloud's secret manager. With no `cloud` there is no provider to
provision it with: nothing is created, the services that use it are pointed at a host that does
not exist, and the mistake shows up only when they fail to connect after deploying.

## Example
```stack
stack shop { owner = "acme" }

database orders {
  engine  = postgres
  version = "16.4"
  managed = true
}
```

Use instead:
```stack
stack shop {
  owner  = "acme"
  cloud  = aws
  region = "eu-west-1"
}

database orders {
  engine  = postgres
  version = "16.4"
  managed = true
}
```
Or leave `managed` out to run the database as a container, or point `external` at the
connection secret of one that exists already.

## References
- Terraform, "Provider Requirements": every resource needs a configured provider
- No scanner among Checkov, kube-score, kube-linter and Polaris checks it: it is a consistency
  rule of the stack model (LANGUAGE.md §3, `managed` and `stack.cloud`).
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    if env.stack.cloud != "none":
        return
    for kind, table in (("database", env.databases), ("queue", env.queues)):
        for backing in table.values():
            if backing.managed and backing.external is None:
                yield Finding(
                    f"{kind} `{backing.name}` is `managed` but the stack has no `cloud` to provision it in",
                    backing.span_of("managed"),
                    within=(backing,),
                    help="set `cloud` in the `stack` block, or remove `managed = true` to run it as a container",
                )


POLICY = Policy(
    code="SEC018",
    name="managed-without-cloud",
    severity=Severity.ERROR,
    summary="a `managed = true` database or queue while `stack.cloud` is none",
    anchors=("Terraform:provider-requirements",),
    docs=__doc__,
    check=check,
)
