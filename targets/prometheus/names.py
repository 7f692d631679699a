"""Names, label selectors and number formatting shared by the Prometheus and Alertmanager files.

One module so that a rule, its unit test, its route and its runbook all spell a name the same way.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal

from stackc import ir

# The metrics contract (docs/observability.md): what a service exposes on its `metrics` endpoint.
REQUESTS = "http_requests_total"
DURATION = "http_request_duration_seconds"
# Where a secret's value is mounted for Alertmanager (`*_file` fields; never inline).
SECRETS_DIR = "/etc/alertmanager/secrets"


def camel(*parts: str) -> str:
    """`api-gateway`, `availability` -> `ApiGatewayAvailability`: Prometheus alert-name style."""
    words = [w for part in parts for w in re.split(r"[^A-Za-z0-9]+", part) if w]
    return "".join(w[:1].upper() + w[1:] for w in words)


def decimal_text(value: Decimal) -> str:
    """`0.0144`, `14.4`, `1`: a decimal without exponent or trailing zeros (never float noise)."""
    return format(value.normalize(), "f")


def factor(value: Decimal) -> Decimal:
    """A burn-rate factor rounded to 4 places: 28d's 0.9333… must end somewhere, and exactly."""
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN).normalize()


def promql_string(value: str) -> str:
    """A double-quoted PromQL string literal (label values come from the stack file)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def template_literal(value: str) -> str:
    """`value` as Alertmanager renders it in a templated field (Slack `channel`, email `to`).

    Those fields are Go templates, so a user's `{{` would start an action: it becomes the action
    `{{ "{{" }}`, which prints it. A `}}` outside an action is plain text already.
    """
    return value.replace("{{", '{{ "{{" }}')


def selector(**labels: str) -> str:
    return "{" + ",".join(f"{k}={promql_string(v)}" for k, v in labels.items()) + "}"


def le_matcher(threshold: ir.Duration) -> str:
    """A regex for the histogram bucket at `threshold` seconds.

    Client libraries spell the same bound differently (Go `0.25`/`1`, Python `0.25`/`1.0`,
    Prometheus 3 normalises to `1.0`), so match every spelling: `1(.0+)?`, `0[.]250*`.
    """
    text = decimal_text(threshold.seconds)
    if "." in text:
        whole, fraction = text.split(".")
        return f"{whole}[.]{fraction}0*"
    return f"{text}([.]0+)?"


def runbook_path(alert: str) -> str:
    """Where the alert's runbook page is written in the output (its `runbook_url`)."""
    return f"prometheus/runbooks/{alert}.md"
