"""## What it does
Reports an `allow CODE { reason = "…" }` (in a block or in `policy { … }`) that suppressed no
finding in any environment.

## Why is this bad?
A suppression outlives the reason it was written for: once the code or the stack changes so
that the finding no longer fires, the stale `allow` still tells readers that something here is
unsafe, and it will silently swallow the finding if the problem comes back in another form.
Reporting unused suppressions keeps them honest (ruff's `unused-noqa`, ESLint's
`--report-unused-disable-directives`).

## Example
```stack
service api {
  image = "ghcr.io/acme/api:1.4.2"
  allow SEC003 { reason = "writes its cache beside the binary" }
}
```
`read_only` is not set to `false`, so SEC003 never fires and the `allow` silences nothing.

Use instead:
```stack
service api {
  image = "ghcr.io/acme/api:1.4.2"
}
```

## References
- ruff `RUF100` (unused `noqa`); zizmor's stale-ignore discussions
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    # Whether an allow was used is known only after every policy ran in every environment:
    # the engine (`stackc.policies.engine`) reports REL000 itself.
    return iter(())


POLICY = Policy(
    code="REL000",
    name="unused-allow",
    severity=Severity.WARNING,
    summary="an `allow` suppresses nothing",
    anchors=("ruff:RUF100",),
    docs=__doc__,
    check=check,
)
