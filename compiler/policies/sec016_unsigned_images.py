"""## What it does
Reports `pipeline { sign = false }`, which pushes images without a signature and build
provenance.

## Why is this bad?
A signature (keyless, through the pipeline's OIDC identity) and a provenance attestation let
the cluster and anyone pulling the image check that it was built by this repository's pipeline
from a given commit, and not pushed by someone who got hold of registry credentials. Without
them, a tampered image in the registry is indistinguishable from a real one.

## Example
```stack
pipeline {
  sign = false
}
```

Use instead:
```stack
pipeline {
  sign = true
}
```
`sign = true` is the default, so the attribute can simply be left out.

## References
- Checkov `CKV_GHA_5` (container images built in GitHub Actions are signed with cosign)
- CIS Docker Benchmark 4.5 (content trust)
- SLSA build provenance
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    pipeline = env.pipeline
    if pipeline is not None and not pipeline.sign:
        yield Finding(
            "`sign = false` pushes images without a signature or provenance",
            pipeline.span_of("sign"),
            within=(pipeline,),
            help="remove `sign = false`: signing is keyless and needs no setup",
        )


POLICY = Policy(
    code="SEC016",
    name="unsigned-images",
    severity=Severity.WARNING,
    summary="`pipeline { sign = false }`",
    anchors=("CKV_GHA_5", "CIS 4.5"),
    docs=__doc__,
    check=check,
)
