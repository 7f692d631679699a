"""What every dashboard shares: the SDK builders, layout on Grafana's 24-column grid, query quoting, uids.

Dashboards are the Classic JSON model (`builders.dashboard`), which file provisioning reads in
every Grafana from 10 on; the SDK's "prefer dashboardv2" deprecation notice is about the newer
resource model and is silenced for that reason.
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from typing import Any

from stackc.targets.grafana import datasources
from stackc.targets.prometheus.names import promql_string

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from grafana_foundation_sdk.builders import common as common_builders
    from grafana_foundation_sdk.builders import logs, loki, prometheus, stat, table, timeseries
    from grafana_foundation_sdk.builders.dashboard import (
        Dashboard,
        DashboardLink,
        QueryVariable,
        Row,
        ThresholdsConfig,
    )
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.models import common as common_models
    from grafana_foundation_sdk.models import dashboard as model
    from grafana_foundation_sdk.models import prometheus as prometheus_models
    from grafana_foundation_sdk.models import units
    from grafana_foundation_sdk.models.common import DataSourceRef

__all__ = [
    "ENVIRONMENT",
    "Dashboard",
    "Layout",
    "PanelBuilder",
    "environment_variable",
    "file_stem",
    "literal",
    "logs_panel",
    "matcher",
    "new_dashboard",
    "query_variable",
    "ref",
    "selector",
    "stat_panel",
    "table_panel",
    "timeseries_panel",
    "to_data",
    "uid",
    "units",
]

PanelBuilder = timeseries.Panel | stat.Panel | table.Panel | logs.Panel

GRID_WIDTH = 24
# Grafana's limit on a dashboard uid.
UID_LIMIT = 40
ENVIRONMENT = 'environment="$environment"'


def ref(uid: str) -> DataSourceRef:
    """A reference to a provisioned data source by its fixed uid."""
    return DataSourceRef(type_val=datasources.TYPES[uid], uid=uid)


def literal(value: str) -> str:
    """A PromQL/LogQL double-quoted string holding `value` exactly.

    `$` is written `\\x24` (both languages take Go escapes) because Grafana would otherwise read
    `$name` in a query as one of its template variables and substitute it.
    """
    return promql_string(value).replace("$", "\\x24")


def matcher(label: str, value: str) -> str:
    return f"{label}={literal(value)}"


def selector(*matchers: str) -> str:
    return "{" + ",".join(matchers) + "}"


def uid(stack: str, *parts: str) -> str:
    """`<stack>-<parts>` when that is a valid uid, otherwise a readable prefix and a hash of it.

    Grafana accepts letters, digits, `-` and `_`, at most 40 characters; the hash keeps two long
    or rewritten names from colliding, and the same names always give the same uid.
    """
    raw = "-".join((stack, *parts))
    if len(raw) <= UID_LIMIT and re.fullmatch(r"[A-Za-z0-9_-]+", raw):
        return raw
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:10]
    prefix = re.sub(r"[^A-Za-z0-9_-]+", "-", raw)[: UID_LIMIT - len(digest) - 1].rstrip("-")
    return f"{prefix}-{digest}" if prefix else digest


def file_stem(*parts: str) -> str:
    """A file name from user names: as is when it is `[A-Za-z0-9_.-]`, otherwise rewritten plus a hash,
    so that two names never share a file."""
    raw = "-".join(parts)
    if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", raw) and len(raw) <= 100:
        return raw
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:10]
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", raw)[:80] + "-" + digest


def new_dashboard(title: str, dashboard_uid: str, stack: str, description: str) -> Dashboard:
    board = Dashboard(title)
    links = (
        DashboardLink(stack)
        .type(model.DashboardLinkType.DASHBOARDS)
        .tags([stack])
        .as_dropdown(True)
        .include_vars(True)
        .keep_time(True)
    )
    return (
        board.uid(dashboard_uid)
        .description(description)
        .tags(["stackc", stack])
        .refresh("30s")
        .time("now-6h", "now")
        .timezone("browser")
        .tooltip(model.DashboardCursorSync.CROSSHAIR)
        .link(links)
    )


def environment_variable(source: str) -> QueryVariable:
    """`$environment`: the values of the `environment` label every scrape job and log stream carries."""
    query = "label_values(up, environment)" if source == datasources.PROMETHEUS_UID else "label_values(environment)"
    return query_variable("environment", "Environment", source, query)


def query_variable(name: str, label: str, source: str, query: str) -> QueryVariable:
    return (
        QueryVariable(name)
        .label(label)
        .datasource(ref(source))
        .query(query)
        .refresh(model.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(model.VariableSort.ALPHABETICAL_ASC)
        .include_all(False)
        .multi(False)
    )


def _prom(expr: str, ref_id: str, legend: str | None, instant: bool = False) -> prometheus.Dataquery:
    query = prometheus.Dataquery().ref_id(ref_id).expr(expr).datasource(ref(datasources.PROMETHEUS_UID))
    if legend is not None:
        query = query.legend_format(legend)
    return query.instant() if instant else query.range()


def _ref_ids() -> list[str]:
    return [chr(ord("A") + i) for i in range(26)]


def timeseries_panel(title: str, description: str, unit: str, queries: list[tuple[str, str]]) -> timeseries.Panel:
    """A time series of Prometheus queries, each `(expr, legend)`."""
    panel = (
        timeseries.Panel()
        .title(title)
        .description(description)
        .unit(unit)
        .datasource(ref(datasources.PROMETHEUS_UID))
        .legend(
            common_builders.VizLegendOptions()
            .show_legend(True)
            .display_mode(common_models.LegendDisplayMode.LIST)
            .placement(common_models.LegendPlacement.BOTTOM)
        )
    )
    for ref_id, (expr, legend) in zip(_ref_ids(), queries, strict=False):
        panel = panel.with_target(_prom(expr, ref_id, legend))
    return panel


def stat_panel(
    title: str, description: str, unit: str, expr: str, steps: list[tuple[float | None, str]] | None = None
) -> stat.Panel:
    """One number: the last value of `expr`, coloured by `steps` (`(from, colour)`, the first from None)."""
    panel = (
        stat.Panel()
        .title(title)
        .description(description)
        .unit(unit)
        .datasource(ref(datasources.PROMETHEUS_UID))
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .graph_mode(common_models.BigValueGraphMode.AREA)
        .with_target(_prom(expr, "A", None))
    )
    # Without steps of its own a panel would get Grafana's default (red from 80), which means
    # nothing for bytes or requests per second: one neutral colour instead.
    thresholds = ThresholdsConfig().mode(model.ThresholdsMode.ABSOLUTE)
    thresholds = thresholds.steps([model.Threshold(value=v, color=c) for v, c in steps or [(None, "blue")]])
    mode = common_models.BigValueColorMode.BACKGROUND if steps else common_models.BigValueColorMode.VALUE
    return panel.thresholds(thresholds).color_mode(mode)


def table_panel(title: str, description: str, expr: str) -> table.Panel:
    """A table of the series `expr` returns now (one row per series, its labels as columns)."""
    query = _prom(expr, "A", None, instant=True).format(prometheus_models.PromQueryFormat.TABLE)
    source = ref(datasources.PROMETHEUS_UID)
    return table.Panel().title(title).description(description).datasource(source).with_target(query)


def logs_panel(title: str, description: str, expr: str) -> logs.Panel:
    source = ref(datasources.LOKI_UID)
    return (
        logs.Panel()
        .title(title)
        .description(description)
        .datasource(source)
        .show_time(True)
        .wrap_log_message(True)
        .enable_log_details(True)
        .sort_order(common_models.LogsSortOrder.DESCENDING)
        .with_target(loki.Dataquery().ref_id("A").expr(expr).datasource(source))
    )


class Layout:
    """Places panels left to right on the 24-column grid, a new line when one does not fit.

    Every panel gets an explicit position and the next id, so the JSON never depends on the
    SDK's own placement and ids are unique within the dashboard.
    """

    def __init__(self, board: Dashboard) -> None:
        self.board = board
        self.x = 0
        self.y = 0
        self.line_height = 0
        self.next_id = 1

    def _newline(self) -> None:
        self.y += self.line_height
        self.x = 0
        self.line_height = 0

    def row(self, title: str) -> None:
        if self.x:
            self._newline()
        row = Row(title).id(self.next_id).grid_pos(model.GridPos(h=1, w=GRID_WIDTH, x=0, y=self.y))
        self.next_id += 1
        self.board.with_row(row)
        self.y += 1

    def add(self, panel: PanelBuilder, width: int, height: int) -> None:
        if self.x + width > GRID_WIDTH:
            self._newline()
        panel = panel.id(self.next_id).grid_pos(model.GridPos(h=height, w=width, x=self.x, y=self.y))
        self.next_id += 1
        self.board.with_panel(panel)
        self.x += width
        self.line_height = max(self.line_height, height)
        if self.x >= GRID_WIDTH:
            self._newline()


def to_data(board: Dashboard) -> dict[str, Any]:
    """The dashboard as plain JSON data, keys sorted, as the SDK encodes it."""
    data: dict[str, Any] = json.loads(JSONEncoder(sort_keys=True).encode(board.build()))
    return data
