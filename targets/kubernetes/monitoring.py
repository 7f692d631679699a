"""ServiceMonitors (prometheus-operator) for the services Prometheus scrapes, and the SLO and
platform rules of an environment as PrometheusRule objects.

A service is scraped exactly when the Prometheus target scrapes it (`metrics`, or an `slo` at the
default endpoint: `stackc.targets.prometheus.config.metrics_endpoint`), so the rules find the same
series in Compose and in a cluster. The operator labels every target with `service` (the Service's
name, which is the stack service's); the ServiceMonitor adds `environment`, the other label every
generated rule selects on.
"""

from __future__ import annotations

from typing import Any

from stackc import ir
from stackc.targets.kubernetes import names
from stackc.targets.kubernetes.names import metadata, selector_labels
from stackc.targets.otel import sdk_environment
from stackc.targets.prometheus import platform, slo
from stackc.targets.prometheus.config import metrics_endpoint

# Where prometheus-operator runs; the scrape is allowed from there by the NetworkPolicy.
MONITORING_NAMESPACE = "monitoring"
MONITORING_API = "monitoring.coreos.com/v1"


# Where a cluster's trace backend takes spans (the Jaeger and Zipkin Helm charts' Services in
# `monitoring`): OTLP over HTTP for Jaeger 2, Zipkin's own JSON API for Zipkin.
TRACE_ENDPOINTS: dict[str, tuple[str, int]] = {
    "jaeger": ("http://jaeger-collector.monitoring.svc:4318", 4318),
    "zipkin": ("http://zipkin.monitoring.svc:9411/api/v2/spans", 9411),
}


def tracing_env(model: ir.EnvironmentModel, service: ir.Service) -> dict[str, str]:
    """The OpenTelemetry variables of a service in a traced environment, as Compose sets them
    (docs/compose.md), pointing at the cluster's backend; a variable the service sets wins."""
    traces = model.observability.traces if model.observability is not None else "none"
    if traces == "none":
        return {}
    variables = sdk_environment(service.name, model.name, traces, TRACE_ENDPOINTS[traces][0])
    return {k: v for k, v in variables.items() if k not in service.env}


def trace_port(model: ir.EnvironmentModel) -> int | None:
    """The port services send spans to in `monitoring`, when the environment is traced."""
    traces = model.observability.traces if model.observability is not None else "none"
    return TRACE_ENDPOINTS[traces][1] if traces != "none" else None


def metrics_port(service: ir.Service) -> int | None:
    endpoint = metrics_endpoint(service)
    return endpoint[1] if endpoint else None


def emit_service_monitor(model: ir.EnvironmentModel, service: ir.Service) -> dict[str, Any] | None:
    endpoint = metrics_endpoint(service)
    if endpoint is None:
        return None
    path, port = endpoint
    target = names.port_target(service, port)
    spec: dict[str, Any] = {"port": target} if isinstance(target, str) else {"targetPort": target}
    spec.update({"path": path, "interval": "30s", "scheme": "http"})
    spec["relabelings"] = [{"action": "replace", "targetLabel": "environment", "replacement": model.name}]
    return {
        "apiVersion": MONITORING_API,
        "kind": "ServiceMonitor",
        "metadata": metadata(model, service.name, "service"),
        "spec": {"selector": {"matchLabels": selector_labels(service.name)}, "endpoints": [spec]},
    }


def rule_name(model: ir.EnvironmentModel, kind: str) -> str:
    # Named per environment: every environment's rules differ (they select on it), so each is
    # its overlay's own resource rather than a base object patched everywhere.
    return f"{model.stack.name}-{model.name}-{kind}"


def emit_prometheus_rules(model: ir.EnvironmentModel) -> list[dict[str, Any]]:
    """The environment's SLO rules and its Kubernetes-flavoured platform rules: the same groups
    `prometheus/rules/` holds and promtool tests (prometheus/rules/*-platform-kubernetes.rules.yaml)."""
    objects = []
    only = {model.name: model}
    platform_groups = platform.groups(only, flavour="kubernetes")[0]
    for kind, groups in (("slo", slo.groups(only)[0]), ("platform", platform_groups)):
        if groups:
            objects.append(
                {
                    "apiVersion": MONITORING_API,
                    "kind": "PrometheusRule",
                    "metadata": metadata(model, rule_name(model, kind)),
                    "spec": {"groups": groups},
                }
            )
    return objects

