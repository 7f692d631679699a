"""The SLO dashboard: pick a service and one of its SLOs; SLI, objective, error budget and burn rates.

Every panel reads the Prometheus target's SLO recording rules (targets/prometheus/slo.py), so the
numbers are the ones the burn-rate alerts fire on.
"""

from __future__ import annotations

from typing import Any

from stackc.targets.grafana import datasources, queries
from stackc.targets.grafana.panels import (
    ENVIRONMENT,
    Layout,
    environment_variable,
    new_dashboard,
    query_variable,
    selector,
    stat_panel,
    timeseries_panel,
    to_data,
    uid,
    units,
)
from stackc.targets.grafana.view import View
from stackc.targets.prometheus.slo import WINDOWS

# Budget left: red when spent, orange in its last quarter.
_BUDGET_STEPS: list[tuple[float | None, str]] = [(None, "red"), (0, "orange"), (0.25, "green")]
# Burn rate: 1 spends the budget exactly over the SLO window.
_BURN_STEPS: list[tuple[float | None, str]] = [(None, "green"), (1, "orange"), (6, "red")]


def dashboard(view: View) -> dict[str, Any] | None:
    """None when no SLO is declared (or nothing collects metrics)."""
    if not view.backends.metrics or not view.slos:
        return None
    board = new_dashboard(
        f"{view.stack} / SLOs",
        uid(view.stack, "slo"),
        view.stack,
        f"Service level objectives of {view.stack}: SLI, error budget and burn rates.",
    )
    source = datasources.PROMETHEUS_UID
    services = f"label_values({queries.OBJECTIVE}{selector(ENVIRONMENT)}, service)"
    chosen = selector(ENVIRONMENT, 'service="$service"')
    slos = f"label_values({queries.OBJECTIVE}{chosen}, slo)"
    board.with_variable(environment_variable(source))
    board.with_variable(query_variable("service", "Service", source, services))
    board.with_variable(query_variable("slo", "SLO", source, slos))
    layout = Layout(board)
    layout.row("Error budget remaining, every SLO")
    for service, slo in view.slos:
        panel = stat_panel(
            f"{service} / {slo.name}",
            f"Share of the error budget of {service}'s {slo.name} SLO not yet spent.",
            units.PercentUnit,
            queries.budget_remaining_of(service, slo.name),
            _BUDGET_STEPS,
        )
        layout.add(panel, 6, 4)
    layout.row("$service / $slo")
    stats = [
        # Three decimals: an SLI of 99.95% and an objective of 99.9% must not round to the same number.
        stat_panel(
            "Objective", "The share of good events the SLO promises.", units.PercentUnit, queries.objective()
        ).decimals(3),
        stat_panel(
            "SLI (5m)", "Share of good events over the last 5 minutes.", units.PercentUnit, queries.sli()
        ).decimals(3),
        stat_panel(
            "Error budget remaining",
            "Share of the SLO window's error budget not yet spent.",
            units.PercentUnit,
            queries.budget_remaining(),
            _BUDGET_STEPS,
        ),
        stat_panel(
            "Burn rate (1h)",
            "Error ratio over the last hour divided by the budget: 1 spends it exactly over the SLO window.",
            "none",
            queries.burn_rate("1h"),
            _BURN_STEPS,
        ),
    ]
    for panel in stats:
        layout.add(panel, 6, 4)
    sli = timeseries_panel(
        "SLI",
        "Share of good events over 5 minutes and 1 hour, against the objective.",
        units.PercentUnit,
        [(queries.sli("5m"), "SLI 5m"), (queries.sli("1h"), "SLI 1h"), (queries.objective(), "objective")],
    ).decimals(3)
    budget = timeseries_panel(
        "Error budget remaining",
        "Share of the SLO window's error budget not yet spent.",
        units.PercentUnit,
        [(queries.budget_remaining(), "remaining")],
    )
    layout.add(sli, 12, 8)
    layout.add(budget, 12, 8)
    burn = timeseries_panel(
        "Burn rates",
        "Error ratio divided by the error budget, per window; the page alert needs 1h and 5m (or 6h and 30m) high.",
        "none",
        [(queries.burn_rate(w), w) for w in WINDOWS],
    )
    layout.add(burn, 24, 9)
    return to_data(board)
