"""## What it does
Reports a `pipeline` that turns image scanning off (`scan = off`), or that fails the build only
on critical vulnerabilities (`scan { fail_on = critical }`).

## Why is this bad?
The scan gate is what stops an image with a known, exploitable vulnerability from being pushed
and deployed. With `scan = off` nothing is checked; with `fail_on = critical` every
high-severity vulnerability (remote code execution in a library, say, that the scoring system
rated 8.8) goes to production without anyone deciding that it may. The default fails on `high`
and also scans the generated configuration.

## Example
```stack
pipeline {
  scan { fail_on = critical }
}
```

Use instead:
```stack
pipeline {
  scan { fail_on = high }
}
```
To accept one known vulnerability, ignore it by ID in the scanner's ignore file with a reason
and an expiry date rather than lowering the gate for every image.

## References
- CIS Docker Benchmark 4.4 (images are scanned and rebuilt to include security patches)
- Checkov `CKV_AWS_163` (ECR image scanning on push)
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    pipeline = env.pipeline
    if pipeline is None:
        return
    if pipeline.scan == "off":
        yield Finding(
            "`scan = off` pushes images without scanning them for vulnerabilities",
            pipeline.span_of("scan"),
            within=(pipeline,),
            help="remove `scan = off`: the default scan fails on high and critical vulnerabilities",
        )
    elif pipeline.scan.fail_on == "critical":
        yield Finding(
            "`fail_on = critical` lets images with high-severity vulnerabilities through",
            pipeline.scan.span_of("fail_on"),
            within=(pipeline,),
            help="use `fail_on = high` (the default), and ignore accepted vulnerabilities one by one",
        )


POLICY = Policy(
    code="SEC015",
    name="image-scan-disabled",
    severity=Severity.WARNING,
    summary="a `pipeline` with `scan = off`, or `fail_on = critical` only",
    anchors=("CIS 4.4", "CKV_AWS_163"),
    docs=__doc__,
    check=check,
)
