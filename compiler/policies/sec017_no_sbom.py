"""## What it does
Reports `pipeline { sbom = false }`, which pushes images without a software bill of materials.

## Why is this bad?
An SBOM attached to each image lists the packages and versions inside it. When the next
widely exploited library vulnerability is announced, it answers "which of our running images
contain it?" in minutes, from the registry, without pulling and unpacking every image.
Without it that question takes a scan of everything, or goes unanswered.

## Example
```stack
pipeline {
  sbom = false
}
```

Use instead:
```stack
pipeline {
  sbom = true
}
```
`sbom = true` is the default, so the attribute can simply be left out.

## References
- Checkov `CKV_GHA_6` (container images built in GitHub Actions have an SBOM attestation)
- SLSA and the US Executive Order 14028 guidance on SBOMs
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    pipeline = env.pipeline
    if pipeline is not None and not pipeline.sbom:
        yield Finding(
            "`sbom = false` pushes images without a software bill of materials",
            pipeline.span_of("sbom"),
            within=(pipeline,),
            help="remove `sbom = false`: the SBOM is generated and attached during the build",
        )


POLICY = Policy(
    code="SEC017",
    name="no-sbom",
    severity=Severity.INFO,
    summary="`pipeline { sbom = false }`",
    anchors=("CKV_GHA_6",),
    docs=__doc__,
    check=check,
)
