"""SLO -> multi-window multi-burn-rate recording rules, alerts and their promtool unit tests.

Google SRE workbook ch. 5 (table 5-8 plus its 1d/2h ticket pair), with Sloth's recording-rule
names (`slo:sli_error:ratio_rate<window>`) so its dashboards read them, but stackc labels
(`service`, `environment`, `slo`, `slo_window`) and thresholds computed from decimals.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from stackc import ir
from stackc.targets.prometheus import names
from stackc.targets.prometheus.names import decimal_text, selector

# The fixed windows of the workbook; the SLO's own window is added per SLO.
WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
# (long window, short window, share of the period's budget the pair may burn before alerting).
PAGE = (("1h", "5m", Decimal("0.02")), ("6h", "30m", Decimal("0.05")))
TICKET = (("1d", "2h", Decimal("0.10")), ("3d", "6h", Decimal("0.10")))
_HOURS = {"5m": Decimal(5) / 60, "30m": Decimal("0.5"), "1h": 1, "2h": 2, "6h": 6, "1d": 24, "3d": 72}
# Test input: one sample a minute for 70 minutes, evaluated at 65m (every window then has data).
_SAMPLES = 70
_EVAL = "65m"


@dataclass(frozen=True)
class Alert:
    """What a route, a test and a runbook need to know about one generated alert."""

    name: str
    severity: str
    service: str
    environment: str
    summary: str
    description: str
    kind: str  # "slo-page", "slo-ticket", or a platform rule's name

    @property
    def labels(self) -> dict[str, str]:
        return {"severity": self.severity, "service": self.service, "environment": self.environment}

    @property
    def annotations(self) -> dict[str, str]:
        return {
            "summary": self.summary,
            "description": self.description,
            "runbook_url": names.runbook_path(self.name),
        }


def burn_factor(slo: ir.Slo, long: str, share: Decimal) -> Decimal:
    """`share × period / long window`: 14.4 for 1h of a 30d SLO, 13.44 for a 28d one (Sloth's formula)."""
    period_hours = slo.window.seconds / 3600
    return names.factor(share * period_hours / Decimal(_HOURS[long]))


def budget(slo: ir.Slo) -> Decimal:
    return (1 - slo.objective.ratio).normalize()


def _sli(service: ir.Service, env: str, slo: ir.Slo, window: str) -> tuple[str, str]:
    """(errors, total) per-second rates over `window` from the metrics contract."""
    sel = selector(service=service.name, environment=env)
    inner = sel[1:-1]
    if slo.threshold is None:
        errors = f'sum(rate({names.REQUESTS}{{{inner},code=~"5.."}}[{window}]))'
        total = f"sum(rate({names.REQUESTS}{sel}[{window}]))"
    else:
        le = names.promql_string(names.le_matcher(slo.threshold))
        good = f"sum(rate({names.DURATION}_bucket{{{inner},le=~{le}}}[{window}]))"
        total = f"sum(rate({names.DURATION}_count{sel}[{window}]))"
        errors = f"({total} - {good})"
    return errors, total


def slo_window(slo: ir.Slo) -> str:
    """The recording-rule suffix of the SLO's own window: a fixed one when equal (`24h` -> `1d`)."""
    return next((w for w in WINDOWS if ir.Duration.parse(w).seconds == slo.window.seconds), slo.window.text)


def _windows(slo: ir.Slo) -> list[str]:
    return list(dict.fromkeys([*WINDOWS, slo_window(slo)]))


def recording_rules(service: ir.Service, env: str, slo: ir.Slo) -> list[dict[str, Any]]:
    base = {"service": service.name, "environment": env, "slo": slo.name}
    errors5m, total5m = _sli(service, env, slo, "5m")
    rules: list[dict[str, Any]] = [
        # Per-5m numerator and denominator, so the SLO-window ratio sums traffic instead of
        # averaging ratios (Prometheus practices/rules.md) and never re-reads 30 days of raw series.
        {"record": "slo:sli_errors:rate5m", "expr": errors5m, "labels": dict(base)},
        {"record": "slo:sli_requests:rate5m", "expr": total5m, "labels": dict(base)},
    ]
    for window in _windows(slo):
        if window in WINDOWS:
            errors, total = _sli(service, env, slo, window)
            expr = f"{errors} / {total}"
        else:
            sel = selector(**base)
            expr = (
                f"sum(sum_over_time(slo:sli_errors:rate5m{sel}[{window}]))"
                f" / sum(sum_over_time(slo:sli_requests:rate5m{sel}[{window}]))"
            )
        rules.append(
            {"record": f"slo:sli_error:ratio_rate{window}", "expr": expr, "labels": {**base, "slo_window": window}}
        )
    rules.append(
        {"record": "slo:objective:ratio", "expr": f"vector({decimal_text(slo.objective.ratio)})", "labels": dict(base)}
    )
    rules.append(
        {
            "record": "slo:error_budget_remaining:ratio",
            "expr": (
                f"1 - max without (slo_window) (slo:sli_error:ratio_rate{slo_window(slo)}{selector(**base)})"
                f" / {decimal_text(budget(slo))}"
            ),
            "labels": dict(base),
        }
    )
    return rules


def alert_names(service: ir.Service, slo: ir.Slo) -> tuple[str, str]:
    stem = names.camel(service.name, slo.name)
    return f"{stem}ErrorBudgetBurnPage", f"{stem}ErrorBudgetBurnTicket"


def _condition(service: ir.Service, env: str, slo: ir.Slo, pairs: tuple[tuple[str, str, Decimal], ...]) -> str:
    sel = selector(service=service.name, environment=env, slo=slo.name)
    terms = []
    for long, short, share in pairs:
        threshold = decimal_text(burn_factor(slo, long, share) * budget(slo))
        # `max without (slo_window)` drops the one label that differs, so `and` matches (Sloth's trick).
        sides = [f"max without (slo_window) (slo:sli_error:ratio_rate{w}{sel}) > {threshold}" for w in (long, short)]
        terms.append(f"({sides[0]} and {sides[1]})")
    return "\n or ".join(terms)


def _describe(slo: ir.Slo, pairs: tuple[tuple[str, str, Decimal], ...]) -> str:
    """`14.4x the 0.1% budget over 1h and 5m, or 6x over 6h and 30m`."""
    parts = [f"{decimal_text(burn_factor(slo, long, share))}x" for long, _, share in pairs]
    parts[0] += f" the {decimal_text(budget(slo) * 100)}% budget"
    return ", or ".join(f"{p} over {long} and {short}" for p, (long, short, _) in zip(parts, pairs, strict=True))


def alerts(service: ir.Service, env: str, slo: ir.Slo) -> list[tuple[Alert, str]]:
    page, ticket = alert_names(service, slo)
    kind = "latency" if slo.threshold is not None else "availability"
    what = f"{service.name} {slo.name} SLO ({decimal_text(slo.objective.value)}% {kind} over {slo.window.text})"
    out = []
    for name, severity, pairs, speed in ((page, "critical", PAGE, "fast"), (ticket, "warning", TICKET, "steadily")):
        alert = Alert(
            name=name,
            severity=severity,
            service=service.name,
            environment=env,
            summary=f"The {what} is burning its error budget {speed}.",
            description=(f"The error ratio of {service.name} in {env} is above {_describe(slo, pairs)}."),
            kind="slo-page" if severity == "critical" else "slo-ticket",
        )
        out.append((alert, _condition(service, env, slo, pairs)))
    return out


def alert_rule(alert: Alert, expr: str, slo: ir.Slo) -> dict[str, Any]:
    return {
        "alert": alert.name,
        "expr": expr,
        "labels": {**alert.labels, "slo": slo.name, "slo_severity": "page" if alert.kind == "slo-page" else "ticket"},
        "annotations": alert.annotations,
    }


def groups(models: dict[str, ir.EnvironmentModel]) -> tuple[list[dict[str, Any]], list[Alert]]:
    """Rule groups for every environment's SLOs, and the alerts they define."""
    out: list[dict[str, Any]] = []
    all_alerts: list[Alert] = []
    for env, model in models.items():
        for service in model.services.values():
            for slo in service.slos.values():
                rules = recording_rules(service, env, slo)
                for alert, expr in alerts(service, env, slo):
                    rules.append(alert_rule(alert, expr, slo))
                    all_alerts.append(alert)
                # One group per SLO: recordings evaluate in order, before the alerts that read them.
                out.append({"name": f"slo-{env}-{service.name}-{slo.name}", "rules": rules})
    return out, all_alerts


# -- promtool unit tests ------------------------------------------------------------------------


def _series(service: ir.Service, env: str, slo: ir.Slo, errors: int, good: int) -> list[dict[str, str]]:
    """Counters growing by `errors` failed and `good` successful requests a minute."""
    sel = {"service": service.name, "environment": env}
    inner = selector(**sel)[1:-1]
    if slo.threshold is None:
        return [
            {"series": f'{names.REQUESTS}{{{inner},code="500"}}', "values": f"0+{errors}x{_SAMPLES}"},
            {"series": f'{names.REQUESTS}{{{inner},code="200"}}', "values": f"0+{good}x{_SAMPLES}"},
        ]
    le = decimal_text(slo.threshold.seconds)
    return [
        {"series": f'{names.DURATION}_bucket{{{inner},le="{le}"}}', "values": f"0+{good}x{_SAMPLES}"},
        {"series": f'{names.DURATION}_bucket{{{inner},le="+Inf"}}', "values": f"0+{errors + good}x{_SAMPLES}"},
        {"series": f"{names.DURATION}_count{{{inner}}}", "values": f"0+{errors + good}x{_SAMPLES}"},
    ]


def _exp(alert: Alert, slo: ir.Slo) -> dict[str, Any]:
    labels = {**alert.labels, "slo": slo.name, "slo_severity": "page" if alert.kind == "slo-page" else "ticket"}
    return {"exp_labels": labels, "exp_annotations": alert.annotations}


def _ratio_is_one(service: ir.Service, env: str, slo: ir.Slo, window: str) -> dict[str, Any]:
    labels = {"service": service.name, "environment": env, "slo": slo.name}
    record = f"slo:sli_error:ratio_rate{window}"
    return {
        "expr": record + selector(**labels),
        "eval_time": _EVAL,
        "exp_samples": [{"labels": record + selector(**labels, slo_window=window), "value": 1}],
    }


def quiet_ratio(slo: ir.Slo) -> Decimal:
    lowest = min(burn_factor(slo, long, share) for long, _, share in (*PAGE, *TICKET))
    return min(Decimal(1), lowest) * budget(slo) / 2


def can_fire(slo: ir.Slo, pairs: tuple[tuple[str, str, Decimal], ...]) -> bool:
    """A threshold at or above 1 (objectives below ~84%) cannot be exceeded by an error ratio."""
    return any(burn_factor(slo, long, share) * budget(slo) < 1 for long, _, share in pairs)


def tests(models: dict[str, ir.EnvironmentModel]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for env, model in models.items():
        for service in model.services.values():
            for slo in service.slos.values():
                (page, _), (ticket, _) = alerts(service, env, slo)
                label = f"{env}/{service.name}/{slo.name}"
                # Every request failing: every window's ratio is exactly 1 (x/x), so both alerts fire
                # and every recording rule must evaluate to 1 — each rule is exercised.
                firing = [_exp(a, slo) for a, pairs in ((page, PAGE), (ticket, TICKET)) if can_fire(slo, pairs)]
                out.append(
                    {
                        "interval": "1m",
                        "name": f"{label}: page and ticket fire when every request fails",
                        "input_series": _series(service, env, slo, 1, 0),
                        "alert_rule_test": [
                            {"eval_time": _EVAL, "alertname": a.name, "exp_alerts": [e] if e in firing else []}
                            for a, e in ((page, _exp(page, slo)), (ticket, _exp(ticket, slo)))
                        ],
                        "promql_expr_test": [_ratio_is_one(service, env, slo, w) for w in _windows(slo)],
                    }
                )
                # Half the lowest threshold (below 1x for windows under 30d): `p` errors in `q` requests
                # a minute, exactly that ratio.
                p, q = quiet_ratio(slo).as_integer_ratio()
                out.append(
                    {
                        "interval": "1m",
                        "name": f"{label}: nothing fires at half the lowest burn-rate threshold",
                        "input_series": _series(service, env, slo, p, q - p),
                        "alert_rule_test": [
                            {"eval_time": _EVAL, "alertname": page.name},
                            {"eval_time": _EVAL, "alertname": ticket.name},
                        ],
                    }
                )
    return out
