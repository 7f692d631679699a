"""## What it does
Reports a secret, database, queue or template that nothing uses in any environment:

- a secret that no service's `env`, database's `external` or `notify` refers to;
- a database or queue that no service lists in `uses` or refers to in its `env`;
- a template that no service `extends`, directly or through another template.

Secrets that stackc declares itself (a container database's `{name}-credentials`) and the
templates of the standard library (`import "std/…"`) are not reported.

## Why is this bad?
An unused database or queue is still provisioned: a container, a volume, a cloud instance that
costs money, holds credentials and gets backed up for nothing. An unused secret is still synced
into the cluster by the External Secrets operator, so its value is readable where nothing needs
it. An unused template misleads readers into thinking its settings apply somewhere. Usually it
is a leftover of a rename, or a typo on the side that should use it.

## Example
```stack
secret old-token { source = vault("kv/shop/old-token") }

database legacy {
  engine  = postgres
  version = "16.4"
}

service api {
  image = "ghcr.io/acme/api:1.4.2"
}
```

Use instead:
```stack
secret api-token { source = vault("kv/shop/api-token") }

database orders {
  engine  = postgres
  version = "16.4"
}

service api {
  image = "ghcr.io/acme/api:1.4.2"
  env   = { TOKEN = secret.api-token, DATABASE_URL = database.orders.uri }
  uses  = [database.orders]
}
```

## References
- tflint `terraform_unused_declarations` (variables, locals and data sources declared but not used)
- kube-linter `dangling-service`, `dangling-networkpolicy` (opt-in) report Kubernetes objects that
  select nothing; no scanner studied checks declarations in a source model
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy, env_refs, secret_users

STDLIB = "std/"


def used_templates(env: ir.EnvironmentModel) -> set[str]:
    """Templates some service extends, directly or through the templates it extends."""
    used: set[str] = set()
    pending = [s.extends for s in env.services.values() if s.extends is not None]
    while pending:
        name = pending.pop()
        if name in used:
            continue  # a cycle is an input error (E0402); do not loop on it
        used.add(name)
        template = env.templates.get(name)
        if template is not None and template.extends is not None:
            pending.append(template.extends)
    return used


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    secrets = secret_users(env)
    backing: set[tuple[str, str]] = set()
    for service in env.services.values():
        backing.update((ref.kind, ref.name) for ref in (*service.uses, *env_refs(service)))
    for name, secret in env.secrets.items():
        if not secret.implicit and name not in secrets:
            yield _unused(secret, f"secret `{name}`", f"refer to it from an `env` (`KEY = secret.{name}`)")
    for kind, table in (("database", env.databases), ("queue", env.queues)):
        for name, block in table.items():
            if (kind, name) not in backing:
                yield _unused(block, f"{kind} `{name}`", f"list `{kind}.{name}` in the `uses` of its clients")
    templates = used_templates(env)
    for name, template in env.templates.items():
        if name in templates or template.span is None or template.span.file.startswith(STDLIB):
            continue
        yield _unused(template, f"template `{name}`", f"write `extends = {name}` in the services it is meant for")


def _unused(block: ir.Block, what: str, use: str) -> Finding:
    return Finding(
        f"{what} is declared but nothing uses it",
        block.span,
        within=(block,),
        help=f"remove it, or {use}",
    )


POLICY = Policy(
    code="REL011",
    name="unused-declaration",
    severity=Severity.WARNING,
    summary="a secret, database, queue or template that nothing uses",
    anchors=("tflint:terraform_unused_declarations", "KL:dangling-service"),
    docs=__doc__,
    check=check,
    only_if_everywhere=True,
)
