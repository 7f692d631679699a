"""`release.yml` (when `pipeline.release = semver`): release-please, then the release images.

release-please keeps a release pull request with the version bump and CHANGELOG.md from the
Conventional Commits on the branch; merging it creates the tag and the GitHub release. A tag made
with GITHUB_TOKEN does not start other workflows, so the release images are built in this same
workflow, after release-please and only when it created a release: scanned, signed and with
SBOM and provenance like CI's, tagged by version, and built without any cache.
"""

from __future__ import annotations

from typing import Any

from stackc import ir

from .actions import uses
from .ci import branch_filter, image_job
from .jobs import Job

RELEASE_JOB = "release-please"
TAG = "${{ needs.release-please.outputs.tag_name }}"


def on(pipeline: ir.Pipeline) -> dict[str, Any]:
    return {"push": {"branches": [branch_filter(pipeline.branch)]}}


def jobs(model: ir.EnvironmentModel) -> list[Job]:
    pipeline = model.pipeline
    assert pipeline is not None
    release = Job(
        RELEASE_JOB,
        "release-please",
        [
            {
                "name": "Release pull request, tag and release",
                "id": "release",
                "uses": uses("googleapis/release-please-action"),
                # `simple`: version.txt and CHANGELOG.md, whatever the services are written in.
                "with": {"token": "${{ secrets.GITHUB_TOKEN }}", "release-type": "simple"},
            }
        ],
        extra={
            "outputs": {
                "release_created": "${{ steps.release.outputs.release_created }}",
                "tag_name": "${{ steps.release.outputs.tag_name }}",
            }
        },
    )
    scan = pipeline.scan if isinstance(pipeline.scan, ir.Scan) else None
    images = [
        image_job(service, pipeline, scan, [RELEASE_JOB], release=TAG)
        for service in model.services.values()
        if service.build is not None
    ]
    return [release, *images]
