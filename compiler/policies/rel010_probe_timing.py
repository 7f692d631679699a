"""## What it does
Reports a `health` check whose `timeout` is as long as its `interval`, or longer, on a service
or a template.

## Why is this bad?
A check that may take as long as the period between checks overlaps the next one: Kubernetes
and Docker then wait for the slow one, so the real period stretches, failures are counted late,
and a hung endpoint keeps a pod marked ready for several timeouts in a row. The timeout is meant
to be a fraction of the interval (the defaults are 3s and 10s).

## Example
```stack
service api {
  image  = "ghcr.io/acme/api:1.4.2"
  ports  = { http = 8080 }
  health { http = "/healthz"  interval = 5s  timeout = 5s }
}
```

Use instead:
```stack
service api {
  image  = "ghcr.io/acme/api:1.4.2"
  ports  = { http = 8080 }
  health { http = "/healthz"  interval = 10s  timeout = 3s }
}
```

## References
- Kubernetes probe settings `timeoutSeconds` and `periodSeconds`; Docker `HEALTHCHECK --timeout`
  and `--interval`
- No scanner among those studied checks probe timing (Kubewarden's opt-in probes policy does)
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    for block in (*env.services.values(), *env.templates.values()):
        health = block.health
        if health is None or health.timeout.seconds < health.interval.seconds:
            continue
        # Point at what was written: the timeout, or else the interval that fell to it.
        attribute = "timeout" if "timeout" in health.spans or "interval" not in health.spans else "interval"
        yield Finding(
            f"health `timeout = {health.timeout}` is not shorter than `interval = {health.interval}`",
            health.span_of(attribute),
            within=(block,),
            note="checks overlap: the next one starts before the last one has failed",
            help="keep the timeout well below the interval, e.g. `interval = 10s  timeout = 3s`",
        )


POLICY = Policy(
    code="REL010",
    name="probe-timing",
    severity=Severity.WARNING,
    summary="health `timeout` ≥ `interval`",
    anchors=("k8s:probe-timeoutSeconds", "docker:HEALTHCHECK-timeout"),
    docs=__doc__,
    check=check,
)
