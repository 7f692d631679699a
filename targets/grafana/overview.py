"""The overview: firing alerts, then one row per service with its vital signs.

A scraped service shows instances up, request rate, 5xx ratio and p95 latency; a service without
a metrics endpoint shows the CPU and memory cAdvisor sees. Links lead to the service dashboards.
"""

from __future__ import annotations

from typing import Any

from stackc.targets.grafana import datasources, queries
from stackc.targets.grafana.panels import (
    Layout,
    environment_variable,
    new_dashboard,
    stat_panel,
    table_panel,
    to_data,
    uid,
    units,
)
from stackc.targets.grafana.service import UP_STEPS
from stackc.targets.grafana.view import View

# Firing alerts: green at none.
_ALERT_STEPS: list[tuple[float | None, str]] = [(None, "green"), (1, "red")]
_ERROR_STEPS: list[tuple[float | None, str]] = [(None, "green"), (0.01, "orange"), (0.05, "red")]


def dashboard(view: View) -> dict[str, Any] | None:
    """None without Prometheus: every panel here reads it."""
    if not view.backends.metrics:
        return None
    board = new_dashboard(
        f"{view.stack} / overview",
        uid(view.stack, "overview"),
        view.stack,
        f"Firing alerts and the vital signs of every service of {view.stack}.",
    )
    board.with_variable(environment_variable(datasources.PROMETHEUS_UID))
    layout = Layout(board)
    if view.has_alerts:
        layout.row("Alerts")
        count = stat_panel(
            "Firing alerts", "Alerts firing now in the environment.", units.Short, queries.firing_count(), _ALERT_STEPS
        )
        layout.add(count, 6, 6)
        layout.add(
            table_panel("Firing alerts", "One row per firing alert, with its labels.", queries.firing_alerts()), 18, 6
        )
    for service in view.services:
        name = service.name
        layout.row(name)
        if name in view.scraped:
            p95 = queries.latency(name, "0.95")
            panels = [
                stat_panel("Up", f"Scrape targets of {name} that answer.", units.Short, queries.up(name), UP_STEPS),
                stat_panel(
                    "Requests", f"Requests per second to {name}.", units.RequestsPerSecond, queries.request_rate(name)
                ),
                stat_panel(
                    "5xx ratio",
                    f"Share of requests to {name} answered with a 5xx status.",
                    units.PercentUnit,
                    queries.error_ratio(name),
                    _ERROR_STEPS,
                ),
                stat_panel("p95 latency", f"95th percentile request duration of {name}.", units.Seconds, p95),
            ]
        else:
            panels = [
                stat_panel("CPU", f"CPU cores used by {name} (cAdvisor).", units.Short, queries.cpu(name)),
                stat_panel("Memory", f"Working-set memory of {name} (cAdvisor).", units.BytesIEC, queries.memory(name)),
            ]
        for panel in panels:
            layout.add(panel, 24 // len(panels), 4)
    return to_data(board)
