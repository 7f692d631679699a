"""## What it does
Reports a secret whose `rotate` period is longer than 90 days.

## Why is this bad?
Rotation bounds how long a leaked credential stays useful. Beyond 90 days that bound stops
meaning much: a value copied into a log, a ticket or a laptop is likely still valid when it is
found, and a procedure run once or twice a year is one nobody remembers when it has to run
tonight. Ninety days is the ceiling that Checkov checks for AWS Secrets Manager and that the
CIS AWS Foundations Benchmark sets for access keys; shorter is better where the secret manager
rotates by itself.

## Example
```stack
secret stripe-key {
  source = aws("shop/stripe", key = "api_key")
  rotate = 180d
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
- Checkov `CKV_AWS_304` (Secrets Manager secrets rotated within 90 days), `CKV2_AWS_57`
- GitHub Actions secure-use guide: "Rotate secrets periodically"
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy

MAX_DAYS = 90


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    for secret in env.secrets.values():
        if secret.implicit or secret.rotate is None or secret.rotate.seconds <= MAX_DAYS * 86400:
            continue
        yield Finding(
            f"`rotate = {secret.rotate}` is longer than {MAX_DAYS} days",
            secret.span_of("rotate"),
            within=(secret,),
            note="a leaked value stays valid for the whole period",
            help=f"rotate at least every {MAX_DAYS}d, e.g. `rotate = 30d`",
        )


POLICY = Policy(
    code="SEC010",
    name="slow-secret-rotation",
    severity=Severity.WARNING,
    summary="`rotate` longer than 90d",
    anchors=("CKV_AWS_304", "CKV2_AWS_57", "GH:secure-use"),
    docs=__doc__,
    check=check,
)
