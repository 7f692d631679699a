"""Grafana target (docs/grafana.md): dashboards built with grafana-foundation-sdk, and their provisioning.

Output, relative to the output folder, when some environment has `observability { dashboards = grafana }`:
- `grafana/dashboards/overview.json`: firing alerts and every service's vital signs;
- `grafana/dashboards/service-<name>.json`: per service, RED, saturation and logs;
- `grafana/dashboards/slo.json`: SLI, error budget and burn rates, when an SLO is declared;
- `grafana/provisioning/datasources/datasources.yaml`: Prometheus, Alertmanager, Loki, Jaeger/Zipkin
  with the fixed uids the dashboards reference;
- `grafana/provisioning/dashboards/dashboards.yaml`: a file provider for `/var/lib/grafana/dashboards`.

Dashboards serve every environment (an `$environment` variable), so they are computed from all
models whatever `--env` selects. `dashboards(models)` is the same data for other targets (the
Kubernetes target puts it in ConfigMaps).
"""

from __future__ import annotations

from typing import Any

from stackc import ir
from stackc.targets import BuildContext, Document, TargetOutput
from stackc.targets.grafana.datasources import (
    ALERTMANAGER_UID,
    ALERTMANAGER_URL,
    JAEGER_UID,
    JAEGER_URL,
    LOKI_UID,
    LOKI_URL,
    PROMETHEUS_UID,
    PROMETHEUS_URL,
    TYPES,
    ZIPKIN_UID,
    ZIPKIN_URL,
)
from stackc.targets.grafana.provisioning import (
    DASHBOARDS_DIR,
    DASHBOARDS_MOUNT,
    DASHBOARDS_PROVIDER_FILE,
    DATASOURCES_FILE,
    PROVISIONING_MOUNT,
)

__all__ = [
    "ALERTMANAGER_UID",
    "ALERTMANAGER_URL",
    "DASHBOARDS_DIR",
    "DASHBOARDS_MOUNT",
    "DASHBOARDS_PROVIDER_FILE",
    "DATASOURCES_FILE",
    "JAEGER_UID",
    "JAEGER_URL",
    "LOKI_UID",
    "LOKI_URL",
    "PROMETHEUS_UID",
    "PROMETHEUS_URL",
    "PROVISIONING_MOUNT",
    "TYPES",
    "ZIPKIN_UID",
    "ZIPKIN_URL",
    "dashboards",
    "emit",
    "provisioning_files",
]


def dashboards(models: dict[str, ir.EnvironmentModel]) -> dict[str, dict[str, Any]]:
    """File name (`overview.json`, …) -> dashboard JSON data; empty when no environment wants Grafana."""
    # The SDK is imported on first use: building any other target never pays for it.
    from stackc.targets.grafana import overview, service, slo
    from stackc.targets.grafana.panels import file_stem
    from stackc.targets.grafana.view import view

    seen = view(models)
    if seen is None:
        return {}
    out: dict[str, dict[str, Any]] = {}
    board = overview.dashboard(seen)
    if board is not None:
        out["overview.json"] = board
    for declared in seen.services:
        board = service.dashboard(seen, declared)
        if board is not None:
            out[f"{file_stem('service', declared.name)}.json"] = board
    board = slo.dashboard(seen)
    if board is not None:
        out["slo.json"] = board
    return out


def provisioning_files(models: dict[str, ir.EnvironmentModel]) -> dict[str, dict[str, Any]]:
    """Output path -> provisioning file data (datasources and the dashboards provider); empty without Grafana."""
    from stackc.targets.grafana import datasources
    from stackc.targets.grafana.provisioning import provider

    chosen = datasources.grafana_models(models)
    if not chosen:
        return {}
    stack = next(iter(chosen.values())).stack.name
    return {
        DATASOURCES_FILE: datasources.provisioning(datasources.backends(models)),
        DASHBOARDS_PROVIDER_FILE: provider(stack),
    }


def emit(context: BuildContext) -> TargetOutput:
    documents = [Document(path, data) for path, data in provisioning_files(context.models).items()]
    for name, data in dashboards(context.models).items():
        documents.append(Document(f"{DASHBOARDS_DIR}/{name}", data, "json"))
    return TargetOutput(documents)
