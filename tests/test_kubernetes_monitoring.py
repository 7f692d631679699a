"""The cluster's monitoring objects agree with the Prometheus target (issue 9, consistency).

For every example with observability and a probe program: each environment's overlay carries its
SLO and platform rules as PrometheusRule objects that promtool accepts and that equal the rule
groups the Prometheus target writes for that environment; a ServiceMonitor stamps `environment` on
every service the Compose Prometheus scrapes; the canary analysis reads the SLI recording rule the
SLO rules define; `kubernetes/monitoring/` renders with kustomize, and its Alertmanager Secret is
`alertmanager/alertmanager.yml` with the credential paths where the operator mounts them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from building import build_target
from stackc import ir
from stackc.targets import TARGETS
from stackc.targets.kubernetes import alerting
from stackc.targets.prometheus import slo
from stackc.targets.prometheus.config import metrics_endpoint
from stackc.targets.prometheus.names import SECRETS_DIR
from validators import require

ROOT = Path(__file__).resolve().parent.parent
SPEC_SHOP = ROOT.parent / "shared" / "spec" / "examples" / "shop.stack"

PROBE_STACK = r"""
stack probe {
  owner = "acme"
}

environment staging {}
environment prod { approval = true }

secret pd-key { source = vault("ops/pagerduty", key = "routing") }
secret slack-hook { source = env("SLACK_HOOK") }

service api {
  image = "ghcr.io/acme/api:1.0.0"
  ports = { http = 8080 }
  deploy { strategy = canary  steps = [25%]  pause = 1m }
  slo availability { objective = 99.5%  window = 28d }
  slo latency { objective = 99%  threshold = 300ms }
}

service worker {
  image = "ghcr.io/acme/worker:1.0.0"
  ports = { http = 8081, metrics = 9100 }
  metrics { path = "/stats"  port = metrics }
}

observability {
  notify pagerduty { key = secret.pd-key  severity = critical }
  notify slack { webhook = secret.slack-hook  channel = "#ops \"x\""  severity = warning }
}
"""


def _sources(tmp: Path) -> list[tuple[str, Path]]:
    sources = [(p.parent.name, p) for p in sorted((ROOT / "examples").glob("*/platform.stack"))]
    if SPEC_SHOP.exists():
        copy = tmp / "spec-shop" / "shop.stack"
        copy.parent.mkdir()
        shutil.copy(SPEC_SHOP, copy)
        sources.append(("spec-shop", copy))
    probe = tmp / "probe" / "platform.stack"
    probe.parent.mkdir()
    probe.write_text(PROBE_STACK)
    sources.append(("probe", probe))
    return sources


class Built:
    def __init__(self, models: dict[str, ir.EnvironmentModel], out: Path) -> None:
        self.models = models
        self.out = out
        self.rendered: dict[str, list[dict[str, Any]]] = {}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    kubectl = require("kubectl")
    tmp = tmp_path_factory.mktemp("k8s-monitoring")
    result = {}
    for name, source in _sources(tmp):
        out = tmp / "out" / name
        models, _ = build_target("kubernetes", source, out)
        if not any(m.observability and m.observability.metrics == "prometheus" for m in models.values()):
            continue
        build_target("prometheus", source, out)
        if "grafana" in TARGETS:
            build_target("grafana", source, out)
        item = Built(models, out)
        for env in models:
            overlay = out / "kubernetes" / "overlays" / env
            proc = subprocess.run([kubectl, "kustomize", str(overlay)], capture_output=True, text=True, timeout=120)
            assert proc.returncode == 0, proc.stderr
            item.rendered[env] = [d for d in yaml.safe_load_all(proc.stdout) if d]
        result[name] = item
    assert "probe" in result and "shop" in result
    return result


def _of_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def test_prometheus_rules_are_the_environments_rules_and_promtool_accepts_them(
    built: dict[str, Built], tmp_path: Path
) -> None:
    promtool = require("promtool")
    for name, item in built.items():
        stack = next(iter(item.models.values())).stack.name
        written = []
        for kind in ("slo", "platform-kubernetes"):
            rules_path = item.out / "prometheus" / "rules" / f"{stack}-{kind}.rules.yaml"
            written += yaml.safe_load(rules_path.read_text())["groups"] if rules_path.exists() else []
        for env, objects in item.rendered.items():
            rules = _of_kind(objects, "PrometheusRule")
            assert rules, f"{name}/{env}: no PrometheusRule"
            groups = [g for r in rules for g in r["spec"]["groups"]]
            assert all(r["metadata"]["namespace"] == item.models[env].environment.namespace for r in rules)
            # The groups are exactly the ones the Prometheus target writes (and promtool tests)
            # for this environment: its SLO rules and the Kubernetes flavour of the platform rules.
            theirs = [g for g in written if g["name"].startswith((f"slo-{env}-", f"platform-{env}-"))]
            assert sorted(groups, key=lambda g: g["name"]) == sorted(theirs, key=lambda g: g["name"]), f"{name}/{env}"
            assert any(g["name"].startswith("platform-") for g in groups)
            rules_file = tmp_path / f"{name}-{env}.rules.yaml"
            rules_file.write_text(yaml.safe_dump({"groups": groups}))
            proc = subprocess.run([promtool, "check", "rules", str(rules_file)], capture_output=True, text=True)
            assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_scraped_service_has_a_service_monitor_stamping_its_environment(built: dict[str, Built]) -> None:
    for name, item in built.items():
        for env, objects in item.rendered.items():
            monitors = {m["metadata"]["name"]: m for m in _of_kind(objects, "ServiceMonitor")}
            scraped = {s.name for s in item.models[env].services.values() if metrics_endpoint(s)}
            assert set(monitors) == scraped, f"{name}/{env}"
            for monitor in monitors.values():
                (endpoint,) = monitor["spec"]["endpoints"]
                stamp = {"action": "replace", "targetLabel": "environment", "replacement": env}
                assert stamp in endpoint["relabelings"]


def test_canary_analysis_reads_the_sli_recording_rule(built: dict[str, Built]) -> None:
    checked = 0
    for item in built.values():
        for env, objects in item.rendered.items():
            records = {
                (r["record"], tuple(sorted(r["labels"].items())))
                for g in slo.groups({env: item.models[env]})[0]
                for r in g["rules"]
                if "record" in r
            }
            for template in _of_kind(objects, "AnalysisTemplate"):
                query = template["spec"]["metrics"][0]["provider"]["prometheus"]["query"]
                match = re.fullmatch(r"max\((slo:sli_error:ratio_rate5m)\{(.*)\}\)", query)
                assert match, query
                labels = tuple(sorted(re.findall(r'(\w+)="([^"]*)"', match.group(2))))
                assert (match.group(1), labels) in records, query
                assert ("environment", env) in labels
                checked += 1
    assert checked >= 2


def test_monitoring_folder_renders_with_the_same_alertmanager_config(built: dict[str, Built], tmp_path: Path) -> None:
    kubectl, amtool = require("kubectl"), require("amtool")
    for name, item in built.items():
        folder = item.out / "kubernetes" / "monitoring"
        proc = subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        objects = [d for d in yaml.safe_load_all(proc.stdout) if d]
        assert all(o["metadata"]["namespace"] == "monitoring" for o in objects)
        stack = next(iter(item.models.values())).stack.name
        (secret,) = [o for o in objects if o["kind"] == "Secret"]
        assert secret["metadata"]["name"] == alerting.config_secret_name(stack)
        text = secret["stringData"][alerting.CONFIG_KEY]
        config = yaml.safe_load(text)
        written = yaml.safe_load((item.out / "alertmanager" / "alertmanager.yml").read_text())

        assert config == _moved(written, stack), name
        (tmp_path / f"{name}.yml").write_text(text)
        proc = subprocess.run([amtool, "check-config", str(tmp_path / f"{name}.yml")], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        if "grafana" in TARGETS and (item.out / "grafana" / "dashboards").is_dir():
            maps = [o for o in objects if o["kind"] == "ConfigMap"]
            files = {p.name for p in (item.out / "grafana" / "dashboards").glob("*.json")}
            assert {k for m in maps for k in m["data"]} == files
            assert all(m["metadata"]["labels"][alerting.DASHBOARD_LABEL] == "1" for m in maps)


def _moved(value: Any, stack: str) -> Any:
    """`value` with each secret file path where the operator mounts its Secret."""
    if isinstance(value, dict):
        return {k: _moved(v, stack) for k, v in value.items()}
    if isinstance(value, list):
        return [_moved(v, stack) for v in value]
    if isinstance(value, str) and value.startswith(SECRETS_DIR + "/"):
        secret_name = value.removeprefix(SECRETS_DIR + "/")
        return f"{SECRETS_DIR}/{alerting.credential_secret_name(stack, secret_name)}/value"
    return value


def test_vault_notify_credentials_are_copied_into_the_monitoring_namespace(built: dict[str, Built]) -> None:
    folder = built["probe"].out / "kubernetes" / "monitoring"
    objects = [yaml.safe_load(p.read_text()) for p in folder.glob("externalsecret-*.yaml")]
    # The vault secret is fetched by external-secrets; the env() one is the pipeline's to create.
    assert [o["spec"]["target"]["name"] for o in objects] == ["probe-notify-pd-key"]
    assert objects[0]["spec"]["data"][0]["remoteRef"] == {"key": "ops/pagerduty", "property": "routing"}


def test_monitoring_folder_validates_and_checkov_finds_nothing(built: dict[str, Built], tmp_path: Path) -> None:
    kubectl, validate, checkov = require("kubectl"), require("kubernetes-validate"), require("checkov")
    for name, item in built.items():
        folder = item.out / "kubernetes" / "monitoring"
        proc = subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        (tmp_path / f"{name}.yaml").write_text(proc.stdout)
        version = next(iter(item.models.values())).stack.kubernetes
        # ExternalSecrets have no schema here; the core kinds (Secret, ConfigMap) are strict.
        core = tmp_path / f"{name}-core.yaml"
        core.write_text(
            yaml.safe_dump_all([d for d in yaml.safe_load_all(proc.stdout) if d and d["kind"] != "ExternalSecret"])
        )
        proc = subprocess.run([validate, "--strict", "-k", version, str(core)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = subprocess.run(
        [checkov, "-d", str(tmp_path), "--framework", "kubernetes", "--skip-download", "--quiet", "--compact"],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_PARALLELIZATION_TYPE": "none"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


TRACED = """
stack traced {
  owner = "acme"
}
environment prod {}
service api {
  image = "ghcr.io/acme/api:1.0.0"
  ports = { http = 8080 }
  env   = { OTEL_SERVICE_NAME = "checkout" }
}
service worker {
  image = "ghcr.io/acme/worker:1.0.0"
}
observability { traces = TRACES }
"""


@pytest.mark.parametrize(
    ("traces", "expected"),
    [
        ("jaeger", {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger-collector.monitoring.svc:4318"}),
        (
            "zipkin",
            {
                "OTEL_TRACES_EXPORTER": "zipkin",
                "OTEL_EXPORTER_ZIPKIN_ENDPOINT": "http://zipkin.monitoring.svc:9411/api/v2/spans",
            },
        ),
        ("none", {}),
    ],
)
def test_traced_services_send_spans_to_the_cluster_backend(traces: str, expected: dict[str, str]) -> None:
    """As in Compose: the OpenTelemetry variables (a service's own setting wins), and the egress
    to the backend's namespace that the default deny would otherwise block."""
    from stackc.frontend import compile_source
    from stackc.targets.kubernetes import environment_objects, monitoring

    compilation = compile_source(TRACED.replace("TRACES", traces).encode(), "platform.stack")
    assert not compilation.has_errors
    model = compilation.models["prod"]
    objects = environment_objects(model)
    for name in ("api", "worker"):
        (deployment,) = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == name]
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        variables = {e["name"]: e.get("value") for e in container.get("env", []) if e["name"].startswith("OTEL_")}
        if traces == "none":
            assert variables == {}
            continue
        assert expected.items() <= variables.items()
        assert variables["OTEL_RESOURCE_ATTRIBUTES"] == "deployment.environment=prod"
        # api names itself in `env` (its ConfigMap): the generated variable steps aside.
        assert variables.get("OTEL_SERVICE_NAME") == (None if name == "api" else name)
        (policy,) = [o for o in objects if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == name]
        port = monitoring.TRACE_ENDPOINTS[traces][1]
        to_monitoring = {
            "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}],
            "ports": [{"port": port, "protocol": "TCP"}],
        }
        assert to_monitoring in policy["spec"]["egress"]
