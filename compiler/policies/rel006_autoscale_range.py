"""## What it does
Reports an `autoscale` block whose `min` is above its `max`, or whose `min` is below 1, on a
service or a template.

## Why is this bad?
The range is impossible: Kubernetes rejects a HorizontalPodAutoscaler with `minReplicas` above
`maxReplicas` or below 1 (scale to zero is an alpha feature gate), so the apply fails, and the
Compose file, which has no autoscaler, would start a number of replicas nobody meant.

## Example
```stack
service api {
  image     = "ghcr.io/acme/api:1.4.2"
  autoscale { min = 6  max = 3  cpu = 70% }
}
```

Use instead:
```stack
service api {
  image     = "ghcr.io/acme/api:1.4.2"
  autoscale { min = 3  max = 6  cpu = 70% }
}
```

## References
- Kubernetes API validation of `HorizontalPodAutoscalerSpec` (`minReplicas` ≥ 1, ≤ `maxReplicas`)
- Polaris `hpaMaxAvailability`, `hpaMinAvailability`; kube-score `horizontalpodautoscaler-replicas`
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    for block in (*env.services.values(), *env.templates.values()):
        autoscale = block.autoscale
        if autoscale is None:
            continue
        if autoscale.min < 1:
            yield Finding(
                f"`autoscale.min = {autoscale.min}` is below 1",
                autoscale.span_of("min"),
                within=(block,),
                note="Kubernetes rejects an autoscaler that may scale to zero",
                help="set `min = 1` or more (2 or more in prod-like environments)",
            )
        elif autoscale.min > autoscale.max:
            # Point at `min` when it was written, else at `max`, which is then below the default 1.
            attribute = "min" if "min" in autoscale.spans else "max"
            yield Finding(
                f"`autoscale.min = {autoscale.min}` is above `max = {autoscale.max}`",
                autoscale.span_of(attribute),
                within=(block,),
                note="no replica count satisfies both; Kubernetes rejects the autoscaler",
                help=f"raise `max` to at least {autoscale.min}, or lower `min`",
            )


POLICY = Policy(
    code="REL006",
    name="autoscale-range",
    severity=Severity.ERROR,
    summary="`autoscale.min` > `max`, or `min` < 1",
    anchors=(
        "k8s:ValidateHorizontalPodAutoscalerSpec",
        "PO:hpaMaxAvailability",
        "PO:hpaMinAvailability",
        "KS:horizontalpodautoscaler-replicas",
    ),
    docs=__doc__,
    check=check,
)
