"""The Terraform target, checked by the tools that read Terraform (issue 10, docs/terraform.md).

Every example with `cloud = aws` or a `dns` provider (examples/, a copy of the spec's shop, and two
programs here that cover what the examples lack: every managed engine with Route 53, and a
Cloudflare tunnel) is built and must pass: `terraform fmt -check`, python-hcl2 parsing, no
reference to anything undeclared, `terraform providers` offline on a copy without the backend
block, Checkov's terraform framework with zero failures (skips only with reasons), and the
structural checks that Checkov does not make (research/terraform-example/README.md, last
section). A validator that is missing fails the test when CI=true and skips it otherwise.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from shared import SPEC_SHOP
from stackc.build import run_targets
from stackc.diagnostics import Diagnostic, Severity
from stackc.frontend import compile_source
from stackc.policies.engine import check_policies
from stackc.targets import BuildContext
from stackc.targets.terraform import emit

REPO = Path(__file__).resolve().parent.parent

FULL = """\
stack vault {
  owner  = "acme"
  domain = "vault.example.com"
  cloud  = aws
  dns    = route53
  region = "us-east-1"
  state  = s3("acme-state", key = "vault")
  labels = { team = "core", cost-center = "cc-7" }
}

environment dev {}
environment prod { approval = true }

secret api-key {
  source = aws("vault/api-key")
  rotate = 30d
}
secret legacy-token { source = aws("vault/legacy") }

database ledger {
  engine  = postgres
  version = "16"
  managed = true
  backup { retain = 14d }
  when dev { managed = false }
}
database reports {
  engine  = mysql
  version = "8.0"
  managed = true
}
database sessions {
  engine  = redis
  version = "7.1"
  managed = true
}
queue jobs {
  engine  = rabbitmq
  version = "3.13"
  managed = true
}
database archive {
  engine  = postgres
  version = "16"
  backup { retain = 30d }
}

service api {
  image = "ghcr.io/acme/api:1.0.0"
  ports = { http = 8080 }
  env = {
    LEDGER_URL  = database.ledger.uri
    REPORTS_URL = database.reports.uri
    CACHE_URL   = database.sessions.uri
    AMQP_URL    = queue.jobs.uri
    API_KEY     = secret.api-key
    LEGACY      = secret.legacy-token
  }
  uses = [database.ledger, database.reports, database.sessions, queue.jobs, database.archive]
  health { http = "/healthz" }
}

gateway edge {
  tls = letsencrypt("ops@example.com")
  route "/" { to = service.api }
}
"""

TUNNEL = """\
stack edge {
  owner  = "acme"
  domain = "edge.example.com"
  dns    = cloudflare
}

environment staging {}
environment production {}

service web {
  image = "ghcr.io/acme/web:1.0.0"
  ports = { http = 8080 }
  health { http = "/" }
}

gateway public {
  tls    = cloudflare()
  tunnel = cloudflare
  route "/" { to = service.web }
}
"""


# DNS only, in Route 53: the AWS provider without a region in the stack, and local state.
ROUTE53_ONLY = """\
stack docs {
  owner  = "acme"
  domain = "docs.example.com"
  dns    = route53
}

environment prod {}

service site {
  image = "ghcr.io/acme/site:1.0.0"
  ports = { http = 8080 }
  health { http = "/" }
}

gateway www {
  tls = letsencrypt("ops@example.com")
  route "/" { to = service.site }
}
"""


# -- validators --------------------------------------------------------------------------------


def _missing(tool: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{tool} is not installed (required in CI)")
    pytest.skip(f"{tool} is not installed")


def terraform() -> str:
    path = shutil.which("terraform")
    if path is None:
        _missing("terraform")
    return path  # type: ignore[return-value]


def checkov() -> str:
    # scripts/test.sh installs Checkov into its own venv (.venv/checkov): its `bc-python-hcl2`
    # and python-hcl2 install the same `hcl2` module and cannot share one environment.
    for candidate in (REPO / ".venv" / "checkov" / "bin" / "checkov", shutil.which("checkov")):
        if candidate and Path(candidate).exists():
            return str(candidate)
    _missing("checkov")
    raise AssertionError("unreachable")


def hcl2() -> Any:
    try:
        import hcl2 as module
    except ImportError:
        _missing("python-hcl2")
    return module


def offline(command: list[str]) -> list[str]:
    """The command without network where `unshare -n` is allowed (proves nothing is downloaded)."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n", *command]
    return command


def tool_env(tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "TF_CLI_CONFIG_FILE": os.devnull,
        "TF_DATA_DIR": str(tmp / ".terraform-data"),
        "TF_IN_AUTOMATION": "1",
        "BC_SKIP_MAPPING": "TRUE",
        "CHECKOV_PARALLELIZATION_TYPE": "none",
        "HOME": str(tmp),
    }


# -- building ----------------------------------------------------------------------------------


def build(stack: Path, out: Path) -> tuple[dict[str, bytes], list[Diagnostic]]:
    """What `stackc build STACK -o OUT --target terraform` writes: the front end, the policies
    (whose errors stop a build), then this target alone, written under OUT."""
    compilation = compile_source(stack.read_bytes(), str(stack))
    assert not compilation.has_errors, compilation.diagnostics
    report = check_policies(compilation.models, list(compilation.models))
    assert not any(d.severity is Severity.ERROR for d in report.diagnostics), report.diagnostics
    context = BuildContext(compilation.models, list(compilation.models), stack.name)
    files, diagnostics = run_targets({"terraform": emit}, context)
    for path, data in files.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return files, diagnostics


def _uses_cloud(stack: Path) -> bool:
    compilation = compile_source(stack.read_bytes(), str(stack))
    model = next(iter(compilation.models.values()))
    return model.stack.cloud != "none" or model.stack.dns != "none"


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("stacks")
    stacks = {p.parent.name: p for p in sorted((REPO / "examples").glob("*/platform.stack")) if _uses_cloud(p)}
    if SPEC_SHOP.exists():
        # A copy: nothing is ever written into the shared spec folder.
        (folder / "spec-shop").mkdir()
        shutil.copy(SPEC_SHOP, folder / "spec-shop" / "platform.stack")
        stacks["spec-shop"] = folder / "spec-shop" / "platform.stack"
    for name, text in (("full", FULL), ("tunnel", TUNNEL), ("route53-only", ROUTE53_ONLY)):
        (folder / name).mkdir()
        (folder / name / "platform.stack").write_text(text)
        stacks[name] = folder / name / "platform.stack"
    return stacks


CASES = ["shop", "workers", "spec-shop", "full", "tunnel", "route53-only"]


@pytest.fixture(scope="module")
def built(sources: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("built")
    roots = {}
    for name, stack in sources.items():
        files, diagnostics = build(stack, out / name)
        assert files, f"{name}: no Terraform"
        assert not [d for d in diagnostics if d.severity is Severity.ERROR], diagnostics
        roots[name] = out / name / "terraform"
    return roots


def root_of(built: dict[str, Path], name: str) -> Path:
    if name not in built:
        pytest.skip(f"{name} is not available here")
    return built[name]


def test_every_cloud_example_is_covered(sources: dict[str, Path]) -> None:
    assert {"shop", "workers"} <= set(sources)


# -- terraform ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CASES)
def test_terraform_fmt_leaves_every_file_unchanged(built: dict[str, Path], name: str, tmp_path: Path) -> None:
    root = root_of(built, name)
    result = subprocess.run(
        [terraform(), "fmt", "-check", "-diff", "-recursive", str(root)],
        env=tool_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", CASES)
def test_terraform_providers_loads_the_configuration_offline(built: dict[str, Path], name: str, tmp_path: Path) -> None:
    # `terraform providers` refuses to run before `init` while a backend block is present
    # (research README); on a copy without backend.tf it parses the whole configuration offline.
    root = root_of(built, name)
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in root.glob("*.tf"):
        if path.name != "backend.tf":
            shutil.copy(path, copy / path.name)
    result = subprocess.run(
        offline([terraform(), f"-chdir={copy}", "providers"]), env=tool_env(tmp_path), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if "provider[" in line]
    assert lines
    # A provider without a constraint would mean a resource whose provider is not declared.
    assert all(re.search(r"\] (~>|=|>=)", line) for line in lines), result.stdout


# -- python-hcl2: parsing and references -------------------------------------------------------


def plain(value: Any) -> Any:
    """python-hcl2's result without its markers: releases differ (8.x keeps the quotes of literal
    strings and labels and marks blocks with `__is_block__`; older ones wrap every attribute value in
    a list), so quotes and markers are dropped here and `scalar` unwraps."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items() if not str(k).startswith("__")}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def scalar(value: Any) -> Any:
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value


def load(path: Path) -> dict[str, Any]:
    with path.open() as f:
        return plain(hcl2().load(f))


def parse(root: Path) -> dict[str, list[dict[str, Any]]]:
    merged: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(root.glob("*.tf")):
        for key, blocks in load(path).items():
            merged.setdefault(key, []).extend(blocks)
    return merged


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _expressions(text: str) -> list[str]:
    """The `${…}` parts of a string as python-hcl2 returns it, without their string literals."""
    found, i = [], 0
    while (start := text.find("${", i)) >= 0:
        depth, j = 0, start + 1
        while j < len(text):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            if depth == 0:
                break
            j += 1
        found.append(re.sub(r"\"[^\"]*\"|'[^']*'", '""', text[start + 2 : j]))
        i = j + 1
    return found


REFERENCE = re.compile(
    r"(?<![\w.\]\"])(var|local|data|[a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][\w-]*)(?:\.([A-Za-z_][\w-]*))?"
)


def undeclared(doc: dict[str, list[dict[str, Any]]]) -> list[str]:
    declared = {("var", n) for block in doc.get("variable", []) for n in block}
    declared |= {("local", n) for block in doc.get("locals", []) for n in block if not n.startswith("__")}
    declared |= {("data", t, n) for block in doc.get("data", []) for t, named in block.items() for n in named}
    declared |= {("resource", t, n) for block in doc.get("resource", []) for t, named in block.items() for n in named}
    problems = []
    for text in _strings(doc):
        for expression in _expressions(text):
            for kind, first, second in REFERENCE.findall(expression):
                if kind == "var" or kind == "local":
                    key: tuple[str, ...] = (kind, first)
                elif kind == "data":
                    key = ("data", first, second)
                else:
                    key = ("resource", kind, first)
                if key not in declared:
                    label = ".".join(key[1:] if key[0] == "resource" else key)
                    problems.append(f"{label} in {text!r}")
    return sorted(set(problems))


@pytest.mark.parametrize("name", CASES)
def test_python_hcl2_parses_and_every_reference_is_declared(built: dict[str, Path], name: str) -> None:
    doc = parse(root_of(built, name))
    assert doc.get("resource")
    assert undeclared(doc) == []


def test_the_reference_walk_finds_an_undeclared_name() -> None:
    doc = {
        "variable": [{"a": {}}],
        "resource": [
            {"aws_x": {"y": {"v": ["${var.a}-${var.b}"], "w": ["${aws_x.y.id} ${aws_x.z.id} ${data.d.e.f}"]}}}
        ],
    }
    assert undeclared(doc) == [
        "aws_x.z in '${aws_x.y.id} ${aws_x.z.id} ${data.d.e.f}'",
        "data.d.e in '${aws_x.y.id} ${aws_x.z.id} ${data.d.e.f}'",
        "var.b in '${var.a}-${var.b}'",
    ]


# -- structural checks that Checkov does not make -----------------------------------------------

SECRETISH = re.compile(r"(token|password|secret_value|api_key|private_key)", re.I)
LEAKS = re.compile(r"random_password\.|secret_string|auth_token|\.password\b|master_password")


def structure_problems(root: Path) -> list[str]:
    doc = parse(root)
    problems = []
    for block in doc.get("terraform", []):
        for backend in block.get("backend", []):
            for s3 in [b["s3"] for b in [backend] if "s3" in b]:
                for attribute in ("encrypt", "use_lockfile"):
                    if scalar(s3.get(attribute)) is not True:
                        problems.append(f"backend s3: {attribute} is not true")
                if "dynamodb_table" in s3:
                    problems.append("backend s3: dynamodb_table is deprecated")
        for required in block.get("required_providers", []):
            for provider, spec in required.items():
                if provider.startswith("__"):
                    continue
                spec = scalar(spec)
                if not re.fullmatch(r"~> \d+\.\d+", str(scalar(spec.get("version")))) or "source" not in spec:
                    problems.append(f"provider {provider}: no source or pinned version")
        if "required_providers" in block and "required_version" not in block:
            problems.append("terraform: no required_version")
    variables = {n: v for block in doc.get("variable", []) for n, v in block.items()}
    for name, variable in variables.items():
        for attribute in ("type", "description"):
            if attribute not in variable:
                problems.append(f"variable {name}: no {attribute}")
        if SECRETISH.search(name) and scalar(variable.get("sensitive")) is not True:
            problems.append(f"variable {name}: carries a secret but is not sensitive")
    for block in doc.get("output", []):
        for name, output in block.items():
            if "description" not in output:
                problems.append(f"output {name}: no description")
            if LEAKS.search(str(output.get("value"))) or output.get("sensitive"):
                problems.append(f"output {name}: may carry a secret")
    documents = {n: d for block in doc.get("data", []) for n, d in block.get("aws_iam_policy_document", {}).items()}
    for block in doc.get("resource", []):
        for name, role in block.get("aws_iam_role", {}).items():
            trust = re.fullmatch(
                r"\$\{data\.aws_iam_policy_document\.(\w+)\.json\}", str(scalar(role["assume_role_policy"]))
            )
            if trust is None:
                problems.append(f"role {name}: trust policy is not a policy document")
                continue
            for statement in documents[trust.group(1)]["statement"]:
                conditions = [scalar(c["variable"]) for c in statement.get("condition", [])]
                principal = scalar(scalar(statement["principals"])["type"])
                if principal == "Federated" and not (
                    any(c.endswith(":sub") for c in conditions) and any(c.endswith(":aud") for c in conditions)
                ):
                    problems.append(f"role {name}: web identity trust without :sub and :aud conditions")
                if principal == "Service" and not conditions:
                    problems.append(f"role {name}: service trust without a condition")
    required = {n for n, v in variables.items() if "default" not in v}
    for tfvars in sorted(root.glob("env/*.tfvars")):
        values = load(tfvars)
        for key in sorted(set(values) - set(variables)):
            problems.append(f"{tfvars.name}: {key} is not a declared variable")
        for key in sorted(required - set(values)):
            problems.append(f"{tfvars.name}: required variable {key} is missing")
    return problems


@pytest.mark.parametrize("name", CASES)
def test_structure_that_checkov_does_not_check(built: dict[str, Path], name: str) -> None:
    assert structure_problems(root_of(built, name)) == []


def test_the_structural_checks_catch_what_they_look_for(tmp_path: Path) -> None:
    (tmp_path / "env").mkdir()
    (tmp_path / "main.tf").write_text(
        'terraform {\n  required_providers {\n    aws = {\n      source = "hashicorp/aws"\n    }\n  }\n'
        '  backend "s3" {\n    bucket = "b"\n    encrypt = false\n  }\n}\n'
        'variable "api_token" {\n  type = string\n}\n'
        'output "o" {\n  value = random_password.x.result\n}\n'
        'resource "aws_iam_role" "r" {\n  assume_role_policy = data.aws_iam_policy_document.t.json\n}\n'
        'data "aws_iam_policy_document" "t" {\n  statement {\n    principals {\n      type = "Federated"\n'
        '      identifiers = ["x"]\n    }\n  }\n}\n'
    )
    (tmp_path / "env" / "dev.tfvars").write_text("unknown = 1\n")
    problems = structure_problems(tmp_path)
    for expected in (
        "backend s3: encrypt is not true",
        "backend s3: use_lockfile is not true",
        "provider aws: no source or pinned version",
        "terraform: no required_version",
        "variable api_token: no description",
        "variable api_token: carries a secret but is not sensitive",
        "output o: may carry a secret",
        "role r: web identity trust without :sub and :aud conditions",
        "dev.tfvars: unknown is not a declared variable",
        "dev.tfvars: required variable api_token is missing",
    ):
        assert expected in problems


# -- Checkov -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def checkov_results(
    built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, str], dict[str, Any]]:
    """One Checkov run per example: with the defaults (the prod-like values) and with env/prod.tfvars,
    which also evaluates the checks that need the required variables (CKV2_AWS_56)."""
    binary = checkov()
    home = tmp_path_factory.mktemp("checkov-home")
    results = {}
    for name, root in built.items():
        for var_file in ("", *(str(p) for p in sorted(root.glob("env/*.tfvars")) if _prod_like(p))):
            command = [binary, "-d", str(root), "--framework", "terraform", "--skip-download", "-o", "json"]
            if var_file:
                command += ["--var-file", var_file]
            run = subprocess.run(offline(command), env=tool_env(home), capture_output=True, text=True)
            assert run.returncode in (0, 1), run.stderr[-2000:]
            data = json.loads(run.stdout)
            # An empty scan (Cloudflare only: Checkov has no Cloudflare checks) prints a bare summary.
            results[(name, Path(var_file).stem)] = data if isinstance(data, dict) else data[0]
    return results


def _prod_like(tfvars: Path) -> bool:
    return tfvars.stem in ("prod", "production")


@pytest.mark.parametrize("name", CASES)
def test_checkov_reports_no_failure_and_every_skip_has_a_reason(
    checkov_results: dict[tuple[str, str], dict[str, Any]], built: dict[str, Path], name: str
) -> None:
    root_of(built, name)
    runs = {key: value for key, value in checkov_results.items() if key[0] == name}
    assert runs
    for key, data in runs.items():
        results = data.get("results", {})
        failed = [(c["check_id"], c["resource"]) for c in results.get("failed_checks", [])]
        assert failed == [], key
        assert data.get("summary", {}).get("parsing_errors", 0) == 0
        for check in results.get("skipped_checks", []):
            assert (check["check_result"].get("suppress_comment") or "").strip(), check["check_id"]


def test_checkov_scans_the_managed_resources(
    checkov_results: dict[tuple[str, str], dict[str, Any]], built: dict[str, Path]
) -> None:
    root_of(built, "full")
    data = checkov_results[("full", "")]
    # A counted resource is scanned as `address[0]`, a for_each one as `address["key"]`.
    resources = {re.sub(r"\[.*\]$", "", c["resource"]) for c in data["results"]["passed_checks"]}
    for resource in (
        "aws_db_instance.ledger",
        "aws_db_instance.reports",
        "aws_elasticache_replication_group.sessions",
        "aws_mq_broker.jobs",
        "aws_s3_bucket.backups",
        "aws_secretsmanager_secret.api_key",
    ):
        assert resource in resources
    skipped = sorted({c["check_id"] for c in data["results"]["skipped_checks"]})
    assert skipped == ["CKV2_AWS_57", "CKV_AWS_144", "CKV_AWS_18", "CKV_AWS_209"]


# -- what is emitted -------------------------------------------------------------------------


def test_full_stack_maps_every_engine_and_toggles_what_only_prod_has(built: dict[str, Path]) -> None:
    root = root_of(built, "full")
    databases = (root / "databases.tf").read_text()
    for resource in (
        'aws_db_instance" "ledger"',
        'aws_db_instance" "reports"',
        'aws_elasticache_replication_group" "sessions"',
        'aws_mq_broker" "jobs"',
    ):
        assert resource in databases
    # ledger is managed in prod only: counted by a variable that dev.tfvars turns off.
    assert "count = var.ledger_managed ? 1 : 0" in databases
    assert re.search(r"^ledger_managed += false$", (root / "env" / "dev.tfvars").read_text(), re.M)
    assert 'family      = "mysql8.0"' in databases
    # Only the service that uses a database is admitted.
    assert 'toset(["api"])' in databases
    iam = (root / "iam.tf").read_text()
    assert "aws_db_instance.ledger[*].master_user_secret[0].secret_arn" in iam
    assert "system:serviceaccount:${var.namespace}:archive-backup" in iam
    assert '"${aws_s3_bucket.backups.arn}/archive/*"' in iam
    dns = (root / "dns.tf").read_text()
    assert 'resource "aws_route53_record" "edge"' in dns


def test_tunnel_stack_emits_dns_only(built: dict[str, Path]) -> None:
    root = root_of(built, "tunnel")
    names = sorted(p.name for p in root.glob("*.tf"))
    assert names == ["backend.tf", "dns.tf", "locals.tf", "outputs.tf", "providers.tf", "variables.tf", "versions.tf"]
    dns = (root / "dns.tf").read_text()
    assert 'resource "cloudflare_zero_trust_tunnel_cloudflared" "public"' in dns
    assert "cfargotunnel.com" in dns
    assert "proxied = true" in dns
    assert 'backend "local"' in (root / "backend.tf").read_text()


def test_shop_secrets_and_roles(built: dict[str, Path]) -> None:
    root = root_of(built, "shop")
    secrets = (root / "secrets.tf").read_text()
    # aws() secrets only: vault and env sources are not Terraform's.
    assert 'name                    = "shop/stripe"' in secrets
    assert "mongo" not in secrets
    assert "automatically_after_days = 90" in secrets
    assert "resources = [aws_secretsmanager_secret.stripe_key.arn]" in (root / "iam.tf").read_text()


def test_cloud_none_and_no_dns_emits_no_terraform_and_says_so(tmp_path: Path) -> None:
    for example in ("minimal", "multi-file"):
        files, diagnostics = build(REPO / "examples" / example / "platform.stack", tmp_path / example)
        assert files == {}
        assert [(d.code, d.severity) for d in diagnostics] == [("E0490", Severity.INFO)]
        assert "cloud = none" in diagnostics[0].message


def test_managed_mongodb_is_an_error(tmp_path: Path) -> None:
    stack = tmp_path / "platform.stack"
    stack.write_text(
        'stack s {\n  owner = "acme"\n  cloud = aws\n  region = "eu-west-1"\n}\n\n'
        'database docs {\n  engine  = mongodb\n  version = "7.0"\n  managed = true\n}\n'
    )
    compilation = compile_source(stack.read_bytes(), str(stack))
    context = BuildContext(compilation.models, list(compilation.models), stack.name)
    output = emit(context)
    assert [(d.code, d.severity) for d in output.diagnostics] == [("E0490", Severity.ERROR)]
    assert "mongodb" in output.diagnostics[0].message


@pytest.mark.parametrize("name", ["full", "shop"])
def test_output_is_deterministic(sources: dict[str, Path], name: str, tmp_path: Path) -> None:
    if name not in sources:
        pytest.skip(f"{name} is not available here")
    first, _ = build(sources[name], tmp_path / "a")
    second, _ = build(sources[name], tmp_path / "b")
    assert first == second


def test_the_cli_writes_the_same_files(tmp_path: Path) -> None:
    """`stackc build FILE -o DIR --target terraform` writes what the target emits, under terraform/."""
    stack = REPO / "examples" / "shop" / "platform.stack"
    stackc = shutil.which("stackc", path=str(REPO / ".venv" / "bin")) or shutil.which("stackc")
    if stackc is None:
        pytest.skip("the stackc command is not installed")
    run = subprocess.run(
        [stackc, "build", str(stack), "-o", str(tmp_path / "cli"), "--target", "terraform"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    files, _ = build(stack, tmp_path / "direct")
    written = {
        str(p.relative_to(tmp_path / "cli")): p.read_bytes() for p in (tmp_path / "cli").rglob("*") if p.is_file()
    }
    assert {path: data for path, data in written.items() if path.startswith("terraform/")} == files


def test_route53_only_stack_asks_for_the_region(built: dict[str, Path]) -> None:
    root = root_of(built, "route53-only")
    assert "region = var.aws_region" in (root / "providers.tf").read_text()
    assert re.search(r'^aws_region += "REPLACE-ME"', (root / "env" / "prod.tfvars").read_text(), re.M)
    assert sorted(p.name for p in root.glob("*.tf")) == [
        "backend.tf",
        "dns.tf",
        "locals.tf",
        "outputs.tf",
        "providers.tf",
        "variables.tf",
        "versions.tf",
    ]


def test_a_tunnel_without_cloudflare_dns_is_a_warning(tmp_path: Path) -> None:
    stack = tmp_path / "platform.stack"
    stack.write_text(ROUTE53_ONLY.replace("tls = letsencrypt(", "tunnel = cloudflare\n  tls = letsencrypt("))
    files, diagnostics = build(stack, tmp_path / "out")
    assert [(d.code, d.severity) for d in diagnostics] == [("E0490", Severity.WARNING)]
    assert "no tunnel is created" in diagnostics[0].message
    assert not any(b"cloudflare" in data for data in files.values())
