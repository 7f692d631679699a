"""`deploy.yml` and `preview.yml` of the GitHub Actions target (issue 8), against the real validators.

Every example with a pipeline, the spec's shop.stack and the programs below (approval, manual,
`none` and preview environments; canary, blue/green and rolling services; AWS OIDC and a
KUBECONFIG secret; gateways with routes; hostile strings) are built with the github target. Their
workflows pass check-jsonschema, actionlint with shellcheck, zizmor `--offline --persona pedantic`
with no findings and Checkov's `github_actions` framework with no failures. Hypothesis checks what
no validator does: the order and triggers of the deploy jobs, the fork guard, permissions from the
table, timeouts, and that user strings land literally and never as expressions or in a script.

A validator that is missing fails the test when `CI=true` and skips it otherwise.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stackc import ir
from stackc.targets.github import deploy
from stackc.targets.github.cluster import SECRET_NAME, smoke_urls, wait_seconds
from stackc.targets.github.jobs import timeout_minutes
from stackc.targets.github.permissions import job_permissions, union
from test_github import (
    ENV,
    ROOT,
    actionlint,
    compile_models,
    evaluate,
    load,
    materialise,
    render,
    render_diagnostics,
    sources,
    strings,
    write,
)
from validators import require

WORKFLOWS = "../.github/workflows"
# Approval, manual, `none` and preview environments (and an `auto` one after a manual one), the
# three strategies, a service that opts out of rollback, AWS OIDC without a stack region, and a
# gateway with TLS whose `/api` route strips its prefix.
DEPLOYER = """stack deployer {
  owner  = "acme"
  domain = "deployer.example.com"
  cloud  = aws
}

environment pr { preview = true }
environment qa { }
environment staging { deploy = manual }
environment prod {
  approval = true
  deploy   = auto
}
environment dr { approval = true }
environment scratch { deploy = none }

service api {
  build  = "./api"
  ports  = { http = 8080 }
  health { http = "/healthz" }
  deploy { strategy = canary }
}

service web {
  build  = "./web"
  ports  = { http = 3000 }
  health { http = "/" }
  deploy { strategy = blue_green  rollback = false }
}

service worker {
  image  = "ghcr.io/acme/worker:1.0.0"
  deploy { strategy = rolling }
}

gateway edge {
  tls = letsencrypt("ops@example.com")
  route "/"    { to = service.web }
  route "/api" { to = service.api  strip_prefix = true }
}

pipeline { timeout = 5m }
"""
# A cluster reached through a KUBECONFIG secret, another registry, and user strings that hold
# `${{ … }}`, quotes, `$(…)`, backticks, spaces and a newline where the language takes them.
HOSTILE = """stack hostile {
  owner    = "acme"
  registry = "registry.example.com/a"
  domain   = "hostile.example.com"
}

environment preview {
  preview   = true
  namespace = "ns-$${{ github.event.issue.title }}"
}
environment live {
  namespace = "live-'$(id)\\"`x`"
}

secret token { source = env("TOKEN") }

service api {
  env = { TOKEN = secret.token }
  build {
    context = "./a$${{ github.event.issue.title }}'\\"$(id)"
    args    = { NOTE = "$${{ github.event.issue.title }}" }
  }
  ports  = { http = 8080 }
  health { http = "/h'$(id)$${{ github.event.issue.title }}" }
}

gateway edge {
  host  = "$${{ github.event.issue.title }}.example.com"
  tls   = off
  route "/a'b\\"$(id)$${{ github.event.issue.title }}" { to = service.api  strip_prefix = true }
  route "/x y\\nz" { to = service.api }
}

gateway plain {
  host  = "plain.example.com"
  tls   = off
  route "/a'b\\"$(id)$${{ github.event.issue.title }}" { to = service.api  strip_prefix = true }
  route "/x y\\nz" { to = service.api }
}

pipeline {
  branch  = "main"
  timeout = 90s
}
"""
# env() secrets read by pods (one only in dev), a file() one in dev, one nothing reads, and an
# env() notify credential.
SECRETIVE = """stack secretive {
  owner  = "acme"
}

environment dev { hot_reload = true }
environment prod { }

secret api-token { source = env("API_TOKEN") }
secret local-seed { source = file("./seed.txt") }
secret unused { source = env("NEVER_READ") }
secret pd { source = env("PD_ROUTING") }

service api {
  image = "ghcr.io/acme/api:1.0.0"
  ports = { http = 8080 }
  env   = { TOKEN = secret.api-token }
  when dev {
    env = { TOKEN = secret.api-token, SEED = secret.local-seed }
  }
  metrics { path = "/metrics" }
}

observability {
  notify pagerduty { key = secret.pd  severity = critical }
}

pipeline { timeout = 5m }
"""
PROGRAMS = {"deployer": DEPLOYER, "hostile": HOSTILE, "secretive": SECRETIVE}

# The expressions deploy.yml and preview.yml may hold: stackc's own, never one from user text.
KNOWN = re.compile(
    r"github\.(workflow|ref)|vars\.(AWS_ROLE_ARN|EKS_CLUSTER|AWS_REGION)|secrets\.(KUBECONFIG|GITHUB_TOKEN"
    r"|REGISTRY_USERNAME|REGISTRY_PASSWORD)|github\.actor|github\.event\.pull_request\.number"
    r"|steps\.preview\.outputs\.(namespace|host_prefix)|steps\.meta\.outputs\.(tags|labels)"
)


def built_files(source: Path) -> tuple[dict[str, ir.EnvironmentModel], dict[str, bytes]]:
    models, source_name = compile_models(source)
    return models, render(models, source_name)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, ir.EnvironmentModel], Path]]:
    """name -> (models, root with `.github/`) for every program whose build has a deploy or preview."""
    result = {}
    programs = tmp_path_factory.mktemp("programs")
    found = list(sources())
    for name, text in PROGRAMS.items():
        (programs / name).mkdir()
        (programs / name / "platform.stack").write_text(text)
        found.append((name, programs / name / "platform.stack"))
    for name, source in found:
        source = materialise(name, source, tmp_path_factory.mktemp("source"))
        models, files = built_files(source)
        if not any(path.endswith(("/deploy.yml", "/preview.yml")) for path in files):
            continue
        root = tmp_path_factory.mktemp(name)
        write(files, root)
        result[name] = (models, root)
    assert set(result) >= {"shop", "spec-shop", "deployer", "hostile"}
    assert (result["deployer"][1] / ".github" / "workflows" / "preview.yml").exists()
    return result


def workflow_paths(root: Path) -> list[Path]:
    return sorted((root / ".github" / "workflows").glob("*.yml"))


# -- validators ---------------------------------------------------------------------------------


def test_schema(built: dict[str, tuple[Any, Path]]) -> None:
    tool = require("check-jsonschema")
    paths = [str(p) for _, root in built.values() for p in workflow_paths(root)]
    run = subprocess.run([tool, "--builtin-schema", "vendor.github-workflows", *paths], capture_output=True, text=True)
    assert run.returncode == 0, (run.stdout, run.stderr)


def test_actionlint(built: dict[str, tuple[Any, Path]]) -> None:
    for name, (_, root) in built.items():
        run = actionlint(workflow_paths(root))
        assert run.returncode == 0, (name, run.stdout, run.stderr)


def test_zizmor(built: dict[str, tuple[Any, Path]]) -> None:
    tool = require("zizmor")
    roots = [str(root) for _, root in built.values()]
    run = subprocess.run(
        [tool, "--offline", "--persona", "pedantic", "--format", "json", *roots], capture_output=True, text=True
    )
    assert run.returncode == 0 and json.loads(run.stdout) == [], (run.stdout, run.stderr)


def test_checkov(built: dict[str, tuple[Any, Path]]) -> None:
    tool = require("checkov")
    for name in ("deployer", "hostile", "spec-shop"):
        run = subprocess.run(
            [tool, "-d", str(built[name][1]), "--framework", "github_actions", "--skip-download", "-o", "json"],
            capture_output=True,
            text=True,
            env=ENV,
        )
        report = json.loads(run.stdout)
        report = report[0] if isinstance(report, list) else report
        summary = report.get("summary", report)
        # Checkov skips a workflow it cannot read: passed checks prove that it read them.
        assert summary["passed"] > 0, (name, "Checkov scanned nothing", report)
        assert summary["failed"] == 0, (name, [c["check_id"] for c in report["results"]["failed_checks"]])


# -- the examples' workflows ------------------------------------------------------------------


def loaded(root: Path) -> dict[str, dict[str, Any]]:
    return {p.name: load(p.read_text()) for p in workflow_paths(root)}


def test_hardening(built: dict[str, tuple[Any, Path]]) -> None:
    for name, (models, root) in built.items():
        workflows = loaded(root)
        timeout = timeout_minutes(next(iter(models.values())).pipeline)
        for file in ("deploy.yml", "preview.yml"):
            if file not in workflows:
                continue
            data = workflows[file]
            assert data["name"] and data["permissions"] == {} and data["concurrency"]["cancel-in-progress"] is False
            assert set(data.get("on") or data[True]) <= {"workflow_call", "workflow_dispatch", "pull_request"}
            assert data["defaults"] == {"run": {"shell": "bash"}}
            for job_id, job in data["jobs"].items():
                assert job["name"] and job["timeout-minutes"] == timeout, (name, job_id)
                expected = {scope: level for scope, (level, _) in job_permissions(job["steps"]).items()}
                assert job["permissions"] == expected, (name, job_id)
                # Credentials are per GitHub environment: every job that reads any runs in one.
                reads = re.findall(r"\b(?:secrets|vars)\.\w+", json.dumps(job["steps"]))
                if set(reads) - {"secrets.GITHUB_TOKEN"}:
                    assert "environment" in job, (name, job_id)
                for step in job["steps"]:
                    assert "${{" not in step.get("run", "") and "github.event" not in step.get("run", "")
                    if str(step.get("uses", "")).startswith("actions/checkout@"):
                        assert step["with"]["persist-credentials"] is False
        # ci.yml calls deploy.yml after every CI job, on pushes only, granting what its jobs need.
        ci = workflows["ci.yml"]
        if "deploy.yml" in workflows:
            caller = ci["jobs"]["deploy"]
            assert caller["uses"] == "./.github/workflows/deploy.yml" and caller["if"] == "github.event_name == 'push'"
            assert set(caller["needs"]) == set(ci["jobs"]) - {"deploy"}
            called = [job_permissions(job["steps"]) for job in workflows["deploy.yml"]["jobs"].values()]
            assert caller["permissions"] == {scope: level for scope, (level, _) in union(called).items()}
            # A push's CI run holds a deploy and is never cancelled; pull requests' runs still are.
            assert ci["concurrency"]["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
        else:
            assert "deploy" not in ci["jobs"] and ci["concurrency"]["cancel-in-progress"] is True


def test_deployer_jobs() -> None:
    """The environments of DEPLOYER: order, triggers, approval, credentials, rollout and rollback."""
    models = compile_program(DEPLOYER)
    files = render(models, "platform.stack")
    jobs = load(files[f"{WORKFLOWS}/deploy.yml"].decode())["jobs"]
    assert list(jobs) == ["deploy-qa", "deploy-staging", "deploy-prod", "deploy-dr"]
    assert [job.get("needs") for job in jobs.values()] == [
        None,
        ["deploy-qa"],
        ["deploy-staging"],
        ["deploy-prod"],
    ]
    push, dispatch = deploy.condition(False), deploy.condition(True)
    assert [job["if"] for job in jobs.values()] == [push, dispatch, dispatch, dispatch]
    assert [job["environment"]["name"] for job in jobs.values()] == ["qa", "staging", "prod", "dr"]
    assert [job["concurrency"] for job in jobs.values()] == [
        {"group": f"deploy-{env}", "cancel-in-progress": False} for env in ("qa", "staging", "prod", "dr")
    ]
    qa = {step.get("id") or step["name"]: step for step in jobs["deploy-qa"]["steps"]}
    assert jobs["deploy-qa"]["permissions"] == {"contents": "read", "id-token": "write", "packages": "read"}
    assert qa["aws-oidc"]["env"]["AWS_REGION"] == "${{ vars.AWS_REGION }}"
    assert qa["apply"]["env"]["OVERLAY"] == "qa" and qa["apply"]["env"]["NAMESPACE"] == "deployer-qa"
    assert json.loads(qa["apply"]["env"]["IMAGES"]) == ["ghcr.io/acme/deployer-api", "ghcr.io/acme/deployer-web"]
    assert qa["rollout"]["env"]["WORKLOADS"] == "deployment/worker\n"
    assert qa["rollout"]["env"]["ROLLOUTS"] == "api\nweb\n"
    assert qa["rollout"]["env"]["WAIT_SECONDS"] == str(wait_seconds(5)) == "180"
    # web says `rollback = false`: it is waited for but never aborted.
    assert qa["Roll back"]["env"]["ABORT"] == "api\n"
    assert qa["apply"]["env"]["UNDO"] == "deployment/worker\n"
    assert (
        qa["smoke"]["env"]["URLS"] == "https://qa.deployer.example.com/\nhttps://qa.deployer.example.com/api/healthz\n"
    )
    # Steps in order: the rollback comes last and also runs when the smoke test failed.
    assert list(qa) == ["Check out", "aws-oidc", "login-ghcr-read", "apply", "rollout", "smoke", "Roll back"]
    # No deploy job for `none` or the preview environment.
    assert not {"deploy-scratch", "deploy-pr"} & set(jobs)


def test_preview_jobs() -> None:
    models = compile_program(DEPLOYER)
    files = render(models, "platform.stack")
    data = load(files[f"{WORKFLOWS}/preview.yml"].decode())
    on = data.get("on") or data[True]
    assert on == {"pull_request": {"branches": ["main"], "types": ["opened", "synchronize", "reopened", "closed"]}}
    jobs = data["jobs"]
    assert list(jobs) == ["image-api", "image-web", "preview-pr", "teardown-pr"]
    guard = "github.event.pull_request.head.repo.full_name == github.repository"
    assert all(job["if"].startswith(f"{guard} && ") for job in jobs.values())
    assert jobs["teardown-pr"]["if"].endswith("github.event.action == 'closed'")
    assert all(job["if"].endswith("github.event.action != 'closed'") for j, job in jobs.items() if j != "teardown-pr")
    assert jobs["preview-pr"]["needs"] == ["image-api", "image-web"]
    assert jobs["image-api"]["permissions"] == {"contents": "read", "packages": "write"}
    steps = {step.get("id") or step["name"]: step for step in jobs["preview-pr"]["steps"]}
    assert steps["preview"]["env"]["PR_NUMBER"] == "${{ github.event.pull_request.number }}"
    assert steps["apply"]["env"]["NAMESPACE"] == "${{ steps.preview.outputs.namespace }}"
    edits = json.loads(steps["apply"]["env"]["PREVIEW_EDITS"])
    assert {e["value"] for e in edits if e["host"]} == {"pr.deployer.example.com"}
    assert {e["value"] for e in edits if not e["host"]} == {"deployer-pr/edge-headers"}
    teardown = jobs["teardown-pr"]["steps"][-1]
    assert "kubectl delete namespace" in teardown["run"]


def test_preview_namespace_script(tmp_path: Path) -> None:
    """The pull request number is checked as digits before it names a namespace."""
    models = compile_program(DEPLOYER)
    data = load(render(models, "platform.stack")[f"{WORKFLOWS}/preview.yml"].decode())
    step = next(s for s in data["jobs"]["preview-pr"]["steps"] if s.get("id") == "preview")
    for number, ok in (("42", True), ("4x", False), ("", False), ("1;id", False)):
        output = tmp_path / f"out-{ok}-{len(number)}"
        env = {"PR_NUMBER": number, "STACK": "deployer", "GITHUB_OUTPUT": str(output), "PATH": "/usr/bin:/bin"}
        run = subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]], env=env, capture_output=True, text=True)
        assert (run.returncode == 0) == ok, (number, run.stderr)
        if ok:
            assert output.read_text() == "namespace=deployer-pr-42\nhost_prefix=pr-42.\n"


def test_pinned_kustomization_renders(tmp_path: Path) -> None:
    """The apply step's kustomization really builds with kustomize (kubectl's), for a deploy and a
    preview: images at the digest pushed as `sha-<commit>`, the preview's namespace and hosts."""
    kubectl = require("kubectl")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(FAKE_DOCKER)
    (bin_dir / "docker").chmod(0o755)
    stack = tmp_path / "platform.stack"
    stack.write_text(DEPLOYER)
    stackc = [str(Path(sys.executable).parent / "stackc"), "build", str(stack), "--target", "kubernetes"]
    assert subprocess.run(stackc, capture_output=True).returncode == 0
    files = render(compile_program(DEPLOYER), "platform.stack")
    jobs = {
        "qa": load(files[f"{WORKFLOWS}/deploy.yml"].decode())["jobs"]["deploy-qa"],
        "pr": load(files[f"{WORKFLOWS}/preview.yml"].decode())["jobs"]["preview-pr"],
    }
    for name, job in jobs.items():
        apply = next(s for s in job["steps"] if s.get("id") == "apply")
        env = {k: v.replace("${{ steps.preview.outputs.namespace }}", "deployer-pr-7") for k, v in apply["env"].items()}
        env = {k: v.replace("${{ steps.preview.outputs.host_prefix }}", "pr-7.") for k, v in env.items()}
        script = apply["run"].split("python3 - <<'PY'\n", 1)[1].split("PY\n", 1)[0]
        path = f"{bin_dir}:{os.environ['PATH']}"
        fake = {"GITHUB_SHA": "a" * 40, "PATH": path, "FAKE_LOG": str(tmp_path / "docker.log")}
        run = subprocess.run([sys.executable, "-c", script], env={**env, **fake}, cwd=tmp_path)
        assert run.returncode == 0
        rendered = subprocess.run(
            [kubectl, "kustomize", env["PINNED"]], cwd=tmp_path, capture_output=True, text=True, check=True
        ).stdout
        assert f"image: ghcr.io/acme/deployer-api@{DIGEST}" in rendered
        if name == "pr":
            assert "namespace: deployer-pr-7" in rendered and "namespace: deployer-pr\n" not in rendered
            assert "host: pr-7.pr.deployer.example.com" in rendered
            assert "deployer-pr-7/edge-headers" in rendered
        else:
            assert "namespace: deployer-qa" in rendered


# -- properties ---------------------------------------------------------------------------------


def compile_program(text: str) -> dict[str, ir.EnvironmentModel]:
    from stackc.frontend import compile_source

    compilation = compile_source(text.encode(), "platform.stack")
    assert not compilation.has_errors, [d.message for d in compilation.diagnostics if d.is_error]
    return compilation.models


environment_kinds = st.tuples(
    st.sampled_from(["auto", "manual", "none", None]), st.booleans(), st.booleans()
)  # deploy, approval, preview


def program(kinds: list[tuple[str | None, bool, bool]]) -> str:
    lines = ['stack p {\n  owner = "acme"\n  domain = "p.example.com"\n}\n']
    for i, (mode, approval, preview) in enumerate(kinds):
        body = []
        if mode:
            body.append(f"deploy = {mode}")
        if approval:
            body.append("approval = true")
        if preview:
            body.append("preview = true")
        lines.append(f"environment e{i} {{\n" + "".join(f"  {b}\n" for b in body) + "}\n")
    lines.append('service api {\n  build = "./api"\n  ports = { http = 8080 }\n  health { http = "/h" }\n}\n')
    lines.append('gateway edge {\n  tls = off\n  route "/" { to = service.api }\n}\n')
    lines.append("pipeline { }\n")
    return "\n".join(lines)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kinds=st.lists(environment_kinds, min_size=1, max_size=4))
def test_environments_deploy_in_order(kinds: list[tuple[str | None, bool, bool]]) -> None:
    models = compile_program(program(kinds))
    files = render(models, "platform.stack")
    modes = [models[f"e{i}"].environment.deploy for i in range(len(kinds))]
    chained = [
        f"e{i}" for i, (m, (_, _, preview)) in enumerate(zip(modes, kinds, strict=True)) if m != "none" and not preview
    ]
    ci = load(files[f"{WORKFLOWS}/ci.yml"].decode())
    if not chained:
        assert f"{WORKFLOWS}/deploy.yml" not in files and "deploy" not in ci["jobs"]
    else:
        jobs = load(files[f"{WORKFLOWS}/deploy.yml"].decode())["jobs"]
        assert list(jobs) == [f"deploy-{e}" for e in chained]
        dispatched = False
        for i, (job_id, job) in enumerate(jobs.items()):
            env = chained[i]
            assert job.get("needs", []) == ([f"deploy-{chained[i - 1]}"] if i else [])
            # Every deploy job runs in its GitHub environment (required reviewers for `approval`).
            assert job["environment"] == {"name": env}
            dispatched = dispatched or models[env].environment.deploy == "manual"
            if models[env].environment.deploy == "manual":
                assert "github.event_name == 'workflow_dispatch'" in job["if"], job_id
            assert job["if"] == deploy.condition(dispatched), job_id
            assert job["timeout-minutes"] == 10
        assert ci["jobs"]["deploy"]["if"] == "github.event_name == 'push'"
    previews = [f"e{i}" for i, (_, _, preview) in enumerate(kinds) if preview]
    if previews:
        data = load(files[f"{WORKFLOWS}/preview.yml"].decode())
        assert set(data.get("on") or data[True]) == {"pull_request"}
        jobs = data["jobs"]
        for env in previews:
            assert jobs[f"preview-{env}"]["environment"] == {"name": env}
            assert jobs[f"teardown-{env}"]["if"].endswith("github.event.action == 'closed'")
        guard = "github.event.pull_request.head.repo.full_name == github.repository && "
        assert all(job["if"].startswith(guard) for job in jobs.values())
    else:
        assert f"{WORKFLOWS}/preview.yml" not in files


HOSTILE_MODELS = compile_program(HOSTILE)
PIECES = ["${{", "}}", "${{ github.event.issue.title }}", "'", '"', "\\", "\n", "$(", "`", ";", " ", "a", "/"]
user_text = st.lists(st.sampled_from(PIECES), min_size=1, max_size=10).map("".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(namespace=user_text, host=user_text, health=user_text, region=user_text, variable=user_text)
def test_user_strings_land_literally(namespace: str, host: str, health: str, region: str, variable: str) -> None:
    models = {name: model.model_copy(deep=True) for name, model in HOSTILE_MODELS.items()}
    for model in models.values():
        source = model.secrets["token"].source
        assert isinstance(source, ir.EnvSource)
        ir.assign(source, variable=variable)
        ir.assign(model.environment, namespace=namespace)
        ir.assign(model.stack, cloud="aws", region=region)
        ir.assign(model.gateways["plain"], host=host)
        api = model.services["api"]
        assert api.health is not None
        ir.assign(api.health, http=health)
    files, errors = render_diagnostics(models, "platform.stack")
    assert errors == []
    for name in ("deploy", "preview"):
        workflow = load(files[f"{WORKFLOWS}/{name}.yml"].decode())
        for text in strings({k: v for k, v in workflow.items() if k not in ("on", True)}):
            _, expressions = evaluate(text)
            # The one expression from the stack: the GitHub secret an `env(VAR)` names, when VAR can
            # name one at all (else the build says it cannot, E0490).
            secret = f"secrets.{variable}" if SECRET_NAME.match(variable) else None
            assert all(KNOWN.fullmatch(e) or e == secret for e in expressions), expressions
        for job in workflow["jobs"].values():
            for step in job["steps"]:
                # Scripts are fixed text: no expression, no event payload, no user string.
                script = step.get("run", "")
                assert "${{" not in script and "github.event" not in script and namespace not in script.split("\n")
    jobs = load(files[f"{WORKFLOWS}/deploy.yml"].decode())["jobs"]
    steps = {step.get("id") or step["name"]: step for step in jobs["deploy-live"]["steps"]}
    assert evaluate(steps["apply"]["env"]["NAMESPACE"])[0] == namespace
    assert evaluate(steps["Roll back"]["env"]["NAMESPACE"])[0] == namespace
    assert evaluate(steps["aws-oidc"]["env"]["AWS_REGION"])[0] == region
    urls = evaluate(steps["smoke"]["env"]["URLS"])[0].splitlines() if "smoke" in steps else []
    assert urls == smoke_urls(models["live"])
    # Only plain host names are probed, and a URL never holds whitespace.
    assert all(not re.search(r"\s", url) for url in urls)
    assert all(url.split("/")[2] in ("plain.example.com", host) for url in urls)


# -- hand edits ---------------------------------------------------------------------------------


@pytest.mark.parametrize("file", ["deploy.yml", "preview.yml"])
def test_hand_edited_workflow_is_kept_without_force(tmp_path: Path, file: str) -> None:
    stack = tmp_path / "platform.stack"
    stack.write_text(DEPLOYER)
    stackc = [str(Path(sys.executable).parent / "stackc"), "build", str(stack), "--target", "github"]
    assert subprocess.run(stackc, capture_output=True).returncode == 0
    workflow = tmp_path / ".github" / "workflows" / file
    edited = workflow.read_text() + "# edited by hand\n"
    workflow.write_text(edited)
    assert subprocess.run(stackc, capture_output=True).returncode != 0
    assert workflow.read_text() == edited
    assert subprocess.run([*stackc, "--check"], capture_output=True).returncode != 0
    assert subprocess.run([*stackc, "--force"], capture_output=True).returncode == 0
    assert workflow.read_text() != edited


def test_no_deploy_without_environments_to_deploy() -> None:
    models, source = compile_models(ROOT / "examples" / "shop" / "platform.stack")
    for model in models.values():
        ir.assign(model.environment, deploy="none")
    files = render(models, source)
    assert f"{WORKFLOWS}/deploy.yml" not in files
    ci = load(files[f"{WORKFLOWS}/ci.yml"].decode())
    assert "deploy" not in ci["jobs"] and ci["concurrency"]["cancel-in-progress"] is True


# -- the scripts, against a stand-in kubectl ---------------------------------------------------

# `docker buildx imagetools inspect REF --format '{{json .Manifest}}'`: the digest of REF.
FAKE_DOCKER = """#!/bin/bash
printf '%s\\n' "$*" >> "${FAKE_LOG}"
printf '{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:%s"}\\n' "$(printf '%064d' 7)"
"""
DIGEST = "sha256:" + "0" * 63 + "7"

FAKE_KUBECTL = """#!/bin/bash
printf '%s\\n' "$*" >> "${FAKE_LOG}"
case "$*" in
  "get rollout "*"{.metadata.generation}"*) echo "2 2 ${FAKE_PHASE}" ;;
  "get rollout "*"{.status.phase}"*) echo "${FAKE_PHASE}" ;;
  "get rollout "*"{.spec.template}"*) printf '%s' "${FAKE_TEMPLATE}" ;;
  "get deployment/"*) echo 4 ;;
  "rollout status "*) exit "${FAKE_STATUS}" ;;
  "get secret ${FAKE_MISSING:-none} "*) exit 1 ;;
esac
"""


def run_step(step: dict[str, Any], tmp_path: Path, **fake: str) -> tuple[int, list[str], str]:
    """Runs a step's script as the workflow would (bash -eo pipefail), with kubectl replaced."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool, script in (("kubectl", FAKE_KUBECTL), ("docker", FAKE_DOCKER)):
        (bin_dir / tool).write_text(script)
        (bin_dir / tool).chmod(0o755)
    log = tmp_path / "kubectl.log"
    log.unlink(missing_ok=True)
    env = {k: evaluate(v)[0] for k, v in step.get("env", {}).items()}
    env |= {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_SHA": "b" * 40,
        "FAKE_LOG": str(log),
        "FAKE_PHASE": "Healthy",
        "FAKE_STATUS": "0",
        "FAKE_TEMPLATE": '{"spec":{"containers":[{"image":"api:old"}]}}',
        **fake,
    }
    run = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", step["run"]], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    calls = log.read_text().splitlines() if log.exists() else []
    return run.returncode, calls, run.stdout


def test_apply_wait_and_rollback_scripts(tmp_path: Path) -> None:
    files = render(compile_program(DEPLOYER), "platform.stack")
    job = load(files[f"{WORKFLOWS}/deploy.yml"].decode())["jobs"]["deploy-qa"]
    steps = {step.get("id") or step["name"]: step for step in job["steps"]}
    (tmp_path / "deploy" / "kubernetes").mkdir(parents=True)
    code, calls, _ = run_step(steps["apply"], tmp_path)
    assert code == 0
    # The running revision is recorded before the apply, the apply uses the pinned kustomization.
    assert calls[-1] == "apply -k deploy/kubernetes/stackc-pinned"
    # Every built image's digest is looked up at the tag CI pushed for this commit.
    lookups = [c for c in calls if c.startswith("buildx imagetools inspect")]
    assert lookups and all(c.split()[3].endswith(":sha-" + "b" * 40) for c in lookups)
    assert (tmp_path / "revisions").read_text() == "deployment/worker 4\n"
    pinned = json.loads((tmp_path / "deploy/kubernetes/stackc-pinned/kustomization.yaml").read_text())
    assert pinned["resources"] == ["../overlays/qa"]
    assert {i["digest"] for i in pinned["images"]} == {DIGEST}

    code, calls, _ = run_step(steps["rollout"], tmp_path)
    assert code == 0
    assert calls[0].startswith("rollout status deployment/worker -n deployer-qa --timeout=")
    assert [c.split()[2] for c in calls[1:]] == ["api", "web"]
    assert run_step(steps["rollout"], tmp_path, FAKE_PHASE="Degraded")[0] == 1
    assert run_step(steps["rollout"], tmp_path, FAKE_STATUS="1")[0] != 0

    code, calls, _ = run_step(steps["Roll back"], tmp_path, FAKE_PHASE="Progressing")
    assert code == 0
    assert "rollout undo deployment/worker -n deployer-qa --to-revision=4" in calls
    # api is aborted; web (`rollback = false`) is left alone.
    aborts = [c for c in calls if c.startswith("patch rollout")]
    assert len(aborts) == 1 and aborts[0].startswith("patch rollout api -n deployer-qa --subresource=status")
    # A Rollout that reached Healthy is not aborted.
    _, calls, _ = run_step(steps["Roll back"], tmp_path)
    assert not [c for c in calls if c.startswith("patch rollout")]
    # The apply saved api's template (web has `rollback = false`); a failed deploy whose Rollout
    # runs another template puts the saved one back, after the abort when it was not Healthy.
    assert (tmp_path / "rollout-api.json").read_text() == '{"spec":{"containers":[{"image":"api:old"}]}}'
    assert not (tmp_path / "rollout-web.json").exists()
    new_template = '{"spec":{"containers":[{"image":"api:new"}]}}'
    for phase in ("Healthy", "Degraded"):
        code, calls, _ = run_step(steps["Roll back"], tmp_path, FAKE_PHASE=phase, FAKE_TEMPLATE=new_template)
        assert code == 0
        patches = [c for c in calls if c.startswith("patch rollout api -n deployer-qa --type=json")]
        assert len(patches) == 1
        restored = json.loads(patches[0].split(" -p ", 1)[1])
        assert restored == [
            {"op": "replace", "path": "/spec/template", "value": {"spec": {"containers": [{"image": "api:old"}]}}}
        ]
        aborted = [c for c in calls if "--subresource=status" in c]
        assert bool(aborted) == (phase != "Healthy")
        assert calls.index(patches[0]) > max((calls.index(c) for c in aborted), default=-1)


def test_environment_secrets_are_created_and_local_ones_checked(tmp_path: Path) -> None:
    """`env(VAR)` secrets the pods read come from the GitHub environment's secret VAR; a `file()`
    one must already exist; a secret nothing reads is not asked for; notify credentials go to the
    monitoring namespace with `kubernetes/monitoring/`."""
    files = render(compile_program(SECRETIVE), "platform.stack")
    jobs = load(files[f"{WORKFLOWS}/deploy.yml"].decode())["jobs"]
    dev = {step.get("id") or step["name"]: step for step in jobs["deploy-dev"]["steps"]}
    prod = {step.get("id") or step["name"]: step for step in jobs["deploy-prod"]["steps"]}
    assert dev["secrets"]["env"]["STACKC_SECRET_API_TOKEN"] == "${{ secrets.API_TOKEN }}"
    assert dev["secrets"]["env"]["FROM_ENVIRONMENT"] == "api-token API_TOKEN\n"
    assert dev["secrets"]["env"]["LOCAL"] == "local-seed\n"
    assert prod["secrets"]["env"]["LOCAL"] == ""
    assert "NEVER_READ" not in files[f"{WORKFLOWS}/deploy.yml"].decode()
    order = list(prod)
    assert order.index("apply") < order.index("secrets") < order.index("monitoring") < order.index("rollout")

    code, calls, out = run_step(prod["secrets"], tmp_path, STACKC_SECRET_API_TOKEN="s3cr3t value")
    assert code == 0, out
    create = [c for c in calls if c.startswith("create secret generic api-token -n secretive-prod")]
    assert create and "--from-file=value=/dev/stdin" in create[0] and "s3cr3t" not in "".join(calls)
    assert "apply --server-side --field-manager=stackc-deploy -f -" in calls
    # Unset in the GitHub environment: the job stops and says which secret to set.
    code, _, out = run_step(prod["secrets"], tmp_path, STACKC_SECRET_API_TOKEN="")
    assert code == 1 and "set the secret API_TOKEN" in out
    # A file() secret nobody created stops the dev deploy before the rollout wait.
    code, _, out = run_step(dev["secrets"], tmp_path, STACKC_SECRET_API_TOKEN="x", FAKE_MISSING="local-seed")
    assert code == 1 and "local-seed comes from file()" in out

    monitoring = prod["monitoring"]
    assert monitoring["env"]["FROM_ENVIRONMENT"] == "secretive-notify-pd PD_ROUTING\n"
    code, calls, _ = run_step(monitoring, tmp_path, STACKC_SECRET_PD_ROUTING="key")
    assert code == 0
    assert any(c.startswith("create secret generic secretive-notify-pd -n monitoring") for c in calls)
    assert calls[-1] == "apply --server-side --field-manager=stackc-deploy -k deploy/kubernetes/monitoring"


def test_a_variable_github_cannot_hold_is_reported() -> None:
    from stackc.targets import BuildContext
    from stackc.targets.github import emit

    models = compile_program(SECRETIVE.replace('env("API_TOKEN")', 'env("GITHUB_TOKEN_COPY")'))
    output = emit(BuildContext(models, list(models), "platform.stack"))
    (found,) = [d for d in output.diagnostics if d.code == "E0490"]
    assert "GITHUB_TOKEN_COPY" in found.message and "api-token" in found.message
