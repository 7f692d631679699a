"""## What it does
Reports an `env` entry of a service or template whose key names a credential (`DB_PASSWORD`,
`API_TOKEN`, `STRIPE_API_KEY`, `clientSecret`, …) and whose value is a literal string rather
than a reference to a `secret`.

The key is split into words (at `_`, `-`, `.` and camelCase humps) and fires when a word is
`PASSWORD`, `PASSWD`, `PASSPHRASE`, `SECRET`, `TOKEN`, `CREDENTIALS`, `AUTH`, `BEARER`, `APIKEY`…,
or two words are `API KEY`, `PRIVATE KEY`, `ACCESS KEY`, `SIGNING KEY`, `ENCRYPTION KEY` or
`MASTER KEY`. Keys that name something *about* a credential rather than the credential itself do
not fire: those ending in `_FILE`, `_PATH`, `_URL`, `_ID`, `_USER`, `_ENABLED`, `_TTL` and the
like. Empty values do not fire, nor do interpolated strings.

## Why is this bad?
A literal value is the credential itself, written in the stack file: it is in Git history for
good, in every generated Compose file, Kubernetes manifest and CI log that prints them, and
readable by anyone who can read the container's environment. A `secret` is never read by the
compiler, comes from a secret manager, can be rotated, and reaches the container as a read-only
file.

## Example
```stack
service api {
  image = "ghcr.io/acme/api:1.4.2"
  env   = { DB_PASSWORD = "hunter2" }
}
```

Use instead:
```stack
secret db-password {
  source = vault("kv/shop/db", key = "password")
  rotate = 30d
}

service api {
  image = "ghcr.io/acme/api:1.4.2"
  env   = { DB_PASSWORD = secret.db-password }
}
```
The container gets `DB_PASSWORD_FILE=/run/secrets/db-password`, the convention of the official
images.

## References
- Polaris `sensitiveContainerEnvVar`; kube-linter `env-var-secret`
- Checkov secrets framework `CKV_SECRET_*`; zizmor `hardcoded-container-credentials`
- CIS Docker Benchmark 4.10 (do not store secrets in Dockerfiles or images)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy

# One word of the key that names a credential.
CREDENTIAL_WORDS = frozenset(
    {
        "PASSWORD",
        "PASSWORDS",
        "PASSWD",
        "PASSPHRASE",
        "SECRET",
        "SECRETS",
        "TOKEN",
        "TOKENS",
        "APIKEY",
        "APIKEYS",
        "PRIVATEKEY",
        "ACCESSKEY",
        "CREDENTIAL",
        "CREDENTIALS",
        "CREDS",
        "AUTH",
        "AUTHORIZATION",
        "BEARER",
    }
)
# Two consecutive words that name a credential.
CREDENTIAL_PAIRS = frozenset(
    {
        ("API", "KEY"),
        ("PRIVATE", "KEY"),
        ("ACCESS", "KEY"),
        ("SIGNING", "KEY"),
        ("ENCRYPTION", "KEY"),
        ("MASTER", "KEY"),
    }
)
# A last word that makes the key describe a credential rather than hold it: `SECRET_FILE`
# (the `*_FILE` convention), `TOKEN_URL`, `ACCESS_KEY_ID`, `AUTH_ENABLED`.
NOT_THE_VALUE = frozenset(
    {
        "FILE",
        "PATH",
        "DIR",
        "URL",
        "URI",
        "ENDPOINT",
        "HOST",
        "PORT",
        "ID",
        "NAME",
        "USER",
        "USERNAME",
        "ENABLED",
        "DISABLED",
        "REQUIRED",
        "MODE",
        "TYPE",
        "METHOD",
        "PROVIDER",
        "ISSUER",
        "AUDIENCE",
        "SCOPE",
        "SCOPES",
        "REALM",
        "TTL",
        "EXPIRY",
        "EXPIRES",
        "LIFETIME",
        "TIMEOUT",
        "LENGTH",
        "ALGORITHM",
        "VERSION",
    }
)

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def words(key: str) -> list[str]:
    """`DB_PASSWORD` -> DB, PASSWORD; `clientSecret` -> CLIENT, SECRET; `APIKey` -> API, KEY."""
    return [w.upper() for w in _WORD.findall(key)]


def names_credential(key: str) -> bool:
    parts = words(key)
    if not parts or parts[-1] in NOT_THE_VALUE:
        return False
    if any(w in CREDENTIAL_WORDS for w in parts):
        return True
    return any(pair in CREDENTIAL_PAIRS for pair in pairwise(parts))


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    for block in (*env.services.values(), *env.templates.values()):
        # An entry inherited unchanged from the service's template is reported on the template.
        template = env.templates.get(block.extends) if block.extends else None
        inherited = template.env if template is not None and template is not block else {}
        for key, value in block.env.items():
            if not isinstance(value, str) or not value.strip() or not names_credential(key):
                continue
            if inherited.get(key) == value:
                continue
            yield Finding(
                f"`env` sets `{key}` to a literal string",
                block.span_of("env"),
                within=(block,),
                note="a credential written in the stack file lands in Git history and in every generated file",
                help=f"declare a `secret` and write `{key} = secret.NAME`; it reaches the container as a file",
            )


POLICY = Policy(
    code="SEC004",
    name="plaintext-secret",
    severity=Severity.ERROR,
    summary="an `env` value is a literal string and its key looks like a credential "
    "(PASSWORD, PASSWD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, CREDENTIALS, …)",
    anchors=(
        "PO:sensitiveContainerEnvVar",
        "KL:env-var-secret",
        "CKV_SECRET_*",
        "ZZ:hardcoded-container-credentials",
        "CIS 4.10",
    ),
    docs=__doc__,
    check=check,
)
