"""Platform alerts from the metrics contract, one per scraped service, each with promtool tests.

Only what every scraped service is known to expose: `up` (Prometheus itself), the request
counter and, for a service with a latency SLO, the duration histogram. Container, volume,
certificate and backup alerts need exporters the Compose/Kubernetes monitoring stack would
deploy; they are not generated yet (docs/observability.md).
"""

from __future__ import annotations

from typing import Any

from stackc import ir
from stackc.targets.prometheus import names
from stackc.targets.prometheus.config import metrics_endpoint
from stackc.targets.prometheus.names import decimal_text, selector
from stackc.targets.prometheus.slo import Alert

# 5% of requests failing for 10 minutes: a symptom worth a ticket even inside the SLO budget.
ERROR_RATIO = "0.05"
_SAMPLES = 30
_EVAL = "25m"


def _latency_slo(service: ir.Service) -> ir.Slo | None:
    return next((s for s in service.slos.values() if s.threshold is not None), None)


def _alerts(service: ir.Service, env: str) -> list[tuple[Alert, str, str]]:
    """(alert, expr, for) for one scraped service."""
    sel = selector(service=service.name, environment=env)
    inner = sel[1:-1]
    where = f"{service.name} in {env}"
    out = [
        (
            Alert(
                "TargetDown",
                "warning",
                service.name,
                env,
                f"Prometheus cannot scrape {where}.",
                f"The metrics endpoint of {where} has not answered for 5 minutes.",
                "target-down",
            ),
            f"up{sel} == 0",
            "5m",
        ),
        (
            Alert(
                "HighErrorRate",
                "warning",
                service.name,
                env,
                f"More than 5% of the requests to {where} fail.",
                f"Over 5% of the requests to {where} have answered 5xx for 10 minutes.",
                "high-error-rate",
            ),
            f'sum(rate({names.REQUESTS}{{{inner},code=~"5.."}}[5m])) / sum(rate({names.REQUESTS}{sel}[5m]))'
            f" > {ERROR_RATIO}",
            "10m",
        ),
    ]
    slo = _latency_slo(service)
    if slo is not None and slo.threshold is not None:
        bound = decimal_text(slo.threshold.seconds)
        out.append(
            (
                Alert(
                    "HighLatencyP95",
                    "warning",
                    service.name,
                    env,
                    f"The 95th percentile latency of {where} is above {slo.threshold.text}.",
                    f"p95 of {where} has been above the {slo.name} SLO threshold {slo.threshold.text} for 10 minutes.",
                    "high-latency",
                ),
                f"histogram_quantile(0.95, sum by (le) (rate({names.DURATION}_bucket{sel}[5m]))) > {bound}",
                "10m",
            )
        )
    return out


def _scraped(model: ir.EnvironmentModel) -> list[ir.Service]:
    return [s for s in model.services.values() if metrics_endpoint(s) is not None]


def groups(models: dict[str, ir.EnvironmentModel]) -> tuple[list[dict[str, Any]], list[Alert]]:
    out: list[dict[str, Any]] = []
    all_alerts: list[Alert] = []
    for env, model in models.items():
        for service in _scraped(model):
            rules = []
            for alert, expr, wait in _alerts(service, env):
                rules.append(
                    {
                        "alert": alert.name,
                        "expr": expr,
                        "for": wait,
                        "labels": alert.labels,
                        "annotations": alert.annotations,
                    }
                )
                all_alerts.append(alert)
            out.append({"name": f"platform-{env}-{service.name}", "rules": rules})
    return out, all_alerts


def _exp(alert: Alert) -> dict[str, Any]:
    # `up` keeps its series labels (`job`), the ratios and quantiles aggregate them away.
    extra = {"job": alert.service} if alert.name == "TargetDown" else {}
    return {"exp_labels": {**alert.labels, **extra}, "exp_annotations": alert.annotations}


def _input(alert: Alert, service: ir.Service, env: str, firing: bool) -> list[dict[str, str]]:
    """Series that fire `alert` (`firing`) or that must leave it quiet."""
    inner = selector(service=service.name, environment=env)[1:-1]

    def counter(metric: str, extra: str, per_minute: int) -> dict[str, str]:
        return {"series": f"{metric}{{{inner},{extra}}}", "values": f"0+{per_minute}x{_SAMPLES}"}

    if alert.name == "TargetDown":
        up = f"up{{job={names.promql_string(service.name)},{inner}}}"
        return [{"series": up, "values": f"{0 if firing else 1}x{_SAMPLES}"}]
    if alert.name == "HighErrorRate":
        # 1 in 10 fails (10% > 5%), or 1 in 100 (1%).
        return [counter(names.REQUESTS, 'code="500"', 1), counter(names.REQUESTS, 'code="200"', 9 if firing else 99)]
    # HighLatencyP95: every request between the threshold and twice it fires; all under it must not.
    slo = _latency_slo(service)
    assert slo is not None and slo.threshold is not None
    bound = slo.threshold.seconds
    under, over = (0, 10) if firing else (10, 0)
    bucket = f"{names.DURATION}_bucket"
    return [
        counter(bucket, f'le="{decimal_text(bound)}"', under),
        counter(bucket, f'le="{decimal_text(bound * 2)}"', under + over),
        counter(bucket, 'le="+Inf"', under + over),
    ]


def tests(models: dict[str, ir.EnvironmentModel]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for env, model in models.items():
        for service in _scraped(model):
            for alert, _, _ in _alerts(service, env):
                name = f"{env}/{service.name}: {alert.name}"
                out.append(
                    {
                        "interval": "1m",
                        "name": f"{name} fires",
                        "input_series": _input(alert, service, env, True),
                        "alert_rule_test": [{"eval_time": _EVAL, "alertname": alert.name, "exp_alerts": [_exp(alert)]}],
                    }
                )
                out.append(
                    {
                        "interval": "1m",
                        "name": f"{name} stays quiet",
                        "input_series": _input(alert, service, env, False),
                        "alert_rule_test": [{"eval_time": _EVAL, "alertname": alert.name}],
                    }
                )
    return out
