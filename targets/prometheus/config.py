"""`prometheus/<env>/prometheus.yml`: scrape jobs from `metrics` and the exporters, the rule files, Alertmanager.

One file per environment: in Compose every environment is its own project with the same service
host names, so one Prometheus scrapes one environment and stamps `environment` on its targets.
The rule files are shared (their selectors name the environment), referenced relative to the
config file as Prometheus resolves them.

The exporters are services the Compose target runs beside the stack (docs/observability.md):
`EXPORTERS` says where each one listens and which metrics it yields, `exporters(model)` which of
them an environment needs, so the Compose target runs exactly the ones a rule reads.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from stackc import ir

ALERTMANAGER = "alertmanager:9093"
# The Compose project is the stack: cAdvisor sees it as this container label.
COMPOSE_PROJECT_LABEL = "container_label_com_docker_compose_project"
COMPOSE_SERVICE_LABEL = "container_label_com_docker_compose_service"
# The blackbox exporter module the TLS probes use (the Compose target configures it).
BLACKBOX_MODULE = "http_2xx"
# The job that pushes backup results to the Pushgateway, and the metric it pushes.
BACKUP_PUSH_JOB = "stackc-backup"
BACKUP_METRIC = "stackc_backup_last_success_timestamp_seconds"


class Exporter(NamedTuple):
    """Where a scrape job's target listens, and the metric-name prefixes the job yields."""

    address: str
    metrics: tuple[str, ...]


# Job (= Compose service) name -> exporter. Every job also yields `up`.
EXPORTERS: dict[str, Exporter] = {
    "prometheus": Exporter("localhost:9090", ("prometheus_", "process_", "go_", "net_conntrack_")),
    "alertmanager": Exporter(ALERTMANAGER, ("alertmanager_", "process_", "go_")),
    "cadvisor": Exporter("cadvisor:8080", ("container_", "machine_", "cadvisor_")),
    "node-exporter": Exporter("node-exporter:9100", ("node_",)),
    "blackbox": Exporter("blackbox:9115", ("probe_",)),
    "pushgateway": Exporter("pushgateway:9091", ("stackc_backup_", "push_time_seconds", "push_failure_")),
}
# What a service's own metrics endpoint yields (the metrics contract).
SERVICE_METRICS = ("http_",)


def metrics_endpoint(service: ir.Service) -> tuple[str, int] | None:
    """(path, port) to scrape: `metrics`, or `/metrics` on the first port for a service with an SLO."""
    if service.metrics is None and not service.slos:
        return None
    path = service.metrics.path if service.metrics else "/metrics"
    port = service.metrics.port if service.metrics else None
    if isinstance(port, str):
        port = service.ports.get(port)
    if port is None:
        port = next(iter(service.ports.values()), None)
    return (path, port) if port is not None else None


def container_backings(model: ir.EnvironmentModel) -> list[ir.Database | ir.Queue]:
    """Databases and queues that run as containers of the stack (not managed, not external)."""
    return [b for b in [*model.databases.values(), *model.queues.values()] if b.form == "container"]


def tls_hosts(model: ir.EnvironmentModel) -> dict[str, str]:
    """Gateway name -> the host name whose certificate users see (gateways that serve TLS)."""
    return {
        g.name: g.host.lower()
        for g in model.gateways.values()
        if g.tls is not None and g.tls != "off" and g.host is not None
    }


def compose_backed_up(model: ir.EnvironmentModel) -> list[ir.Database | ir.Queue]:
    """The backings whose Compose backup job pushes `BACKUP_METRIC` after a successful dump.

    The Kubernetes CronJobs' set, less what the Compose job cannot dump from a connection string
    alone (an external MySQL or Redis: targets/compose/backing.py reports those instead).
    """
    return [
        b
        for b in cluster_backed_up(model)
        if b.form == "container" or (isinstance(b, ir.Database) and b.engine in ("postgres", "mongodb"))
    ]


def cluster_backed_up(model: ir.EnvironmentModel) -> list[ir.Database | ir.Queue]:
    # Imported here: the Kubernetes target imports this package for its PrometheusRules.
    from stackc.targets.kubernetes import backups

    return backups.backed_up(model)


def cron_job_name(backing: ir.Database | ir.Queue) -> str:
    from stackc.targets.kubernetes import backups

    return backups.job_name(backing)


def has_volumes(model: ir.EnvironmentModel) -> bool:
    """Whether anything of the environment keeps data in Docker volumes on the host."""
    return (
        any(s.volumes for s in model.services.values())
        or bool(container_backings(model))
        or bool(compose_backed_up(model))
    )


def exporters(model: ir.EnvironmentModel) -> set[str]:
    """The exporter services (keys of `EXPORTERS`) the environment's Prometheus scrapes."""
    needed = {"prometheus", "alertmanager"}
    if model.services or container_backings(model):
        needed.add("cadvisor")
    if has_volumes(model):
        needed.add("node-exporter")
    if tls_hosts(model):
        needed.add("blackbox")
    if compose_backed_up(model):
        needed.add("pushgateway")
    return needed


def _exporter_job(model: ir.EnvironmentModel, name: str) -> dict[str, Any]:
    labels = {"environment": model.name}
    job: dict[str, Any] = {"job_name": name}
    if name == "blackbox":
        # One target group per gateway, so the probe's series carry the gateway as `service`.
        job["metrics_path"] = "/probe"
        job["params"] = {"module": [BLACKBOX_MODULE]}
        job["static_configs"] = [
            {"targets": [f"https://{host}"], "labels": {"service": gateway, **labels}}
            for gateway, host in tls_hosts(model).items()
        ]
        # The standard blackbox relabelling: the target becomes the `target` parameter and the
        # `instance` label, and the exporter is what is actually scraped.
        job["relabel_configs"] = [
            {"source_labels": ["__address__"], "target_label": "__param_target"},
            {"source_labels": ["__param_target"], "target_label": "instance"},
            {"target_label": "__address__", "replacement": EXPORTERS[name].address},
        ]
        return job
    job["static_configs"] = [{"targets": [EXPORTERS[name].address], "labels": labels}]
    if name == "cadvisor":
        job["metric_relabel_configs"] = [
            # One host may run other projects: keep this stack's containers only.
            {"source_labels": [COMPOSE_PROJECT_LABEL], "regex": _regex_literal(model.stack.name), "action": "keep"},
            # The Compose service is the `service` every rule selects on.
            {"source_labels": [COMPOSE_SERVICE_LABEL], "target_label": "service"},
        ]
    if name == "pushgateway":
        # The pushed `job` and `database` labels are the backup's, not the Pushgateway's.
        job["honor_labels"] = True
    return job


def _regex_literal(text: str) -> str:
    # Stack names are DNS labels; escape anyway so a `.` can never match more than itself.
    return "".join("\\" + c if not c.isalnum() and c not in "-_" else c for c in text)


def emit_prometheus_config(model: ir.EnvironmentModel, rule_files: list[str]) -> dict[str, Any]:
    jobs = []
    for service in model.services.values():
        endpoint = metrics_endpoint(service)
        if endpoint is None:
            continue
        path, port = endpoint
        jobs.append(
            {
                "job_name": service.name,
                "metrics_path": path,
                "static_configs": [
                    {
                        "targets": [f"{service.name}:{port}"],
                        # The labels every generated rule selects on (docs/observability.md).
                        "labels": {"service": service.name, "environment": model.name},
                    }
                ],
            }
        )
    needed = exporters(model)
    jobs.extend(_exporter_job(model, name) for name in EXPORTERS if name in needed)
    return {
        "global": {"scrape_interval": "30s", "evaluation_interval": "30s"},
        "rule_files": [f"../rules/{name}" for name in rule_files],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [ALERTMANAGER]}]}]},
        "scrape_configs": jobs,
    }


def job_metrics(config: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """Job name -> the metric-name prefixes it yields, for the jobs of a generated prometheus.yml."""
    out: dict[str, tuple[str, ...]] = {}
    for job in config["scrape_configs"]:
        name = job["job_name"]
        out[name] = (*(EXPORTERS[name].metrics if name in EXPORTERS else SERVICE_METRICS), "up")
    return out
