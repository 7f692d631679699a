"""ServiceMonitors (prometheus-operator) for services with `metrics`."""

from __future__ import annotations

from typing import Any

from stackc import ir
from stackc.targets.kubernetes import names
from stackc.targets.kubernetes.names import metadata, selector_labels

# Where prometheus-operator runs; the scrape is allowed from there by the NetworkPolicy.
MONITORING_NAMESPACE = "monitoring"


def metrics_port(service: ir.Service) -> int | None:
    metrics = service.metrics
    if metrics is None:
        return None
    if isinstance(metrics.port, int):
        return metrics.port
    primary = service.primary_port
    return primary[1] if primary else None


def emit_service_monitor(model: ir.EnvironmentModel, service: ir.Service) -> dict[str, Any] | None:
    port = metrics_port(service)
    if port is None or service.metrics is None:
        return None
    target = names.port_target(service, port)
    endpoint: dict[str, Any] = {"port": target} if isinstance(target, str) else {"targetPort": target}
    endpoint.update({"path": service.metrics.path, "interval": "30s", "scheme": "http"})
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": metadata(model, service.name, "service"),
        "spec": {"selector": {"matchLabels": selector_labels(service.name)}, "endpoints": [endpoint]},
    }
