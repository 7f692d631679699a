"""`grafana/provisioning/datasources/datasources.yaml`: the data sources the dashboards read, by fixed uid.

Dashboards reference a data source by uid, never by name, so the uids below are part of the
contract between the provisioning file and every dashboard (and the Kubernetes ConfigMaps that
carry the same dashboards). URLs are the Compose service names: Grafana runs in the same project
as the backends it reads, one project per environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stackc import ir

PROMETHEUS_UID = "prometheus"
ALERTMANAGER_UID = "alertmanager"
LOKI_UID = "loki"
JAEGER_UID = "jaeger"
ZIPKIN_UID = "zipkin"

PROMETHEUS_URL = "http://prometheus:9090"
ALERTMANAGER_URL = "http://alertmanager:9093"
LOKI_URL = "http://loki:3100"
JAEGER_URL = "http://jaeger:16686"
ZIPKIN_URL = "http://zipkin:9411"

# uid -> the data source `type` Grafana knows it by (a dashboard's `{"type", "uid"}` reference).
TYPES: dict[str, str] = {
    PROMETHEUS_UID: "prometheus",
    ALERTMANAGER_UID: "alertmanager",
    LOKI_UID: "loki",
    JAEGER_UID: "jaeger",
    ZIPKIN_UID: "zipkin",
}

# Matches the Prometheus target's `scrape_interval`: Grafana sizes `$__rate_interval` from it.
SCRAPE_INTERVAL = "30s"


@dataclass(frozen=True)
class Backends:
    """What the environments with Grafana dashboards run, united over those environments."""

    metrics: bool
    logs: bool
    traces: tuple[str, ...]  # "jaeger", "zipkin", in that order

    @property
    def uids(self) -> list[str]:
        out = [PROMETHEUS_UID, ALERTMANAGER_UID] if self.metrics else []
        if self.logs:
            out.append(LOKI_UID)
        out.extend(self.traces)
        return out


def grafana_models(models: dict[str, ir.EnvironmentModel]) -> dict[str, ir.EnvironmentModel]:
    """The environments whose `observability.dashboards` is `grafana`."""
    return {
        env: m for env, m in models.items() if m.observability is not None and m.observability.dashboards == "grafana"
    }


def metric_models(models: dict[str, ir.EnvironmentModel]) -> dict[str, ir.EnvironmentModel]:
    """The Grafana environments whose metrics Prometheus collects (and whose rules the Prometheus target emits)."""
    return {env: m for env, m in grafana_models(models).items() if m.monitored}


def backends(models: dict[str, ir.EnvironmentModel]) -> Backends:
    chosen = [m.observability for m in grafana_models(models).values() if m.observability is not None]
    traces = {o.traces for o in chosen}
    return Backends(
        metrics=any(o.metrics == "prometheus" for o in chosen),
        logs=any(o.logs == "loki" for o in chosen),
        traces=tuple(t for t in (JAEGER_UID, ZIPKIN_UID) if t in traces),
    )


def provisioning(found: Backends) -> dict[str, Any]:
    """The datasources provisioning file (apiVersion 1)."""
    sources: list[dict[str, Any]] = []
    default = PROMETHEUS_UID if found.metrics else LOKI_UID if found.logs else None
    if found.metrics:
        sources.append(
            _source(
                "Prometheus",
                PROMETHEUS_UID,
                PROMETHEUS_URL,
                default,
                {"httpMethod": "POST", "timeInterval": SCRAPE_INTERVAL},
            )
        )
        # `implementation: prometheus`: the upstream Alertmanager API, not Mimir's or Cortex's.
        sources.append(
            _source(
                "Alertmanager",
                ALERTMANAGER_UID,
                ALERTMANAGER_URL,
                default,
                {"implementation": "prometheus", "handleGrafanaManagedAlerts": False},
            )
        )
    if found.logs:
        json_data: dict[str, Any] = {"maxLines": 1000}
        if found.traces:
            # A trace id in a log line links to the trace. `$$` is a literal `$`: Grafana expands
            # environment variables in provisioning files, and `${__value.raw}` is Grafana's own.
            json_data["derivedFields"] = [
                {
                    "name": "TraceID",
                    "matcherRegex": r'(?:trace_?id|traceID)["=: ]+"?(\w+)',
                    "url": "$${__value.raw}",
                    "datasourceUid": found.traces[0],
                }
            ]
        sources.append(_source("Loki", LOKI_UID, LOKI_URL, default, json_data))
    for trace in found.traces:
        url = JAEGER_URL if trace == JAEGER_UID else ZIPKIN_URL
        sources.append(_source(trace.capitalize(), trace, url, default, {}))
    # `prune`: a backend dropped from the stack file disappears from Grafana too.
    return {"apiVersion": 1, "prune": True, "datasources": sources}


def _source(name: str, uid: str, url: str, default: str | None, json_data: dict[str, Any]) -> dict[str, Any]:
    source: dict[str, Any] = {
        "name": name,
        "type": TYPES[uid],
        "uid": uid,
        "access": "proxy",
        "url": url,
        "isDefault": uid == default,
        "editable": False,
    }
    if json_data:
        source["jsonData"] = json_data
    return source
