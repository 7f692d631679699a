"""One dashboard per service: RED (rate, errors, duration), saturation (CPU, memory), `up`, and its logs.

The service is fixed (its name is quoted into every query); `$environment` picks the environment.
RED panels and `up` need the metrics contract, so only a service Prometheus scrapes gets them;
every service gets saturation from cAdvisor, and its logs when Loki collects them.
"""

from __future__ import annotations

from typing import Any

from stackc import ir
from stackc.targets.grafana import datasources, queries
from stackc.targets.grafana.panels import (
    Layout,
    environment_variable,
    logs_panel,
    new_dashboard,
    stat_panel,
    timeseries_panel,
    to_data,
    uid,
    units,
)
from stackc.targets.grafana.view import View

# Red below one running instance.
UP_STEPS: list[tuple[float | None, str]] = [(None, "red"), (1, "green")]


def dashboard(view: View, service: ir.Service) -> dict[str, Any] | None:
    """The service's dashboard, or None when there is nothing to show (no metrics and no logs)."""
    found = view.backends
    if not found.metrics and not found.logs:
        return None
    name = service.name
    board = new_dashboard(
        f"{view.stack} / {name}",
        uid(view.stack, "service", name),
        view.stack,
        f"Rate, errors, duration and saturation of {name}.",
    )
    board.with_variable(environment_variable(datasources.PROMETHEUS_UID if found.metrics else datasources.LOKI_UID))
    layout = Layout(board)
    if found.metrics:
        scraped = name in view.scraped
        if scraped:
            _red(layout, name)
        _saturation(layout, name, scraped)
    if found.logs:
        layout.row("Logs")
        description = f"Log lines of {name} in the chosen environment, newest first."
        layout.add(logs_panel("Logs", description, queries.logs(name)), 24, 12)
    return to_data(board)


def _red(layout: Layout, name: str) -> None:
    layout.row("Requests (RED)")
    rate = timeseries_panel(
        "Request rate",
        "Requests per second, by HTTP status code.",
        units.RequestsPerSecond,
        [(queries.request_rate(name, by="code"), "{{code}}")],
    )
    errors = timeseries_panel(
        "Error ratio (5xx)",
        "Share of requests answered with a 5xx status.",
        units.PercentUnit,
        [(queries.error_ratio(name), "5xx")],
    )
    duration = timeseries_panel(
        "Latency",
        "Request duration quantiles, from the duration histogram.",
        units.Seconds,
        [(queries.latency(name, q), label) for label, q in queries.QUANTILES],
    )
    for panel in (rate, errors, duration):
        layout.add(panel, 8, 8)


def _saturation(layout: Layout, name: str, scraped: bool) -> None:
    layout.row("Saturation")
    width = 8 if scraped else 12
    cpu = timeseries_panel(
        "CPU",
        "CPU cores used by the service's containers (cAdvisor).",
        units.Short,
        [(queries.cpu(name), "cores")],
    )
    memory = timeseries_panel(
        "Memory",
        "Working-set memory of the service's containers (cAdvisor).",
        units.BytesIEC,
        [(queries.memory(name), "working set")],
    )
    layout.add(cpu, width, 8)
    layout.add(memory, width, 8)
    if scraped:
        up = stat_panel(
            "Instances up", "Scrape targets of the service that answer.", units.Short, queries.up(name), UP_STEPS
        )
        layout.add(up, width, 8)
