"""## What it does
Reports a service or template that sets `secrets_in_env = true`, so that its secrets are
delivered as environment variables instead of read-only files.

## Why is this bad?
Environment variables are readable by anything that can read the process's environment: child
processes inherit them, crash reporters and debug pages print them, `docker inspect` and
`kubectl describe` show where they come from, and many frameworks log the whole environment at
start-up. A file under `/run/secrets/` is read only when the program asks for it and never
travels further. stackc delivers every secret as a file and sets `KEY_FILE` to its path, the
convention of the official images; `secrets_in_env` exists for programs that cannot read one.

## Example
```stack
service api {
  image          = "ghcr.io/acme/api:1.4.2"
  env            = { STRIPE_KEY = secret.stripe-key }
  secrets_in_env = true
}
```

Use instead:
```stack
service api {
  image = "ghcr.io/acme/api:1.4.2"
  env   = { STRIPE_KEY = secret.stripe-key }
}
```
and read the key from the file named by `STRIPE_KEY_FILE` (`/run/secrets/stripe-key`).

## References
- Checkov `CKV_K8S_35` (prefer secrets as files over secrets in environment variables)
- kube-linter `read-secret-from-env-var` (CIS Kubernetes Benchmark 5.4.1)
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    for block in (*env.services.values(), *env.templates.values()):
        if block.secrets_in_env:
            yield Finding(
                "`secrets_in_env = true` exposes secrets as environment variables",
                block.span_of("secrets_in_env"),
                within=(block,),
                note="anything that can read the process environment can read them: child processes, logs, crash dumps",
                help="remove it and read each secret from the file that `KEY_FILE` names (`/run/secrets/NAME`)",
            )


POLICY = Policy(
    code="SEC019",
    name="secrets-in-environment",
    severity=Severity.WARNING,
    summary="a service sets `secrets_in_env = true` (secrets readable by anything that can read its environment)",
    anchors=("CKV_K8S_35", "KL:read-secret-from-env-var", "CIS K8s 5.4.1"),
    docs=__doc__,
    check=check,
)
