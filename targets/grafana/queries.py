"""The PromQL behind the panels, from the metrics contract (docs/observability.md) and the SLO rules.

Rates use `$__rate_interval`, which Grafana derives from the scrape interval, so a short time range
never asks for a window with fewer than two samples.
"""

from __future__ import annotations

from stackc.targets.grafana.panels import ENVIRONMENT, matcher, selector
from stackc.targets.prometheus import names
from stackc.targets.prometheus.platform import CPU_RECORD, MEMORY_RECORD

UP = "up"
ALERTS = "ALERTS"
# Saturation as the Prometheus target records it from cAdvisor, per service and environment, the
# same in Compose and in a cluster (targets/prometheus/platform.py `saturation_records`).
CPU = CPU_RECORD
MEMORY = MEMORY_RECORD
# The SLO recording rules of the Prometheus target (targets/prometheus/slo.py).
SLI_ERROR = "slo:sli_error:ratio_rate{window}"
OBJECTIVE = "slo:objective:ratio"
BUDGET_REMAINING = "slo:error_budget_remaining:ratio"
QUANTILES = (("p50", "0.5"), ("p95", "0.95"), ("p99", "0.99"))


def service_selector(service: str, *extra: str) -> str:
    return selector(matcher("service", service), ENVIRONMENT, *extra)


def request_rate(service: str, by: str = "") -> str:
    grouping = f" by ({by}) " if by else ""
    return f"sum{grouping}(rate({names.REQUESTS}{service_selector(service)}[$__rate_interval]))"


def error_ratio(service: str) -> str:
    failed = service_selector(service, 'code=~"5.."')
    errors = f"sum(rate({names.REQUESTS}{failed}[$__rate_interval]))"
    return f"{errors} / {request_rate(service)}"


def latency(service: str, quantile: str) -> str:
    buckets = f"{names.DURATION}_bucket{service_selector(service)}"
    return f"histogram_quantile({quantile}, sum by (le) (rate({buckets}[$__rate_interval])))"


def up(service: str) -> str:
    return f"sum({UP}{service_selector(service)})"


def up_series(service: str) -> str:
    return f"{UP}{service_selector(service)}"


def cpu(service: str) -> str:
    return f"sum({CPU}{service_selector(service)})"


def memory(service: str) -> str:
    return f"sum({MEMORY}{service_selector(service)})"


def firing_alerts() -> str:
    return ALERTS + selector('alertstate="firing"', ENVIRONMENT)


def firing_count() -> str:
    # `or vector(0)`: no firing alert is 0, not "No data".
    return f"count({firing_alerts()}) or vector(0)"


def logs(service: str) -> str:
    """The LogQL stream selector of a service's logs in the chosen environment."""
    return service_selector(service)


# The SLO dashboard selects one SLO through its variables.
SLO_SELECTOR = selector('service="$service"', ENVIRONMENT, 'slo="$slo"')


def sli_error(window: str) -> str:
    # `max without (slo_window)`: the one label a window's rule adds, so both sides of a division match.
    return f"max without (slo_window) ({SLI_ERROR.format(window=window)}{SLO_SELECTOR})"


def sli(window: str = "5m") -> str:
    return f"1 - {sli_error(window)}"


def objective() -> str:
    return f"{OBJECTIVE}{SLO_SELECTOR}"


def budget_remaining() -> str:
    return f"{BUDGET_REMAINING}{SLO_SELECTOR}"


def budget_remaining_of(service: str, slo: str) -> str:
    """One declared SLO's budget, its names quoted rather than taken from the variables."""
    return BUDGET_REMAINING + selector(matcher("service", service), ENVIRONMENT, matcher("slo", slo))


def burn_rate(window: str) -> str:
    """How many times faster than allowed the budget burns: error ratio / (1 - objective)."""
    return f"{sli_error(window)} / on (service, environment, slo) (1 - {objective()})"
