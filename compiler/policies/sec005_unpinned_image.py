"""## What it does
Reports a service whose `image` has no tag (`nginx`, `localhost:5000/app`) or whose tag is
`latest`, unless the image is pinned by digest (`nginx@sha256:…`). Services built from source
(`build`) are tagged by the pipeline and never fire.

## Why is this bad?
Without a tag the runtime pulls `latest`, and `latest` is whatever was pushed last: two nodes can
run different code under the same name, a rollback redeploys the new image, and a routine
restart can pick up a major upgrade or a compromised push. A pinned version makes a deployment
reproducible and its changes reviewable.

## Example
```stack
service cache {
  image = "redis:latest"
}
```

Use instead:
```stack
service cache {
  image = "redis:7.4.2"
}
```
Better still, pin the digest too (`redis:7.4.2@sha256:…`, policy SEC006).

## References
- Checkov `CKV_K8S_14` (image tag is not `latest` or blank), `CKV_DOCKER_7`
- kube-score `container-image-tag`; kube-linter `latest-tag`; Polaris `tagNotSpecified`
- zizmor `unpinned-images` (job containers)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy

# An OCI digest: `sha256:` and 64 hex digits (or `sha512:` and 128).
_DIGEST = re.compile(r"sha256:[0-9a-fA-F]{64}|sha512:[0-9a-fA-F]{128}")


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image reference, `[registry[:port]/]path[:tag][@digest]`, taken apart."""

    name: str
    tag: str | None
    digest: str | None

    @property
    def digest_pinned(self) -> bool:
        return self.digest is not None and _DIGEST.fullmatch(self.digest) is not None

    @property
    def floating(self) -> bool:
        """No tag, or the moving `latest`: what SEC005 reports."""
        return self.tag is None or self.tag.lower() == "latest"


def parse_image(reference: str) -> ImageRef:
    """Split an image reference. The tag follows the last `:` after the last `/`, so that a
    registry port (`localhost:5000/app`) is never taken for a tag."""
    name, at, digest = reference.strip().partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = None
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :] or None
    return ImageRef(name, tag, digest if at else None)


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    for service in env.services.values():
        if service.image is None:
            continue
        image = parse_image(service.image)
        if image.digest_pinned or not image.floating:
            continue
        if image.tag is None:
            message = f"image `{service.image}` has no tag"
            note = "without a tag the runtime pulls `latest`, whatever was pushed last"
        else:
            message = f"image `{service.image}` uses the moving tag `{image.tag}`"
            note = "`latest` is whatever was pushed last: restarts and rollbacks may run different code"
        if image.digest is not None:
            note += f"; `@{image.digest}` is not a valid `sha256:` digest"
        yield Finding(
            message,
            service.span_of("image"),
            within=(service,),
            note=note,
            help=f"pin a version tag, `{image.name}:<version>`, or a digest, `{image.name}@sha256:…`",
        )


POLICY = Policy(
    code="SEC005",
    name="unpinned-image",
    severity=Severity.ERROR,
    summary="`image` has no tag, or the tag is `latest`",
    anchors=(
        "CKV_K8S_14",
        "CKV_DOCKER_7",
        "KS:container-image-tag",
        "KL:latest-tag",
        "PO:tagNotSpecified",
        "ZZ:unpinned-images",
    ),
    docs=__doc__,
    check=check,
)
