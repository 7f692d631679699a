"""`prometheus/<env>/prometheus.yml`: scrape jobs from `metrics`, the rule files, Alertmanager.

One file per environment: in Compose every environment is its own project with the same service
host names, so one Prometheus scrapes one environment and stamps `environment` on its targets.
The rule files are shared (their selectors name the environment), referenced relative to the
config file as Prometheus resolves them.
"""

from __future__ import annotations

from typing import Any

from stackc import ir

ALERTMANAGER = "alertmanager:9093"


def metrics_endpoint(service: ir.Service) -> tuple[str, int] | None:
    """(path, port) to scrape: `metrics`, or `/metrics` on the first port for a service with an SLO."""
    if service.metrics is None and not service.slos:
        return None
    path = service.metrics.path if service.metrics else "/metrics"
    port = service.metrics.port if service.metrics else None
    if isinstance(port, str):
        port = service.ports.get(port)
    if port is None:
        port = next(iter(service.ports.values()), None)
    return (path, port) if port is not None else None


def emit_prometheus_config(model: ir.EnvironmentModel, rule_files: list[str]) -> dict[str, Any]:
    jobs = []
    for service in model.services.values():
        endpoint = metrics_endpoint(service)
        if endpoint is None:
            continue
        path, port = endpoint
        jobs.append(
            {
                "job_name": service.name,
                "metrics_path": path,
                "static_configs": [
                    {
                        "targets": [f"{service.name}:{port}"],
                        # The labels every generated rule selects on (docs/observability.md).
                        "labels": {"service": service.name, "environment": model.name},
                    }
                ],
            }
        )
    return {
        "global": {"scrape_interval": "30s", "evaluation_interval": "30s"},
        "rule_files": [f"../rules/{name}" for name in rule_files],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [ALERTMANAGER]}]}]},
        "scrape_configs": jobs,
    }
