"""`ci.yml`: checks, tests, coverage gate, image builds, scans, signatures and attestations.

Runs on pull requests to and pushes to `pipeline.branch`. Images are built on both (so a pull
request proves that they build) but pushed, scanned, signed and attested only on pushes: the
push filter already limits those to the branch, so no step needs to compare branch names.
"""

from __future__ import annotations

import re
from typing import Any

import stackc
from stackc import ir

from .actions import uses
from .expressions import literal
from .jobs import Job, build_inputs, checkout, registry_login

PUSH = "github.event_name == 'push'"
KINDS = ("unit", "integration", "e2e")
# fail_on -> the severities that fail the Trivy gate (that level and everything worse).
SEVERITIES = {
    "critical": "CRITICAL",
    "high": "CRITICAL,HIGH",
    "medium": "CRITICAL,HIGH,MEDIUM",
    "low": "CRITICAL,HIGH,MEDIUM,LOW",
}
# The test command is user shell code: it arrives through env (escaped, see expressions.py) and
# runs as written, so the generated script itself is fixed text that shellcheck sees.
RUN_TEST = 'eval "${TEST_COMMAND}"'
# Coverage gate: the unit tests write Cobertura XML (`coverage.xml`, as coverage.py, Jest,
# c8, JaCoCo converters... write it) in the directory they run in; its `line-rate` is compared.
COVERAGE_GATE = """python3 - <<'PY'
import os
import sys
import xml.etree.ElementTree as ET

rate = float(ET.parse("coverage.xml").getroot().get("line-rate", "0")) * 100
minimum = float(os.environ["MINIMUM"])
print(f"line coverage {rate:.2f}% (minimum {minimum}%)")
sys.exit(0 if rate >= minimum else 1)
PY
"""


def on(pipeline: ir.Pipeline) -> dict[str, Any]:
    # `on:` is never evaluated as an expression, so the branch needs only its pattern escaped.
    branch = [branch_filter(pipeline.branch)]
    return {"pull_request": {"branches": branch}, "push": {"branches": branch}}


# Branch names the `on:` filters can hold literally: git's rules for a branch name, narrowed to
# characters that mean nothing in a filter pattern except `+`, which is escaped. (`on:` is not
# evaluated, yet actionlint reads `${{` there as an expression, and `* ? [ ! \\` are patterns.)
SAFE_BRANCH = re.compile(r"(?!.*\.\.)(?!.*//)[A-Za-z0-9_][A-Za-z0-9_./+-]*(?<![./])")


def branch_filter(branch: str) -> str:
    """A branch name (one that `SAFE_BRANCH` accepts) as a filter pattern matching only itself."""
    return branch.replace("+", "\\+")


def jobs(model: ir.EnvironmentModel, source: str) -> list[Job]:
    pipeline = model.pipeline
    assert pipeline is not None
    result = [check_job(source)]
    tested = [job for job in (service_tests(model, pipeline), repository_tests(pipeline)) if job]
    result.extend(tested)
    scan = pipeline.scan if isinstance(pipeline.scan, ir.Scan) else None
    if scan is not None and scan.config:
        result.append(config_scan_job(scan))
    gates = [job.id for job in result]
    for service in model.services.values():
        if service.build is not None:
            result.append(image_job(service, pipeline, scan, gates))
    return result


def install_stackc() -> dict[str, Any]:
    # The exact version that generated this workflow, in its own venv (runner Python is
    # externally managed), so `build --check` compares with what this version writes.
    return {
        "name": f"Install stackc {stackc.__version__}",
        "env": {"STACKC_VERSION": stackc.__version__},
        "run": 'python3 -m venv "${RUNNER_TEMP}/stackc"\n'
        '"${RUNNER_TEMP}/stackc/bin/pip" install --quiet "stackc==${STACKC_VERSION}"\n'
        'echo "${RUNNER_TEMP}/stackc/bin" >> "${GITHUB_PATH}"\n',
    }


def check_job(source: str) -> Job:
    env = {"STACK_FILE": literal(source)}
    return Job(
        "check",
        "stackc check and build --check",
        [
            checkout(),
            install_stackc(),
            {"name": "Check the stack", "env": env, "run": 'stackc check "${STACK_FILE}"'},
            {"name": "Generated files are up to date", "env": env, "run": 'stackc build "${STACK_FILE}" --check'},
        ],
    )


def service_tests(model: ir.EnvironmentModel, pipeline: ir.Pipeline) -> Job | None:
    include = [
        {"service": name, "kind": kind, "directory": literal(service.build.context), "command": literal(command)}
        for name, service in model.services.items()
        if service.test is not None and service.build is not None
        for kind in KINDS
        if (command := getattr(service.test, kind))
    ]
    if not include:
        return None
    steps: list[dict[str, Any]] = [
        checkout(),
        {
            "name": "Test",
            "working-directory": "${{ matrix.directory }}",
            "env": {"TEST_COMMAND": "${{ matrix.command }}"},
            "run": RUN_TEST,
        },
    ]
    if pipeline.coverage is not None:
        steps.append(coverage_step(pipeline.coverage, "matrix.kind == 'unit'", "${{ matrix.directory }}"))
    return Job(
        "test",
        "test ${{ matrix.service }} (${{ matrix.kind }})",
        steps,
        extra={"strategy": {"fail-fast": False, "matrix": {"include": include}}},
        label="test each service (matrix)",
    )


def coverage_step(coverage: Any, condition: str | None, directory: str | None) -> dict[str, Any]:
    step: dict[str, Any] = {"name": f"Coverage at least {coverage.text}"}
    if condition:
        step["if"] = condition
    if directory:
        step["working-directory"] = directory
    step["env"] = {"MINIMUM": format(coverage.value, "f")}
    step["run"] = COVERAGE_GATE
    return step


def repository_tests(pipeline: ir.Pipeline) -> Job | None:
    if pipeline.test is None:
        return None
    steps: list[dict[str, Any]] = [checkout()]
    for kind in KINDS:
        command = getattr(pipeline.test, kind)
        if command:
            steps.append({"name": f"Test ({kind})", "env": {"TEST_COMMAND": literal(command)}, "run": RUN_TEST})
            if kind == "unit" and pipeline.coverage is not None:
                steps.append(coverage_step(pipeline.coverage, None, None))
    return Job("test-repository", "test the repository", steps)


def config_scan_job(scan: ir.Scan) -> Job:
    return Job(
        "config-scan",
        "scan the deployment configuration",
        [
            checkout(),
            {
                "name": "Scan deploy/",
                "uses": uses("aquasecurity/trivy-action"),
                "with": {
                    "scan-type": "config",
                    "scan-ref": "deploy",
                    "severity": SEVERITIES[scan.fail_on],
                    "exit-code": "1",
                    "format": "sarif",
                    "output": "config.sarif",
                },
            },
            upload_sarif("config.sarif", "config"),
        ],
    )


def upload_sarif(path: str, category: str, only_on_push: bool = True) -> dict[str, Any]:
    # Also when the gate failed (that is when the findings matter); forks' tokens cannot write.
    return {
        "name": "Upload findings to code scanning",
        "if": f"always() && {PUSH}" if only_on_push else "always()",
        "uses": uses("github/codeql-action/upload-sarif"),
        "with": {"sarif_file": path, "category": literal(category)},
    }


def image_job(
    service: ir.Service, pipeline: ir.Pipeline, scan: ir.Scan | None, gates: list[str], release: str | None = None
) -> Job:
    """The image job of CI, or with `release` (the expression of the version tag) of release.yml:
    then it always pushes, is tagged by version and uses no cache at all, so that a poisoned cache
    entry written by a pull request can never end up in a released image (zizmor cache-poisoning)."""
    build = service.build
    assert build is not None
    image = service.image_ref
    registry = image.split("/", 1)[0]
    platforms = service.platforms or pipeline.platforms
    on_push: dict[str, str] = {} if release else {"if": PUSH}
    no_cache = {"with": {"cache-image": False}} if release else {}
    no_binary_cache = {"with": {"cache-binary": False}} if release else {}
    digest = "${{ steps.build.outputs.digest }}"
    subject = f"{literal(image)}@{digest}"
    steps: list[dict[str, Any]] = [
        checkout(),
        {"name": "Set up QEMU", "uses": uses("docker/setup-qemu-action"), **no_cache},
        {"name": "Set up Buildx", "uses": uses("docker/setup-buildx-action"), **no_binary_cache},
    ]
    # Another registry's credentials are the `ci` environment's secrets (`extra` below).
    login = registry_login(registry, f"Log in to {literal(registry)}", "login-ghcr", on_push.get("if"))
    steps.append(login)
    steps.append(
        {
            "name": "Tags and labels",
            "id": "meta",
            "uses": uses("docker/metadata-action"),
            "with": {
                "images": literal(image),
                "tags": (
                    f"type=semver,pattern={{{{version}}}},value={release}\n"
                    f"type=semver,pattern={{{{major}}}}.{{{{minor}}}},value={release}\n"
                    if release
                    else "type=sha,format=long\ntype=ref,event=branch\ntype=ref,event=pr\n"
                ),
            },
        }
    )
    with_ = build_inputs(build)
    with_ |= {
        "platforms": ",".join(literal(p) for p in platforms),
        "push": True if release else "${{ github.event_name == 'push' }}",
        "tags": "${{ steps.meta.outputs.tags }}",
        "labels": "${{ steps.meta.outputs.labels }}",
    }
    if not release:
        # One cache scope per service, so services do not evict each other's layers.
        with_ |= {"cache-from": f"type=gha,scope={service.name}", "cache-to": f"type=gha,mode=max,scope={service.name}"}
    with_ |= {
        # SBOM and SLSA provenance as BuildKit attestations in the pushed image index, which the
        # cosign signature below then covers. (actions/attest would need the `attestations`
        # permission, which Checkov's workflow schema rejects, so Checkov would skip the file.)
        "provenance": "mode=max" if pipeline.sbom else False,
        "sbom": pipeline.sbom,
    }
    steps.append({"name": "Build", "id": "build", "uses": uses("docker/build-push-action"), "with": with_})
    if scan is not None:
        steps.append(
            {
                "name": f"Scan the image (fails on {scan.fail_on} or worse)",
                **on_push,
                "uses": uses("aquasecurity/trivy-action"),
                "with": {
                    "scan-type": "image",
                    "image-ref": subject,
                    "scanners": "vuln",
                    "severity": SEVERITIES[scan.fail_on],
                    "ignore-unfixed": True,
                    "exit-code": "1",
                    "format": "sarif",
                    "output": "image.sarif",
                    **({"cache": False} if release else {}),
                },
            }
        )
        steps.append(upload_sarif("image.sarif", f"image-{service.name}", only_on_push=not release))
    if pipeline.sign:
        steps.append({"name": "Install cosign", **on_push, "uses": uses("sigstore/cosign-installer")})
        steps.append(
            {
                "name": "Sign the image (keyless)",
                "id": "sign",
                **on_push,
                "env": {"IMAGE": literal(image), "DIGEST": digest},
                "run": 'cosign sign --yes "${IMAGE}@${DIGEST}"',
            }
        )
    extra: dict[str, Any] = {} if registry == "ghcr.io" else {"environment": {"name": "ci"}}
    condition = f"needs.{gates[0]}.outputs.release_created == 'true'" if release else None
    return Job(f"image-{service.name}", f"image {service.name}", steps, needs=gates, condition=condition, extra=extra)
