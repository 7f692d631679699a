"""## What it does
Reports a service whose `image` is pinned by a version tag (`redis:7.4.2`) but not by an
`@sha256:` digest. Images without a tag or with `latest` are SEC005's; services built from
source (`build`) are pushed and tagged by the pipeline and never fire.

## Why is this bad?
A tag is a name, not a content address: whoever controls the repository can push different
content under `7.4.2` (a rebuild, a compromised account, a registry mirror serving something
else), and every node that pulls it afterwards runs that. A digest names exactly one image, so
what was reviewed and scanned is what runs. For tag-pinned images stackc emits
`imagePullPolicy: Always`, which keeps nodes consistent with the registry but does not make the
tag immutable.

## Example
```stack
service cache {
  image = "redis:7.4.2"
}
```

Use instead:
```stack
service cache {
  image = "redis:7.4.2@sha256:8c5e3b4c2a7c1bb9a8b1c5f7d8e2f1a0c3b4d5e6f708192a3b4c5d6e7f809102"
}
```
Keep the tag beside the digest: readers see the version, the runtime uses the digest. A bot
such as Dependabot or Renovate can keep both up to date.

## References
- Checkov `CKV_K8S_43` (image uses a digest)
- Checkov `CKV_K8S_15`, kube-score `container-image-pull-policy`, Polaris `pullPolicyNotAlways`
  (the `imagePullPolicy: Always` that stackc emits for tag-pinned images)
- CIS Docker Benchmark 5.28 (use trusted, pinned base images)
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy
from stackc.policies.sec005_unpinned_image import parse_image


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    for service in env.services.values():
        if service.image is None:
            continue
        image = parse_image(service.image)
        if image.digest_pinned or image.floating:
            continue
        note = "a tag can be moved to other content; a digest names exactly one image"
        if image.digest is not None:
            note += f"; `@{image.digest}` is not a valid `sha256:` digest"
        yield Finding(
            f"image `{service.image}` is pinned by tag, not by digest",
            service.span_of("image"),
            within=(service,),
            note=note,
            help=f"append the digest: `{image.name}:{image.tag}@sha256:…`",
        )


POLICY = Policy(
    code="SEC006",
    name="image-not-digest-pinned",
    severity=Severity.INFO,
    summary="`image` is pinned by tag but not by `@sha256:` digest",
    anchors=("CKV_K8S_43", "CKV_K8S_15", "KS:container-image-pull-policy", "PO:pullPolicyNotAlways", "CIS 5.28"),
    docs=__doc__,
    check=check,
)
