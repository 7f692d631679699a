"""## What it does
Reports a secret kept in a secret manager, `vault(…)` or `aws(…)`, that has no `rotate` and is
used (by a service's `env`, a database's `external`, a `notify` receiver) in a prod-like
environment (`approval = true`, or named `prod` or `production`). Generated credentials, `env()`
and `file()` secrets, and secrets only development environments use, do not fire.

## Why is this bad?
A credential that never changes stays valid for as long as anyone has ever held it: a former
employee, a leaked CI log, a laptop backup, a dump from a breached dependency. Regular rotation
bounds how long a leak is useful and keeps the rotation procedure tested for the day it is
needed in a hurry. Vault and AWS Secrets Manager can rotate for you; `rotate` declares the
period and stackc's Terraform sets it up.

## Example
```stack
environment prod { approval = true }

secret stripe-key {
  source = aws("shop/stripe", key = "api_key")
}
```

Use instead:
```stack
secret stripe-key {
  source = aws("shop/stripe", key = "api_key")
  rotate = 30d
}
```

## References
- Checkov `CKV2_AWS_57` (Secrets Manager secret has automatic rotation), `CKV_AWS_304` (rotated
  within 90 days)
- GitHub Actions secure-use guide: "Rotate secrets periodically"
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy, secret_users

MANAGERS = {"vault": "Vault", "aws": "AWS Secrets Manager"}


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    if not env.environment.prod_like:
        return
    used = secret_users(env)
    for secret in env.secrets.values():
        if secret.implicit or secret.rotate is not None or secret.name not in used:
            continue
        manager = MANAGERS.get(type(secret.source).call) if isinstance(secret.source, ir.Call) else None
        if manager is None:
            continue
        yield Finding(
            f"secret `{secret.name}` from {manager} is never rotated",
            secret.span,
            within=(secret,),
            note="it is used in a prod-like environment; a leaked value stays valid until someone changes it",
            help="set `rotate = 30d` (at most 90d) and let the secret manager rotate it",
        )


POLICY = Policy(
    code="SEC009",
    name="secret-never-rotated",
    severity=Severity.WARNING,
    summary="a `vault` or `aws` secret with no `rotate` used in a prod-like environment",
    anchors=("CKV2_AWS_57", "CKV_AWS_304", "GH:secure-use"),
    docs=__doc__,
    check=check,
)
