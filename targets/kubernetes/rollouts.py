"""Progressive delivery with Argo Rollouts: `deploy.strategy = canary | blue_green`.

A Rollout replaces the Deployment (same pod template); an AnalysisTemplate asks Prometheus for
the service's availability SLO while the new version takes traffic, so a bad release aborts and
rolls back by itself (LANGUAGE.md §3 `deploy`). `rollback = false` leaves the analysis out.
"""

from __future__ import annotations

from typing import Any

from stackc import ir
from stackc.targets.kubernetes import names, services, workloads
from stackc.targets.kubernetes.names import metadata, selector_labels
from stackc.targets.prometheus.names import selector as promql_selector

ROLLOUTS_API = "argoproj.io/v1alpha1"
# prometheus-operator's default governing Service in the `monitoring` namespace.
PROMETHEUS_ADDRESS = "http://prometheus-operated.monitoring.svc:9090"


def availability_slo(service: ir.Service) -> ir.Slo | None:
    """The first SLO without `threshold`: an availability objective (LANGUAGE.md §3 `slo`)."""
    return next((slo for slo in service.slos.values() if slo.threshold is None), None)


def analysis_name(service: ir.Service) -> str:
    return f"{service.name}-availability"


def emit_analysis_template(model: ir.EnvironmentModel, service: ir.Service, slo: ir.Slo) -> dict[str, Any]:
    # The SLI recording rule the SLO alerts and dashboards read (prometheus/rules/*-slo.rules.yaml,
    # in the cluster the environment's PrometheusRule), so the canary is judged by the same number
    # as the service. It covers 5 minutes of the old and new pods' traffic together; a failing
    # canary raises it in proportion to its weight. No traffic yet is no evidence of failure:
    # no sample and NaN pass.
    selector = promql_selector(service=service.name, environment=model.name, slo=slo.name, slo_window="5m")
    query = f"max(slo:sli_error:ratio_rate5m{selector})"
    budget = names.decimal_text(1 - slo.objective.ratio)
    return {
        "apiVersion": ROLLOUTS_API,
        "kind": "AnalysisTemplate",
        "metadata": metadata(model, analysis_name(service), "service"),
        "spec": {
            "metrics": [
                {
                    "name": "availability",
                    "interval": "1m",
                    "failureLimit": 1,
                    "successCondition": f"len(result) == 0 || isNaN(result[0]) || result[0] <= {budget}",
                    "provider": {"prometheus": {"address": PROMETHEUS_ADDRESS, "query": query}},
                }
            ],
        },
    }


def _analysis(service: ir.Service) -> dict[str, Any]:
    return {"templates": [{"templateName": analysis_name(service)}]}


def emit_rollout(
    model: ir.EnvironmentModel,
    service: ir.Service,
    pod: workloads.Pod,
    replicas: int | None,
    annotations: dict[str, str],
) -> list[dict[str, Any]]:
    """The Rollout, its AnalysisTemplate and (blue/green) the preview Service."""
    deploy = service.deploy
    slo = availability_slo(service) if deploy.rollback else None
    objects: list[dict[str, Any]] = []
    strategy: dict[str, Any]
    if deploy.strategy == "canary":
        steps: list[dict[str, Any]] = []
        for step in deploy.steps:
            steps.append({"setWeight": int(step.value)})
            steps.append({"pause": {"duration": f"{names.seconds(deploy.pause)}s"}})
        canary: dict[str, Any] = {"maxSurge": 1, "maxUnavailable": 0, "steps": steps}
        if slo is not None:
            canary["analysis"] = _analysis(service)
        strategy = {"canary": canary}
    else:
        blue_green: dict[str, Any] = {
            "activeService": service.name,
            "previewService": names.preview(service.name),
            "autoPromotionEnabled": True,
            "scaleDownDelaySeconds": 30,
        }
        if slo is not None:
            blue_green["prePromotionAnalysis"] = _analysis(service)
        strategy = {"blueGreen": blue_green}
        preview = names.preview(service.name)
        objects.append(services.emit_service(model, service.name, "service", service.ports, service_name=preview))
    spec: dict[str, Any] = {}
    if replicas is not None:
        spec["replicas"] = replicas
    spec.update(
        {
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": selector_labels(service.name)},
            "template": workloads.emit_pod_template(model, pod),
            "strategy": strategy,
        }
    )
    objects.insert(
        0,
        {
            "apiVersion": ROLLOUTS_API,
            "kind": "Rollout",
            "metadata": metadata(model, service.name, "service", annotations),
            "spec": spec,
        },
    )
    if slo is not None:
        objects.append(emit_analysis_template(model, service, slo))
    return objects
