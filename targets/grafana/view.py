"""The stack as the dashboards see it: every environment with Grafana dashboards, united.

Dashboards are environment-agnostic (an `$environment` variable picks one), so a service, a scrape
job or an SLO that exists in any of those environments gets its panels.
"""

from __future__ import annotations

from dataclasses import dataclass

from stackc import ir
from stackc.targets.grafana import datasources
from stackc.targets.grafana.datasources import Backends
from stackc.targets.prometheus import platform
from stackc.targets.prometheus.config import metrics_endpoint


@dataclass(frozen=True)
class View:
    stack: str
    backends: Backends
    # Every service, in declaration order (first environment that declares it wins).
    services: list[ir.Service]
    # Services Prometheus scrapes in some environment: only they expose the metrics contract
    # (`up`, `http_requests_total`, `http_request_duration_seconds_bucket`).
    scraped: frozenset[str]
    # (service, SLO) pairs the Prometheus target writes recording rules for.
    slos: list[tuple[str, ir.Slo]]
    # The Prometheus target writes alerting rules, so `ALERTS` can have series.
    has_alerts: bool


def view(models: dict[str, ir.EnvironmentModel]) -> View | None:
    """None when no environment asks for Grafana dashboards."""
    chosen = datasources.grafana_models(models)
    if not chosen:
        return None
    metric = datasources.metric_models(models)
    services: dict[str, ir.Service] = {}
    for model in chosen.values():
        for name, service in model.services.items():
            services.setdefault(name, service)
    scraped = {s.name for m in metric.values() for s in m.services.values() if metrics_endpoint(s) is not None}
    slos: dict[tuple[str, str], ir.Slo] = {}
    for model in metric.values():
        for service in model.services.values():
            for slo in service.slos.values():
                slos.setdefault((service.name, slo.name), slo)
    return View(
        stack=next(iter(chosen.values())).stack.name,
        backends=datasources.backends(models),
        services=list(services.values()),
        scraped=frozenset(scraped),
        slos=[(service, slo) for (service, _), slo in slos.items()],
        # Every SLO has burn-rate alerts; the platform rules say for themselves which they write.
        has_alerts=bool(slos) or bool(platform.groups(metric)[1]),
    )
