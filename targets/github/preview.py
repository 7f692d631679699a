"""`preview.yml`: one copy of each `preview = true` environment per pull request.

Runs on `pull_request` to the branch (never `pull_request_target`: the workflow, its token and its
secrets are those of the pull request's own head, and for a fork GitHub gives it no secrets and a
read-only token). Every job is also guarded to pull requests from this repository, so a fork's
code never gets near a cluster. While the pull request is open, each push builds and pushes the
images (tagged `sha-<merge commit>` and `pr-<number>`) and applies the preview environment's
overlay into the namespace `<stack>-pr-<number>`, with the Ingress hosts prefixed `pr-<number>.`;
closing the pull request deletes that namespace.
"""

from __future__ import annotations

from typing import Any

from stackc import ir

from . import cluster
from .actions import uses
from .ci import branch_filter
from .expressions import literal
from .jobs import Job, build_inputs, checkout, registry_login

SAME_REPOSITORY = "github.event.pull_request.head.repo.full_name == github.repository"
OPEN = f"{SAME_REPOSITORY} && github.event.action != 'closed'"
CLOSED = f"{SAME_REPOSITORY} && github.event.action == 'closed'"
NAMESPACE = "${{ steps.preview.outputs.namespace }}"
# The pull request's number is validated as digits before it names anything.
PREVIEW_NAMES = """case "${PR_NUMBER}" in
  '' | *[!0-9]*) echo "::error::not a pull request number: ${PR_NUMBER}"; exit 1 ;;
esac
echo "namespace=${STACK}-pr-${PR_NUMBER}" >> "${GITHUB_OUTPUT}"
echo "host_prefix=pr-${PR_NUMBER}." >> "${GITHUB_OUTPUT}"
"""
TEARDOWN = (
    cluster.PRELUDE
    + """kubectl delete namespace "${NAMESPACE}" --ignore-not-found --wait=false
"""
)


def environments(models: dict[str, ir.EnvironmentModel]) -> list[ir.EnvironmentModel]:
    first = next(iter(models.values()))
    return [models[name] for name in first.environments if name in models and models[name].environment.preview]


def on(pipeline: ir.Pipeline) -> dict[str, Any]:
    return {
        "pull_request": {
            "branches": [branch_filter(pipeline.branch)],
            "types": ["opened", "synchronize", "reopened", "closed"],
        }
    }


def names_step(model: ir.EnvironmentModel) -> dict[str, Any]:
    return {
        "name": "Preview namespace",
        "id": "preview",
        "env": {"PR_NUMBER": "${{ github.event.pull_request.number }}", "STACK": literal(model.stack.name)},
        "run": PREVIEW_NAMES,
    }


def image_job(service: ir.Service, pipeline: ir.Pipeline) -> Job:
    """The pull request's image, pushed so the cluster can pull it. No scan or signature (a preview
    is thrown away) and no cache written, so a pull request cannot fill the branch's build cache."""
    build = service.build
    assert build is not None
    image = service.image_ref
    registry = image.split("/", 1)[0]
    login = registry_login(registry, f"Log in to {literal(registry)}", "login-ghcr")
    # As in CI: another registry's credentials come from the `ci` environment's secrets.
    extra: dict[str, Any] = {} if registry == "ghcr.io" else {"environment": {"name": "ci"}}
    with_ = build_inputs(build)
    with_ |= {
        "platforms": ",".join(literal(p) for p in service.platforms or pipeline.platforms),
        "push": True,
        "tags": "${{ steps.meta.outputs.tags }}",
        "labels": "${{ steps.meta.outputs.labels }}",
        "cache-from": f"type=gha,scope={service.name}",
        "provenance": False,
    }
    steps: list[dict[str, Any]] = [
        checkout(),
        {"name": "Set up QEMU", "uses": uses("docker/setup-qemu-action")},
        {"name": "Set up Buildx", "uses": uses("docker/setup-buildx-action")},
        login,
        {
            "name": "Tags and labels",
            "id": "meta",
            "uses": uses("docker/metadata-action"),
            "with": {"images": literal(image), "tags": "type=sha,format=long\ntype=ref,event=pr\n"},
        },
        {"name": "Build and push", "id": "build", "uses": uses("docker/build-push-action"), "with": with_},
    ]
    return Job(f"image-{service.name}", f"preview image {service.name}", steps, condition=OPEN, extra=extra)


def deploy_job(model: ir.EnvironmentModel, images: list[str], timeout: int) -> Job:
    objects = cluster.cluster_objects(model)
    steps = [
        checkout(),
        names_step(model),
        cluster.credentials(model),
        *cluster.registry_logins(model),
        cluster.apply_step(model, NAMESPACE, preview=True, objects=objects),
    ]
    secrets = cluster.secrets_step(model, NAMESPACE, objects)
    if secrets is not None:
        steps.append(secrets)
    steps.append(cluster.wait_step(model, NAMESPACE, timeout, objects))
    return Job(
        f"preview-{model.name}",
        f"preview {model.name}",
        steps,
        needs=images,
        condition=OPEN,
        extra={"environment": {"name": model.name}},
        label=f"preview {model.name} (same-repository pull requests)",
    )


def teardown_job(model: ir.EnvironmentModel) -> Job:
    steps = [
        names_step(model),
        cluster.credentials(model),
        {"name": "Delete the preview namespace", "env": {"NAMESPACE": NAMESPACE}, "run": TEARDOWN},
    ]
    return Job(
        f"teardown-{model.name}",
        f"tear down preview {model.name}",
        steps,
        condition=CLOSED,
        extra={"environment": {"name": model.name}},
        label=f"tear down {model.name} (pull request closed)",
    )


def jobs(models: dict[str, ir.EnvironmentModel], timeout: int) -> list[Job]:
    previews = environments(models)
    if not previews:
        return []
    built = {s.name: (s, m.pipeline) for m in previews for s in m.services.values() if s.build is not None}
    image_jobs = [image_job(service, pipeline) for service, pipeline in built.values() if pipeline is not None]
    ids = [job.id for job in image_jobs]
    result = list(image_jobs)
    for model in previews:
        result.append(deploy_job(model, ids, timeout))
        result.append(teardown_job(model))
    return result
