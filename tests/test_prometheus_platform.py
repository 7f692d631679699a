"""Platform alerts in both flavours (Compose exporters, Kubernetes cluster metrics), against promtool.

Every example with observability and the probe programs below are built with the prometheus
target: both flavours' rule files must pass `promtool check rules` and their generated unit tests
`promtool test rules`; every metric a Compose-flavour rule reads must come from a scrape job of
that environment's prometheus.yml; the names the Kubernetes flavour selects (claims,
Certificates, CronJobs, containers) must be the ones the Kubernetes target creates.

A validator that is missing fails the test when `CI=true` and skips it otherwise.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from building import build_target
from stackc import ir
from stackc.targets.prometheus import config, cron, platform, slo
from test_prometheus import alert_cases
from validators import require

ROOT = Path(__file__).resolve().parent.parent
SPEC_SHOP = ROOT.parent / "shared" / "spec" / "examples" / "shop.stack"

# Volumes, limits written and derived, a container database with a daily backup, an external one
# with a weekly and one with a monthly backup (Compose cannot dump external MySQL: Kubernetes only),
# a Let's Encrypt and a Cloudflare gateway, a custom namespace, and a service with no metrics.
PROBE_STACK = r"""
stack probe {
  owner = "acme"
  domain = "probe.example.com"
}

environment staging {
  replicas = 1
}
environment prod {
  replicas = 2
  namespace = "probe-live"
}

secret ext-pg { source = env("EXT_PG") }
secret ext-my { source = env("EXT_MY") }

database main {
  engine = postgres
  version = "16"
  resources { cpu = 500m  memory = 1Gi  cpu_limit = 2  memory_limit = 2Gi }
  backup { schedule = "0 3 * * *"  retain = 7d }
}

database reports {
  engine = postgres
  version = "16"
  external = secret.ext-pg
  backup { schedule = "30 2 * * 0"  retain = 30d }
  when prod { backup { schedule = "0 */6 * * *" } }
}

database legacy {
  engine = mysql
  version = "8.0"
  external = secret.ext-my
  backup { schedule = "0 4 1 * *" }
}

service api {
  image = "ghcr.io/acme/api:1.0.0"
  ports = { http = 8080 }
  resources { cpu = 250m  memory = 256Mi  cpu_limit = 1500m  memory_limit = 384Mi }
  uses = [database.main, database.reports, database.legacy]
  health { http = "/healthz" }
  slo availability { objective = 99.9% }
  slo latency { objective = 99%  threshold = 300ms }
}

service files {
  image = "ghcr.io/acme/files:1.0.0"
  ports = { http = 9000 }
  replicas = 1
  health { tcp = http }
  volume data { path = "/data"  size = 5Gi }
  volume cache { path = "/cache" }
}

service worker {
  image = "ghcr.io/acme/worker:1.0.0"
  resources { cpu = 125m  memory = 100Mi }
  health { command = ["true"] }
}

gateway edge {
  tls = letsencrypt("ops@example.com")
  route "/" { to = service.api }
}

gateway admin {
  host = "Admin.probe.example.com"
  tls = cloudflare()
  route "/" { to = service.files }
}

observability {
  notify email { to = "oncall@example.com"  severity = warning }
}
"""

# No gateway, volume or backup: only the exporters every environment needs.
BARE_STACK = """
stack bare {
  owner = "acme"
}

service api {
  image = "ghcr.io/acme/api:1.0.0"
  ports = { http = 8080 }
  slo availability { objective = 99.9% }
}

observability {
  notify email { to = "oncall@example.com"  severity = warning }
}
"""

Built = dict[str, tuple[Path, dict[str, ir.EnvironmentModel]]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    tmp = tmp_path_factory.mktemp("platform")
    found = [
        (p.parent.name, p)
        for p in sorted((ROOT / "examples").glob("*/platform.stack"))
        if "observability" in p.read_text()
    ]
    if SPEC_SHOP.is_file():
        # A copy: nothing is ever written into /work/shared.
        (tmp / "spec-shop").mkdir()
        shutil.copyfile(SPEC_SHOP, tmp / "spec-shop" / "shop.stack")
        found.append(("spec-shop", tmp / "spec-shop" / "shop.stack"))
    for name, text in (("probe", PROBE_STACK), ("bare", BARE_STACK)):
        (tmp / name).mkdir()
        (tmp / name / "platform.stack").write_text(text)
        found.append((name, tmp / name / "platform.stack"))
    out = {}
    for name, source in found:
        folder = tmp / "out" / name
        models, _ = build_target("prometheus", source, folder)
        out[name] = (folder, models)
    return out


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def stack_of(models: dict[str, ir.EnvironmentModel]) -> str:
    return next(iter(models.values())).stack.name


def run(*args: str, cwd: Path) -> str:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def rule_alerts(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """(group name, alerting rule) of a rule file."""
    return [(g["name"], r) for g in load(path)["groups"] for r in g["rules"] if "alert" in r]


# -- promtool ------------------------------------------------------------------------------------


def test_both_flavours_pass_promtool(built: Built) -> None:
    promtool = require("promtool")
    for name, (folder, models) in built.items():
        stack = stack_of(models)
        files = [f"prometheus/rules/{stack}-platform{s}.rules.yaml" for s in ("", "-kubernetes")]
        # `--lint=all` includes duplicate rules: two rules with one name and the same labels.
        run(promtool, "check", "rules", "--lint=all", "--lint-fatal", *files, cwd=folder)
        if name in ("probe", "bare"):
            # The examples' unit tests run in tests/test_prometheus.py (every test file there).
            tests = [f"prometheus/tests/{stack}-platform{s}.test.yaml" for s in ("", "-kubernetes")]
            assert "SUCCESS" in run(promtool, "test", "rules", *tests, cwd=folder)


def test_prometheus_config_with_exporter_jobs(built: Built) -> None:
    promtool = require("promtool")
    for folder, models in built.values():
        for env in models:
            run(promtool, "check", "config", str(folder / "prometheus" / env / "prometheus.yml"), cwd=folder)


# -- the metrics a rule reads are scraped ------------------------------------------------------


_METRIC = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{")


def test_every_metric_a_compose_rule_reads_is_scraped(built: Built) -> None:
    for folder, models in built.values():
        stack = stack_of(models)
        path = folder / "prometheus" / "rules" / f"{stack}-platform.rules.yaml"
        for env in models:
            jobs = config.job_metrics(load(folder / "prometheus" / env / "prometheus.yml"))
            for group, rule in rule_alerts(path):
                if rule["labels"]["environment"] != env:
                    continue
                metrics = _METRIC.findall(rule["expr"])
                assert metrics, rule["expr"]
                for metric in metrics:
                    sources = [job for job, prefixes in jobs.items() if metric.startswith(prefixes)]
                    assert sources, f"{env} {group} {rule['alert']}: no scrape job yields {metric}"
                    # A rule that selects a job reads that job's series.
                    job = re.search(rf'{metric}\{{[^}}]*job="([^"]+)"', rule["expr"])
                    if job:
                        assert job.group(1) in {*jobs, config.BACKUP_PUSH_JOB}, rule["expr"]


def test_exporters_follow_what_the_rules_need(built: Built) -> None:
    bare = built["bare"][1]["default"]
    assert config.exporters(bare) == {"prometheus", "alertmanager", "cadvisor"}
    for env, model in built["probe"][1].items():
        assert config.exporters(model) == set(config.EXPORTERS), env
        jobs = {
            j["job_name"]: j for j in load(built["probe"][0] / "prometheus" / env / "prometheus.yml")["scrape_configs"]
        }
        assert set(config.EXPORTERS) <= set(jobs)
        for name in config.EXPORTERS:
            labels = [c["labels"] for c in jobs[name]["static_configs"]]
            assert all(label["environment"] == env for label in labels)
        blackbox = jobs["blackbox"]
        targets = {c["targets"][0]: c["labels"]["service"] for c in blackbox["static_configs"]}
        domain = "probe.example.com" if env == "prod" else f"{env}.probe.example.com"
        assert targets == {f"https://{domain}": "edge", "https://admin.probe.example.com": "admin"}
        assert blackbox["params"] == {"module": ["http_2xx"]}
        assert jobs["pushgateway"]["honor_labels"] is True
        keep = jobs["cadvisor"]["metric_relabel_configs"][0]
        assert keep["action"] == "keep" and keep["regex"] == "probe"
    # The bare stack's config has no job for an exporter it does not need.
    jobs = {j["job_name"] for j in load(built["bare"][0] / "prometheus/default/prometheus.yml")["scrape_configs"]}
    assert jobs == {"api", "prometheus", "alertmanager", "cadvisor"}


# -- every alert ----------------------------------------------------------------------------------


EXPECTED_SEVERITY = {
    "TargetDown": "warning",
    "HighErrorRate": "warning",
    "HighLatencyP95": "warning",
    "ContainerRestarting": "warning",
    "ContainerCpuNearLimit": "warning",
    "ContainerMemoryNearLimit": "warning",
    "VolumeFillingUp": "critical",
    "TlsCertificateExpiring": "warning",
    "TlsCertificateExpiryImminent": "critical",
    "GatewayProbeFailed": "warning",
    "BackupTooOld": "warning",
}


def test_every_alert_is_labelled_annotated_documented_and_tested(built: Built) -> None:
    for folder, models in built.values():
        stack = stack_of(models)
        for suffix in ("", "-kubernetes"):
            path = folder / "prometheus" / "rules" / f"{stack}-platform{suffix}.rules.yaml"
            tests = load(folder / "prometheus" / "tests" / f"{stack}-platform{suffix}.test.yaml")["tests"]
            fired, quiet = alert_cases(tests)
            for group, rule in rule_alerts(path):
                name, labels = rule["alert"], rule["labels"]
                assert re.fullmatch(r"[A-Z][A-Za-z0-9]*", name)
                assert labels["severity"] == EXPECTED_SEVERITY[name]
                assert group.startswith(f"platform-{labels['environment']}-")
                assert set(rule["annotations"]) == {"summary", "description", "runbook_url"}
                assert (folder / rule["annotations"]["runbook_url"]).is_file()
                assert (name, labels["service"], labels["environment"]) in fired, (suffix, group, name)
                assert name in quiet
    # Every case of every rule: one that fires it, one that must not.
    for _, models in built.values():
        for flavour in platform.FLAVOURS:
            for model in models.values():
                for rules in platform.rules(model, flavour).values():
                    for rule in rules:
                        assert any(c.fires for c in rule.cases) and any(not c.fires for c in rule.cases)


def alerts_of(models: dict[str, ir.EnvironmentModel], flavour: platform.Flavour) -> set[tuple[str, str, str]]:
    _, alerts = platform.groups(models, flavour)
    return {(a.name, a.service, a.environment) for a in alerts}


def test_probe_alerts_per_flavour(built: Built) -> None:
    _, models = built["probe"]
    compose, kubernetes = alerts_of(models, "compose"), alerts_of(models, "kubernetes")
    for env in ("staging", "prod"):
        for name in ("api", "files", "worker", "main"):
            for alert in ("ContainerRestarting", "ContainerCpuNearLimit", "ContainerMemoryNearLimit"):
                assert (alert, name, env) in compose and (alert, name, env) in kubernetes
        # Compose: one disk; Kubernetes: per owner of claims.
        assert {a for a in compose if a[0] == "VolumeFillingUp" and a[2] == env} == {("VolumeFillingUp", "host", env)}
        assert {a[1] for a in kubernetes if a[0] == "VolumeFillingUp" and a[2] == env} == {
            "files",
            "main",
            "reports",
            "legacy",
        }
        # Compose probes both TLS gateways; cert-manager only issues the Let's Encrypt one.
        assert {a[1] for a in compose if a[0] == "TlsCertificateExpiring" and a[2] == env} == {"edge", "admin"}
        assert {a[1] for a in compose if a[0] == "GatewayProbeFailed" and a[2] == env} == {"edge", "admin"}
        assert {a[1] for a in kubernetes if a[0] == "TlsCertificateExpiryImminent" and a[2] == env} == {"edge"}
        # The Compose job cannot dump an external MySQL; the CronJob can.
        assert {a[1] for a in compose if a[0] == "BackupTooOld" and a[2] == env} == {"main", "reports"}
        assert {a[1] for a in kubernetes if a[0] == "BackupTooOld" and a[2] == env} == {"main", "reports", "legacy"}


def test_thresholds_come_from_the_stack_file(built: Built) -> None:
    folder, _ = built["probe"]
    rules = {(g, r["alert"]): r for g, r in rule_alerts(folder / "prometheus/rules/probe-platform.rules.yaml")}
    # api: cpu_limit 1500m, memory_limit 384Mi; worker: derived 4 × 125m and 100Mi.
    assert rules[("platform-prod-api", "ContainerCpuNearLimit")]["expr"].endswith("[5m]) > 1.35")
    assert rules[("platform-prod-api", "ContainerMemoryNearLimit")]["expr"].endswith(f"> {384 * 1024**2 * 0.9:.1f}")
    assert rules[("platform-prod-worker", "ContainerCpuNearLimit")]["expr"].endswith("[5m]) > 0.45")
    assert rules[("platform-prod-worker", "ContainerMemoryNearLimit")]["expr"].endswith(f"> {100 * 1024**2 * 0.9:.0f}")
    # Daily: 24h + 2h; weekly 7d + 2h in staging, every 6h (+ 2h) in prod.
    assert rules[("platform-staging-main", "BackupTooOld")]["expr"].endswith("> 93600")
    assert rules[("platform-staging-reports", "BackupTooOld")]["expr"].endswith(f"> {7 * 86400 + 7200}")
    assert rules[("platform-prod-reports", "BackupTooOld")]["expr"].endswith(f"> {8 * 3600}")
    kube = {
        (g, r["alert"]): r for g, r in rule_alerts(folder / "prometheus/rules/probe-platform-kubernetes.rules.yaml")
    }
    # Monthly on the 1st: the longest month, 31 days.
    assert kube[("platform-prod-legacy", "BackupTooOld")]["expr"].endswith(f"> {31 * 86400 + 7200}")
    assert 'namespace="probe-live"' in kube[("platform-prod-api", "ContainerRestarting")]["expr"]


def test_kubernetes_flavour_selects_what_the_kubernetes_target_creates(built: Built, tmp_path: Path) -> None:
    source = tmp_path / "probe" / "platform.stack"
    source.parent.mkdir()
    source.write_text(PROBE_STACK)
    _, files = build_target("kubernetes", source, tmp_path / "out")
    objects = [
        doc
        for path, data in files.items()
        if path.startswith("kubernetes/base/") and path.endswith(".yaml")
        for doc in yaml.safe_load_all(data)
        if isinstance(doc, dict)
    ]
    # A StatefulSet's first claim from template `t`: `t-<statefulset>-0`.
    claims = {
        f"{t['metadata']['name']}-{o['metadata']['name']}-0"
        for o in objects
        if o["kind"] == "StatefulSet"
        for t in o["spec"].get("volumeClaimTemplates", [])
    }
    claims |= {o["metadata"]["name"] for o in objects if o["kind"] == "PersistentVolumeClaim"}
    cron_jobs = {o["metadata"]["name"] for o in objects if o["kind"] == "CronJob"}
    containers = {
        c["name"]
        for o in objects
        if o["kind"] in ("Deployment", "StatefulSet")
        for c in o["spec"]["template"]["spec"]["containers"]
    }
    secrets = {
        t["secretName"]
        for o in objects
        if o["kind"] == "Ingress" and "cert-manager.io/cluster-issuer" in o["metadata"].get("annotations", {})
        for t in o["spec"].get("tls", [])
    }
    model = built["probe"][1]["staging"]
    patterns = [p for _, p, _ in platform.kubernetes_claims(model)]
    assert {c for _, _, c in platform.kubernetes_claims(model)} == claims
    for claim in claims:
        assert any(re.fullmatch(p, claim) for p in patterns), claim
    assert {f"{b.name}-backup" for b in platform.backed_up(model, "kubernetes")} == cron_jobs
    assert set(platform.kubernetes_certificates(model).values()) == secrets
    assert {*model.services, "main"} <= containers


def test_compose_backup_jobs_push_what_the_alerts_read(tmp_path: Path) -> None:
    source = tmp_path / "probe" / "platform.stack"
    source.parent.mkdir()
    source.write_text(PROBE_STACK)
    models, files = build_target("compose", source, tmp_path / "out")
    compose = yaml.safe_load(files["compose/compose.yaml"])
    jobs = {name.removesuffix("-backup") for name in compose["services"] if name.endswith("-backup")}
    for model in models.values():
        assert {b.name for b in platform.backed_up(model, "compose")} == jobs
    text = files["compose/compose.yaml"].decode()
    assert config.BACKUP_METRIC in text
    assert f"/metrics/job/{config.BACKUP_PUSH_JOB}/database/" in text


def test_one_environment_at_a_time(built: Built) -> None:
    _, models = built["probe"]
    for flavour in platform.FLAVOURS:
        together, _ = platform.groups(models, flavour)
        apart = [g for env, model in models.items() for g in platform.groups({env: model}, flavour)[0]]
        assert together == apart
        for env, model in models.items():
            groups, _ = platform.groups({env: model}, flavour)
            assert groups and all(g["name"].startswith(f"platform-{env}-") for g in groups)
            assert len({g["name"] for g in groups}) == len(groups)
        groups, _ = slo.groups({"prod": models["prod"]})
        assert all(g["name"].startswith("slo-prod-") for g in groups)


def test_annotations_render_as_written(built: Built, tmp_path: Path) -> None:
    """Prometheus annotations are Go templates: user text (a host name) must come out unchanged.
    The promtool tests compare the rendered annotations with `Alert.annotations`, the raw text."""
    folder, models = built["probe"]
    rules = {
        (r["alert"], r["labels"]["service"], r["labels"]["environment"]): r
        for _, r in rule_alerts(folder / "prometheus/rules/probe-platform.rules.yaml")
    }
    _, alerts = platform.groups(models)
    for alert in alerts:
        rule = rules[(alert.name, alert.service, alert.environment)]
        assert rule["labels"] == alert.labels
        assert rule["annotations"] == alert.annotations
    assert "admin.probe.example.com" in rules[("TlsCertificateExpiring", "admin", "prod")]["annotations"]["summary"]
    # A host the language does not restrict, with a template action, a quote and a `$`.
    source = tmp_path / "odd" / "platform.stack"
    source.parent.mkdir()
    source.write_text(PROBE_STACK.replace('"Admin.probe.example.com"', r'"adm{{ .x }}\"$x.example.com"'))
    out = tmp_path / "out"
    models, _ = build_target("prometheus", source, out)
    summaries = [a.summary for a in platform.groups(models)[1] if a.name == "TlsCertificateExpiring"]
    assert any('adm{{ .x }}"$x.example.com' in s for s in summaries)
    promtool = require("promtool")
    assert "SUCCESS" in run(promtool, "test", "rules", str(out / "prometheus/tests/probe-platform.test.yaml"), cwd=out)


# -- cron -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "hours"),
    [
        ("0 3 * * *", 24),
        ("30 2 * * 0", 168),
        ("30 2 * * 7", 168),
        ("0 3 * * sun", 168),
        ("@weekly", 168),
        ("@daily", 24),
        ("0 */6 * * *", 6),
        ("*/15 * * * *", 0.25),
        ("0 0,12 * * *", 12),
        ("0 3 1 * *", 744),
        ("0 3 * * 1-5", 72),
        ("0 3 1 * 1", 168),
        ("0 3 29 2 *", 4 * 8766),
        ("0 9-17/4 * * *", 16),
    ],
)
def test_longest_gap(schedule: str, hours: float) -> None:
    assert cron.longest_gap(schedule) == hours * 3600


@pytest.mark.parametrize("schedule", ["", "daily", "0 3 * *", "61 3 * * *", "0 3 31 2 *", "0 3 * * 8", "*/0 * * * *"])
def test_not_a_schedule(schedule: str) -> None:
    assert cron.longest_gap(schedule) is None


def test_a_service_named_like_an_exporter_job_is_reported_not_duplicated() -> None:
    from stackc.frontend import compile_source
    from stackc.targets import BuildContext
    from stackc.targets.prometheus import emit

    source = b"""
stack clash {
  owner = "acme"
}
environment prod {}
service cadvisor {
  image = "ghcr.io/acme/cadvisor:1.0.0"
  ports = { http = 8080 }
  metrics { path = "/metrics" }
}
observability { metrics = prometheus }
"""
    compilation = compile_source(source, "platform.stack")
    assert not compilation.has_errors
    output = emit(BuildContext(compilation.models, list(compilation.models), "platform.stack"))
    (clash,) = [d for d in output.diagnostics if d.code == "E0492"]
    assert clash.is_error and "`cadvisor` scrape job" in clash.message
    assert clash.span is not None and clash.span.line == 6
