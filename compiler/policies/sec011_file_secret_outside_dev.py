"""## What it does
Reports a secret whose `source` is `file(path)` when a service, database or receiver uses it in
an environment that is not a `hot_reload` (development) environment.

## Why is this bad?
`file()` reads the value from a file on the machine that runs stackc's output: a developer's
laptop. Outside development that file has to be copied onto build agents and servers by hand,
it sits unencrypted beside the code (and, sooner or later, in a commit or a backup), nobody
rotates it, and there is no record of who read it. Production secrets belong in a secret
manager that the platform reads at deploy time (`vault()`, `aws()`), or in the CI/CD secret
store (`env()`).

## Example
```stack
environment dev  { hot_reload = true }
environment prod { approval = true }

secret stripe-key { source = file("./secrets/stripe.txt") }

service api {
  image = "ghcr.io/acme/api:1.4.2"
  env   = { STRIPE_KEY = secret.stripe-key }
}
```

Use instead:
```stack
environment dev  { hot_reload = true }
environment prod { approval = true }

secret stripe-key {
  source = aws("shop/stripe", key = "api_key")
  rotate = 90d
  when dev { source = file("./secrets/stripe.txt") }
}

service api {
  image = "ghcr.io/acme/api:1.4.2"
  env   = { STRIPE_KEY = secret.stripe-key }
}
```

## References
- CIS Docker Benchmark 4.10 (do not store secrets in images or beside the build)
- Checkov secrets framework `CKV_SECRET_*` (secret material in files of the repository)
- GitHub, "Security hardening for GitHub Actions": sensitive data should never be stored as
  plain text in files of the repository
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy, secret_users


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    if env.environment.hot_reload:
        return
    users = secret_users(env)
    for secret in env.secrets.values():
        if secret.implicit or not isinstance(secret.source, ir.FileSource) or secret.name not in users:
            continue
        yield Finding(
            f"secret `{secret.name}` is read from a local file outside a development environment",
            secret.span_of("source"),
            within=(secret,),
            note="`file()` is meant for `hot_reload` environments, where the file is on the developer's machine",
            help="read it from a secret manager (`vault(…)`, `aws(…)`) or the CI/CD store (`env(…)`), "
            "and keep `file(…)` in a `when` block for the development environment",
        )


POLICY = Policy(
    code="SEC011",
    name="file-secret-outside-dev",
    severity=Severity.ERROR,
    summary="a `file()` secret used by an environment that is not `hot_reload`",
    anchors=("CIS 4.10", "CKV_SECRET_*", "GH:secure-use"),
    docs=__doc__,
    check=check,
)
