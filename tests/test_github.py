"""The GitHub Actions target on every example, against the real validators (issue 8).

Every example with a `pipeline` block (`examples/*/platform.stack` and a copy of the spec's
shop.stack) is built with the github target into a temporary folder; every workflow validates
against the GitHub workflow schema (check-jsonschema), passes actionlint with shellcheck, zizmor
`--offline --persona pedantic` with no findings and Checkov's `github_actions` framework with no
failures. Properties no validator checks (the actions table, the permission table, timeouts,
escaping of user strings, determinism, the docs' job graph) are checked here.

A validator that is missing fails the test when `CI=true` and skips it otherwise.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shared import SPEC_SHOP
from stackc import ir
from stackc.build import run_targets
from stackc.frontend import compile_source
from stackc.targets import BuildContext
from stackc.targets.github import emit, pipeline_model, workflow_jobs
from stackc.targets.github.actions import ACTIONS, markdown
from stackc.targets.github.ci import SAFE_BRANCH
from stackc.targets.github.graph import mermaid
from stackc.targets.github.permissions import STEP_PERMISSIONS, job_permissions
from validators import require

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "github.md"
# Every switch the examples leave at its default: another registry (credentials from the `ci`
# environment), Dockerfile, target and build args (one with a literal `${{`), one platform, the
# pipeline's own tests, no config scan, no signature, no SBOM, no release, a 90s timeout and a
# branch with a `+`.
VARIANT_STACK = """stack variant {
  owner    = "acme"
  registry = "registry.example.com/acme"
}

service api {
  build {
    context    = "./services/api"
    dockerfile = "docker/Dockerfile"
    target     = "runtime"
    args       = { VERSION = "1.2.3", NOTE = "$${{ github.token }}" }
  }
  ports = { http = 8080 }
  health { http = "/healthz" }
  platforms = ["linux/amd64"]
  test { unit = "make test" }
}

pipeline {
  branch   = "stable+lts"
  test     { unit = "pytest -q --cov --cov-report=xml"  e2e = "npx playwright test" }
  scan     { fail_on = critical  config = false }
  coverage = 80%
  sign     = false
  sbom     = false
  release  = none
  timeout  = 90s
}
"""
ENV = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_PARALLELIZATION_TYPE": "none"}


@dataclass
class Built:
    name: str
    root: Path  # the folder of the stack file: `.github/` is written here
    files: dict[str, bytes]

    @property
    def workflows(self) -> list[Path]:
        return sorted((self.root / ".github" / "workflows").glob("*.yml"))

    def loaded(self) -> dict[str, dict[str, Any]]:
        return {p.name: load(p.read_text()) for p in self.workflows}


def load(text: str) -> dict[str, Any]:
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def compile_models(source: Path) -> tuple[dict[str, ir.EnvironmentModel], str]:
    compilation = compile_source(source.read_bytes(), str(source))
    assert not compilation.has_errors, [d.message for d in compilation.diagnostics if d.is_error]
    return compilation.models, source.name


def render(models: dict[str, ir.EnvironmentModel], source: str) -> dict[str, bytes]:
    files, diagnostics = run_targets({"github": emit}, BuildContext(models, list(models), source))
    assert not [d for d in diagnostics if d.is_error]
    return files


def render_diagnostics(models: dict[str, ir.EnvironmentModel], source: str) -> tuple[dict[str, bytes], list[str]]:
    files, diagnostics = run_targets({"github": emit}, BuildContext(models, list(models), source))
    return files, [d.code for d in diagnostics if d.is_error]


def write(files: dict[str, bytes], root: Path) -> None:
    for path, data in files.items():
        target = (root / "deploy" / path).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def sources() -> list[tuple[str, Path]]:
    found = [(p.parent.name, p) for p in sorted((ROOT / "examples").glob("*/platform.stack"))]
    found.append(("spec-shop", SPEC_SHOP))
    return found


def materialise(name: str, source: Path, folder: Path) -> Path:
    """The stack file to build: copies of the spec's example and of the inline variant, so that
    nothing is ever written into /work/shared."""
    if name == "spec-shop":
        copy = folder / "shop.stack"
        shutil.copyfile(source, copy)
        return copy
    return source


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> list[Built]:
    result = []
    variant = tmp_path_factory.mktemp("variant-source") / "platform.stack"
    variant.write_text(VARIANT_STACK)
    for name, source in [*sources(), ("variant", variant)]:
        source = materialise(name, source, tmp_path_factory.mktemp("source"))
        models, source_name = compile_models(source)
        files = render(models, source_name)
        if not files:
            continue
        root = tmp_path_factory.mktemp(name)
        write(files, root)
        result.append(Built(name, root, files))
    assert {b.name for b in result} >= {"shop", "workers", "spec-shop", "variant"}
    return result


# -- validators ---------------------------------------------------------------------------------


def test_schema(built: list[Built]) -> None:
    tool = require("check-jsonschema")
    for b in built:
        for schema, paths in (
            ("vendor.github-workflows", b.workflows),
            ("vendor.dependabot", [b.root / ".github" / "dependabot.yml"]),
        ):
            run = subprocess.run([tool, "--builtin-schema", schema, *map(str, paths)], capture_output=True, text=True)
            assert run.returncode == 0, (b.name, run.stdout, run.stderr)


def actionlint(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    tool = require("actionlint")
    shellcheck = require("shellcheck")
    return subprocess.run(
        [tool, "-shellcheck", shellcheck, *map(str, paths)], capture_output=True, text=True, cwd=paths[0].parent
    )


def test_actionlint(built: list[Built]) -> None:
    for b in built:
        run = actionlint(b.workflows)
        assert run.returncode == 0, (b.name, run.stdout, run.stderr)


def test_zizmor(built: list[Built]) -> None:
    tool = require("zizmor")
    for b in built:
        run = subprocess.run(
            [tool, "--offline", "--persona", "pedantic", "--format", "json", str(b.root)],
            capture_output=True,
            text=True,
        )
        assert run.returncode == 0 and json.loads(run.stdout) == [], (b.name, run.stdout, run.stderr)


def test_checkov(built: list[Built]) -> None:
    tool = require("checkov")
    for b in built:
        run = subprocess.run(
            [tool, "-d", str(b.root), "--framework", "github_actions", "--skip-download", "-o", "json"],
            capture_output=True,
            text=True,
            env=ENV,
        )
        report = json.loads(run.stdout)
        report = report[0] if isinstance(report, list) else report
        # Checkov skips a file that does not match its own workflow schema and reports nothing:
        # passing checks prove it read the workflows.
        summary = report.get("summary", report)
        assert summary["passed"] > 0, (b.name, "Checkov scanned nothing", report)
        assert summary["failed"] == 0, (b.name, [c["check_id"] for c in report["results"]["failed_checks"]])


# -- properties ---------------------------------------------------------------------------------


def all_jobs(b: Built) -> list[tuple[str, str, dict[str, Any]]]:
    """Every job that runs steps (not ci.yml's call of deploy.yml, which tests/test_github_deploy.py checks)."""
    return [
        (file, job_id, job)
        for file, data in b.loaded().items()
        for job_id, job in data["jobs"].items()
        if "uses" not in job
    ]


def test_every_uses_is_from_the_actions_table(built: list[Built]) -> None:
    pattern = re.compile(r"uses: (\S+)@([0-9a-f]{40}) # (\S+)$")
    for b in built:
        for path in b.workflows:
            for line in path.read_text().splitlines():
                if "uses:" in line and not line.startswith('    uses: "./.github/workflows/'):
                    match = pattern.search(line)
                    assert match, line
                    action = ACTIONS[match.group(1)]
                    assert (action.sha, action.version) == (match.group(2), match.group(3)), line


def test_docs_list_the_actions_table() -> None:
    assert markdown() in DOCS.read_text()


def test_permissions_are_those_of_the_table(built: list[Built]) -> None:
    for b in built:
        for path in b.workflows:
            text = path.read_text()
            data = load(text)
            assert data["permissions"] == {}
            for job_id, job in data["jobs"].items():
                if "uses" in job:
                    continue  # a reusable workflow's caller: tests/test_github_deploy.py
                expected = {scope: level for scope, (level, _) in job_permissions(job["steps"]).items()}
                assert job["permissions"] == expected, (b.name, job_id)
            # Every scope line says why (the comment comes from the same table).
            for line in text.splitlines():
                if re.fullmatch(r"      [a-z-]+: (read|write)( #.*)?", line):
                    assert " # " in line, line
    # The table's levels are ones GitHub knows.
    assert {level for scopes in STEP_PERMISSIONS.values() for level, _ in scopes.values()} <= {"read", "write"}


def test_hardening(built: list[Built]) -> None:
    for b in built:
        for file, data in b.loaded().items():
            assert data["name"] and "concurrency" in data
            triggers = data.get("on") or data.get(True)
            assert not {"pull_request_target", "workflow_run"} & set(triggers), file
            for _, job_id, job in [(file, j, v) for j, v in data["jobs"].items() if "uses" not in v]:
                assert job["name"] and isinstance(job["timeout-minutes"], int), (file, job_id)
                for step in job["steps"]:
                    assert "${{" not in step.get("run", ""), (file, job_id, step)
                    if str(step.get("uses", "")).startswith("actions/checkout@"):
                        assert step["with"]["persist-credentials"] is False


def test_timeout_comes_from_the_pipeline(built: list[Built]) -> None:
    for b in built:
        for _, _, job in all_jobs(b):
            # The examples have the default 10m; the variant 90s, rounded up to whole minutes.
            assert job["timeout-minutes"] == (2 if b.name == "variant" else 10)


def test_stackc_is_pinned_to_this_version(built: list[Built]) -> None:
    import stackc

    for b in built:
        ci = b.loaded()["ci.yml"]
        install = ci["jobs"]["check"]["steps"][1]
        assert install["env"]["STACKC_VERSION"] == stackc.__version__


def test_deterministic() -> None:
    for _, source in sources():
        first = render(*compile_models(source))
        assert first == render(*compile_models(source))


def test_no_pipeline_no_workflows() -> None:
    assert render(*compile_models(ROOT / "examples" / "minimal" / "platform.stack")) == {}


def test_docs_job_graph_matches() -> None:
    models, source = compile_models(SPEC_SHOP)
    model = pipeline_model(BuildContext(models, list(models), source))
    assert model is not None
    graph = mermaid(workflow_jobs(model, source, models))
    assert f"```mermaid\n{graph}```" in DOCS.read_text()


# -- escaping -----------------------------------------------------------------------------------

# What a workflow may evaluate that the user did not write: stackc's own expressions.
KNOWN = re.compile(
    r"github\.(workflow|ref|actor|event_name == 'push'|event_name == 'pull_request')"
    r"|secrets\.(GITHUB_TOKEN|REGISTRY_USERNAME|REGISTRY_PASSWORD)"
    r"|matrix\.(service|kind|directory|command)|steps\.(meta\.outputs\.(tags|labels)|build\.outputs\.digest)"
    r"|always\(\) && github\.event_name == 'push'|matrix\.kind == 'unit'|always\(\)"
    r"|needs\.release-please\.outputs\.(tag_name|release_created == 'true')"
    r"|steps\.release\.outputs\.(release_created|tag_name)"
)


def evaluate(text: str) -> tuple[str, list[str]]:
    """GitHub's interpolation of a string: its value with string-literal expressions evaluated, and
    the other expressions (kept as `<expr>` in the value). Expressions end at the first `}}` outside
    a single-quoted literal (`''` is a quote inside one), as GitHub's lexer reads them."""
    out, expressions, i = [], [], 0
    while (start := text.find("${{", i)) >= 0:
        out.append(text[i:start])
        j, quoted = start + 3, False
        while True:
            if j >= len(text):
                raise ValueError(f"unterminated expression in {text!r}")
            if text[j] == "'":
                quoted = not quoted
            elif not quoted and text.startswith("}}", j):
                break
            j += 1
        body = text[start + 3 : j].strip()
        literal = re.fullmatch(r"'((?:[^']|'')*)'", body)
        if literal:
            out.append(literal.group(1).replace("''", "'"))
        else:
            expressions.append(body)
            out.append("<expr>")
        i = j + 2
    out.append(text[i:])
    return "".join(out), expressions


def strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in strings(k) + strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in strings(v)]
    return [node] if isinstance(node, str) else []


SHOP_MODELS, SHOP_SOURCE = compile_models(ROOT / "examples" / "shop" / "platform.stack")
# Pieces that matter to GitHub's interpolation, YAML and shells, glued together.
PIECES = [
    "${{",
    "}}",
    "${{ github.event.issue.title }}",
    "'",
    "''",
    '"',
    "\\",
    "\n",
    "$",
    "{",
    "}",
    "#",
    ": ",
    "*",
    "!",
    "?",
    "[",
    "]",
    "`",
    ";",
    "&",
    " ",
    "a",
    "main",
]
user_text = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)


def with_user_strings(unit: str, arg: str, branch: str) -> dict[str, ir.EnvironmentModel]:
    models = {name: model.model_copy(deep=True) for name, model in SHOP_MODELS.items()}
    for model in models.values():
        assert model.pipeline is not None
        ir.assign(model.pipeline, branch=branch, test=ir.Tests.model_construct(unit=unit, integration=None, e2e=None))
        api = model.services["api"]
        assert api.build is not None and api.test is not None
        ir.assign(api.test, unit=unit)
        ir.assign(api.build, args={"VERSION": arg})
    return models


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unit=user_text.filter(bool), arg=user_text, branch=user_text | st.from_regex(SAFE_BRANCH, fullmatch=True))
def test_user_strings_land_literally(unit: str, arg: str, branch: str) -> None:
    files, errors = render_diagnostics(with_user_strings(unit, arg, branch), SHOP_SOURCE)
    if not SAFE_BRANCH.fullmatch(branch):
        # A branch the filters cannot hold literally is an error, and nothing is written.
        assert (files, errors) == ({}, ["E0491"])
        return
    assert errors == []
    ci = load(files["../.github/workflows/ci.yml"].decode())
    for name in ("ci", "release"):
        workflow = load(files[f"../.github/workflows/{name}.yml"].decode())
        for text in strings({k: v for k, v in workflow.items() if k not in ("on", True)}):  # `on:` is not evaluated
            _, expressions = evaluate(text)
            assert all(KNOWN.fullmatch(e) for e in expressions), expressions
    jobs = ci["jobs"]
    repository = next(s for s in jobs["test-repository"]["steps"] if s.get("name") == "Test (unit)")
    assert evaluate(repository["env"]["TEST_COMMAND"])[0] == unit
    include = jobs["test"]["strategy"]["matrix"]["include"]
    assert evaluate(next(e for e in include if e["service"] == "api" and e["kind"] == "unit")["command"])[0] == unit
    build = next(s for s in jobs["image-api"]["steps"] if s.get("id") == "build")
    assert evaluate(build["with"]["build-args"])[0] == f"VERSION={arg}\n"
    # `on:` is not interpolated: the filter is the branch with its pattern characters escaped.
    pattern = (ci.get("on") or ci[True])["push"]["branches"][0]
    assert pattern.replace("\\+", "+") == branch


def test_escaped_expressions_pass_actionlint(tmp_path: Path) -> None:
    hostile = "echo ${{ github.event.pull_request.title }} '${{' }}"
    files = render(with_user_strings(hostile, "${{ secrets.X }}", "main"), SHOP_SOURCE)
    write(files, tmp_path)
    run = actionlint(sorted((tmp_path / ".github" / "workflows").glob("*.yml")))
    assert run.returncode == 0, (run.stdout, run.stderr)


def test_hand_edited_workflow_is_kept_without_force(tmp_path: Path) -> None:
    stack = tmp_path / "platform.stack"
    shutil.copyfile(ROOT / "examples" / "shop" / "platform.stack", stack)
    stackc = [str(Path(sys.executable).parent / "stackc"), "build", str(stack), "--target", "github"]
    assert subprocess.run(stackc, capture_output=True).returncode == 0
    workflow = tmp_path / ".github" / "workflows" / "ci.yml"
    edited = workflow.read_text() + "# edited by hand\n"
    workflow.write_text(edited)
    assert subprocess.run(stackc, capture_output=True).returncode != 0
    assert workflow.read_text() == edited
    assert subprocess.run([*stackc, "--check"], capture_output=True).returncode != 0
    assert subprocess.run([*stackc, "--force"], capture_output=True).returncode == 0
    assert workflow.read_text() != edited
