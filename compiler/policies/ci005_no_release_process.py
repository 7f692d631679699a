"""## What it does
Reports a `pipeline` with `release = none`: images are pushed without versions, a changelog or
release notes.

## Why is this bad?
Without a release process nothing says which version runs where: images carry only commit
hashes, a rollback means digging through history for the last good one, and users and operators
get no notes on what changed. `release = semver` has the pipeline tag versions, write the
changelog and publish a release for each.

## Example
```stack
pipeline {
  release = none
}
```

Use instead:
```stack
pipeline {
  release = semver
}
```

## References
- Semantic Versioning 2.0.0; Keep a Changelog 1.1.0
- OpenSSF Scorecard `Signed-Releases` (looks for published releases with provenance)
- No scanner among Checkov, kube-score, kube-linter, Polaris or zizmor checks for a release process
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    pipeline = env.pipeline
    if pipeline is None or pipeline.release != "none":
        return
    yield Finding(
        "`release = none`: images are published without versions or release notes",
        pipeline.span_of("release"),
        within=(pipeline,),
        help="set `release = semver` to version, tag and document each release",
    )


POLICY = Policy(
    code="CI005",
    name="no-release-process",
    severity=Severity.INFO,
    summary="`release = none`",
    anchors=("semver:2.0.0", "keepachangelog:1.1.0", "Scorecard:Signed-Releases"),
    docs=__doc__,
    check=check,
)
