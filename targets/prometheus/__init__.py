"""Prometheus and Alertmanager target (issue 9; docs/observability.md).

Output, relative to the output folder:
- `prometheus/rules/<stack>-slo.rules.yaml`: every environment's SLO rules (selectors name it);
- `prometheus/rules/<stack>-platform.rules.yaml`: platform alerts on the metrics the Compose
  monitoring stack collects (service endpoints, cAdvisor, node-exporter, blackbox, Pushgateway);
- `prometheus/rules/<stack>-platform-kubernetes.rules.yaml`: the same alerts on a
  kube-prometheus-stack cluster's metrics, for the Kubernetes target's PrometheusRules;
- `prometheus/tests/<stack>-{slo,platform,platform-kubernetes}.test.yaml`: promtool unit tests
  for every alert;
- `prometheus/<env>/prometheus.yml` per selected environment;
- `alertmanager/alertmanager.yml`: one routing tree, a sub-tree per environment;
- `prometheus/runbooks/<Alert>.md`: a page per alert (its `runbook_url`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stackc import ir
from stackc.diagnostics import Diagnostic, Severity, merge_environments
from stackc.targets import BuildContext, Document, TargetOutput
from stackc.targets.prometheus import platform, slo
from stackc.targets.prometheus.alertmanager import emit_alertmanager
from stackc.targets.prometheus.config import emit_prometheus_config, exporters, metrics_endpoint
from stackc.targets.prometheus.runbooks import runbook

# What `slo.groups` and `platform.groups` return: rule groups, and the alerts they define.
Rules = tuple[list[dict[str, Any]], list[slo.Alert]]


def emit(context: BuildContext) -> TargetOutput:
    models = {env: m for env, m in context.models.items() if m.monitored}
    if not models:
        return TargetOutput()
    stack = next(iter(models.values())).stack.name
    documents: list[Document] = []
    alerts: list[slo.Alert] = []
    # Rule files the Compose Prometheus loads; the Kubernetes flavour is only tested here.
    rule_files: list[str] = []
    files: list[tuple[str, Rules, Callable[[], list[dict[str, Any]]], bool]] = [
        ("slo", slo.groups(models), lambda: slo.tests(models), True),
        ("platform", platform.groups(models), lambda: platform.tests(models), True),
        (
            "platform-kubernetes",
            platform.groups(models, flavour="kubernetes"),
            lambda: platform.tests(models, flavour="kubernetes"),
            False,
        ),
    ]
    for kind, (groups, defined), tests, loaded in files:
        if not groups:
            continue
        alerts.extend(defined)
        rules_name = f"{stack}-{kind}.rules.yaml"
        if loaded:
            rule_files.append(rules_name)
        documents.append(Document(f"prometheus/rules/{rules_name}", {"groups": groups}))
        # Paths in a test file are relative to it, as promtool resolves them.
        test = {"rule_files": [f"../rules/{rules_name}"], "evaluation_interval": "1m", "tests": tests()}
        documents.append(Document(f"prometheus/tests/{stack}-{kind}.test.yaml", test))
    for env in context.selected:
        if env in models:
            config = emit_prometheus_config(models[env], rule_files)
            documents.append(Document(f"prometheus/{env}/prometheus.yml", config))
    alertmanager, diagnostics = emit_alertmanager(models)
    documents.append(Document("alertmanager/alertmanager.yml", alertmanager))
    # Alerts share a name across environments: one page each, whatever the environment.
    seen: dict[str, slo.Alert] = {}
    for alert in alerts:
        seen.setdefault(alert.name, alert)
    for name in sorted(seen):
        documents.append(Document(f"prometheus/runbooks/{name}.md", runbook(seen[name]), "text", ""))
    diagnostics.extend(job_collisions(models))
    return TargetOutput(documents, merge_environments(diagnostics, list(context.models)))


def job_collisions(models: dict[str, ir.EnvironmentModel]) -> list[Diagnostic]:
    """A scraped service named like an exporter job: prometheus.yml would have two jobs of that
    name (Prometheus refuses it) and one `up{service=…}` for two different things."""
    found = []
    for env, model in models.items():
        jobs = exporters(model)
        for service in model.services.values():
            if service.name in jobs and metrics_endpoint(service) is not None:
                found.append(
                    Diagnostic(
                        "E0492",
                        Severity.ERROR,
                        f"service `{service.name}` has the name of the `{service.name}` scrape job in prometheus.yml",
                        service.span,
                        help="rename the service",
                        environments=(env,),
                    )
                )
    return found

