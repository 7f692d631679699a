"""Platform alerts, each with the promtool cases that fire it and that must leave it quiet.

Two flavours, because the metrics behind the same alert differ (docs/observability.md):

- `compose`: the rule file next to `prometheus/<env>/prometheus.yml`, reading the exporters the
  Compose target runs (`config.EXPORTERS`): cAdvisor, node-exporter, blackbox, Pushgateway;
- `kubernetes`: what a kube-prometheus-stack cluster collects: kubelet cAdvisor, kube-state-metrics
  and cert-manager's metrics, selected by namespace and the names the Kubernetes target gives
  containers, claims, Certificates and CronJobs.

Both have the service alerts of the metrics contract (`up`, `http_requests_total`, the duration
histogram). Thresholds come from the stack file (limits, backup schedules), so no extra metric is
needed. The Kubernetes target builds its PrometheusRule objects from `groups({env: model},
flavour="kubernetes")`; every group name carries the environment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from stackc import ir
from stackc.targets.prometheus import config, cron, names
from stackc.targets.prometheus.config import metrics_endpoint
from stackc.targets.prometheus.names import decimal_text, promql_string, selector
from stackc.targets.prometheus.slo import Alert

Flavour = Literal["compose", "kubernetes"]
FLAVOURS: tuple[Flavour, ...] = ("compose", "kubernetes")

# 5% of requests failing for 10 minutes: a symptom worth a ticket even inside the SLO budget.
ERROR_RATIO = "0.05"
# Share of a limit above which a container is "near" it (CPU is then throttled, memory OOM-killed).
NEAR_LIMIT = Decimal("0.9")
# More than this many restarts in 15 minutes is a crash loop, not a one-off.
RESTARTS = 2
# A volume is predicted full within this many hours (from its last 6h trend), and is at most half free.
VOLUME_HOURS = 4
VOLUME_FREE_RATIO = "0.5"
# Certificate expiry: a ticket two weeks ahead (renewal normally happens 30 days ahead), a page at 3 days.
TLS_WARNING_DAYS = 14
TLS_CRITICAL_DAYS = 3
# Added to a schedule's longest gap: a dump's own run time (the CronJob's activeDeadlineSeconds is
# 1h) and start-up delays.
BACKUP_GRACE_SECONDS = 2 * 3600
# Where Docker keeps named volumes, as node-exporter reports the host's filesystem (docs).
DOCKER_MOUNTPOINT = "/"
# Default tests: one sample a minute for 30 minutes, evaluated at 25m.
_SAMPLES = 30
_EVAL = "25m"


@dataclass(frozen=True)
class Case:
    """One promtool test group: input series, and the alerts (`exp_alerts` items) expected."""

    name: str
    series: list[dict[str, str]]
    fires: list[dict[str, Any]]


@dataclass(frozen=True)
class Rule:
    alert: Alert
    expr: str
    wait: str | None
    cases: list[Case] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        rule: dict[str, Any] = {"alert": self.alert.name, "expr": self.expr}
        if self.wait is not None:
            rule["for"] = self.wait
        # Annotations are Go templates in Prometheus: user text must render as itself.
        annotations = {k: names.template_literal(v) for k, v in self.alert.annotations.items()}
        rule.update({"labels": self.alert.labels, "annotations": annotations})
        return rule


def _series(metric: str, labels: dict[str, str], values: str) -> dict[str, str]:
    return {"series": metric + selector(**labels), "values": values}


def _expected(alert: Alert, series_labels: dict[str, str]) -> dict[str, Any]:
    # An alert keeps its series' labels (less `__name__`); the rule's own labels win.
    return {"exp_labels": {**series_labels, **alert.labels}, "exp_annotations": alert.annotations}


def _pair(alert: Alert, fire: list[dict[str, str]], quiet: list[dict[str, str]], labels: dict[str, str]) -> list[Case]:
    """The usual two cases: series that fire the alert with `labels`, series that must not."""
    return [Case("fires", fire, [_expected(alert, labels)]), Case("stays quiet", quiet, [])]


# -- the metrics contract: every scraped service ---------------------------------------------------


def _latency_slo(service: ir.Service) -> ir.Slo | None:
    return next((s for s in service.slos.values() if s.threshold is not None), None)


def _service_rules(service: ir.Service, env: str) -> list[Rule]:
    sel = selector(service=service.name, environment=env)
    inner = sel[1:-1]
    base = {"service": service.name, "environment": env}
    where = f"{service.name} in {env}"

    def counter(metric: str, extra: dict[str, str], per_minute: int) -> dict[str, str]:
        return _series(metric, {**base, **extra}, f"0+{per_minute}x{_SAMPLES}")

    down = Alert(
        "TargetDown",
        "warning",
        service.name,
        env,
        f"Prometheus cannot scrape {where}.",
        f"The metrics endpoint of {where} has not answered for 5 minutes.",
        "target-down",
    )
    # `up` keeps its series labels (`job`); the ratios and quantiles aggregate them away.
    up = {"job": service.name, **base}
    errors = Alert(
        "HighErrorRate",
        "warning",
        service.name,
        env,
        f"More than 5% of the requests to {where} fail.",
        f"Over 5% of the requests to {where} have answered 5xx for 10 minutes.",
        "high-error-rate",
    )
    out = [
        Rule(
            down,
            f"up{sel} == 0",
            "5m",
            _pair(down, [_series("up", up, f"0x{_SAMPLES}")], [_series("up", up, f"1x{_SAMPLES}")], up),
        ),
        Rule(
            errors,
            f'sum(rate({names.REQUESTS}{{{inner},code=~"5.."}}[5m])) / sum(rate({names.REQUESTS}{sel}[5m]))'
            f" > {ERROR_RATIO}",
            "10m",
            # 1 in 10 fails (10% > 5%), or 1 in 100 (1%).
            _pair(
                errors,
                [counter(names.REQUESTS, {"code": "500"}, 1), counter(names.REQUESTS, {"code": "200"}, 9)],
                [counter(names.REQUESTS, {"code": "500"}, 1), counter(names.REQUESTS, {"code": "200"}, 99)],
                {},
            ),
        ),
    ]
    slo = _latency_slo(service)
    if slo is not None and slo.threshold is not None:
        bound = slo.threshold.seconds
        latency = Alert(
            "HighLatencyP95",
            "warning",
            service.name,
            env,
            f"The 95th percentile latency of {where} is above {slo.threshold.text}.",
            f"p95 of {where} has been above the {slo.name} SLO threshold {slo.threshold.text} for 10 minutes.",
            "high-latency",
        )

        def buckets(under: int, over: int) -> list[dict[str, str]]:
            # Every request between the threshold and twice it fires; all under it must not.
            bucket = f"{names.DURATION}_bucket"
            return [
                counter(bucket, {"le": decimal_text(bound)}, under),
                counter(bucket, {"le": decimal_text(bound * 2)}, under + over),
                counter(bucket, {"le": "+Inf"}, under + over),
            ]

        out.append(
            Rule(
                latency,
                f"histogram_quantile(0.95, sum by (le) (rate({names.DURATION}_bucket{sel}[5m])))"
                f" > {decimal_text(bound)}",
                "10m",
                _pair(latency, buckets(0, 10), buckets(10, 0), {}),
            )
        )
    return out


# -- containers: restarts, CPU and memory near their limits ----------------------------------------


def cpu_limit_cores(resources: ir.Resources) -> Decimal:
    """The CPU limit both targets set: `cpu_limit` (derived as 4 × `cpu` when not written)."""
    limit = resources.cpu_limit if resources.cpu_limit is not None else resources.cpu
    return limit.cores


def memory_limit_bytes(resources: ir.Resources) -> int:
    """The memory limit both targets set: `memory_limit` (derived as `memory` when not written)."""
    return (resources.memory_limit or resources.memory).bytes


def _container_labels(model: ir.EnvironmentModel, name: str, flavour: Flavour, job: str) -> dict[str, str]:
    """The labels of one container's series, as the flavour's exporter writes them (test input)."""
    if flavour == "compose":
        # cAdvisor names the container `<project>-<service>-<n>`; `service` comes from relabelling.
        return {
            "job": "cadvisor",
            "instance": config.EXPORTERS["cadvisor"].address,
            "name": f"{model.stack.name}-{name}-1",
            "service": name,
            "environment": model.name,
        }
    return {"job": job, "namespace": model.environment.namespace or "", "pod": f"{name}-0", "container": name}


def _container_selector(model: ir.EnvironmentModel, name: str, flavour: Flavour) -> str:
    if flavour == "compose":
        return selector(service=name, environment=model.name)
    # The Kubernetes target names a pod's one container after the service or backing.
    return selector(namespace=model.environment.namespace or "", container=name)


def _container_rules(model: ir.EnvironmentModel, name: str, resources: ir.Resources, flavour: Flavour) -> list[Rule]:
    env = model.name
    sel = _container_selector(model, name, flavour)
    where = f"{name} in {env}"
    cores = cpu_limit_cores(resources)
    memory = memory_limit_bytes(resources)
    limit_text = resources.cpu_limit.text if resources.cpu_limit is not None else resources.cpu.text
    memory_text = (resources.memory_limit or resources.memory).text
    restarts = Alert(
        "ContainerRestarting",
        "warning",
        name,
        env,
        f"A container of {where} keeps restarting.",
        f"A container of {where} restarted more than {RESTARTS} times in 15 minutes: it is crashing or"
        " failing its health checks.",
        "container-restarts",
    )
    cpu = Alert(
        "ContainerCpuNearLimit",
        "warning",
        name,
        env,
        f"A container of {where} uses more than 90% of its CPU limit.",
        f"A container of {where} has used over 90% of its CPU limit of {limit_text} for 15 minutes; it is"
        " being throttled.",
        "cpu-near-limit",
    )
    mem = Alert(
        "ContainerMemoryNearLimit",
        "warning",
        name,
        env,
        f"A container of {where} uses more than 90% of its memory limit.",
        f"The working set of a container of {where} has been above 90% of its memory limit of {memory_text}"
        " for 15 minutes; at the limit it is OOM-killed.",
        "memory-near-limit",
    )
    cadvisor = _container_labels(model, name, flavour, "kubelet")
    if flavour == "compose":
        # cAdvisor has no restart counter: a restarted container gets a new start time.
        restart_expr = f"changes(container_start_time_seconds{sel}[15m]) > {RESTARTS}"
        restart_labels = cadvisor
        restart_fire = _series("container_start_time_seconds", cadvisor, f"0+60x{_SAMPLES}")
        restart_quiet = _series("container_start_time_seconds", cadvisor, f"0x{_SAMPLES}")
    else:
        restart_expr = f"increase(kube_pod_container_status_restarts_total{sel}[15m]) > {RESTARTS}"
        restart_labels = _container_labels(model, name, flavour, "kube-state-metrics")
        restart_fire = _series("kube_pod_container_status_restarts_total", restart_labels, f"0+1x{_SAMPLES}")
        restart_quiet = _series("kube_pod_container_status_restarts_total", restart_labels, f"3x{_SAMPLES}")
    cpu_metric, mem_metric = "container_cpu_usage_seconds_total", "container_memory_working_set_bytes"
    return [
        Rule(restarts, restart_expr, None, _pair(restarts, [restart_fire], [restart_quiet], restart_labels)),
        Rule(
            cpu,
            f"rate({cpu_metric}{sel}[5m]) > {decimal_text(NEAR_LIMIT * cores)}",
            "15m",
            # CPU seconds a minute: the whole limit fires, half of it must not.
            _pair(
                cpu,
                [_series(cpu_metric, cadvisor, f"0+{decimal_text(cores * 60)}x{_SAMPLES}")],
                [_series(cpu_metric, cadvisor, f"0+{decimal_text(cores * 30)}x{_SAMPLES}")],
                cadvisor,
            ),
        ),
        Rule(
            mem,
            f"{mem_metric}{sel} > {decimal_text(NEAR_LIMIT * memory)}",
            "15m",
            _pair(
                mem,
                [_series(mem_metric, cadvisor, f"{memory}x{_SAMPLES}")],
                [_series(mem_metric, cadvisor, f"{memory // 2}x{_SAMPLES}")],
                cadvisor,
            ),
        ),
    ]


# -- volumes --------------------------------------------------------------------------------------


def _filling(avail: str, size: str, sel: str) -> str:
    return (
        f"{avail}{sel} / {size}{sel} < {VOLUME_FREE_RATIO}"
        f" and predict_linear({avail}{sel}[6h], {VOLUME_HOURS * 3600}) < 0"
    )


def _volume_cases(alert: Alert, avail: str, size: str, labels: dict[str, str]) -> list[Case]:
    # 1000 bytes, 400 free and 5 fewer a minute: full in 80 minutes. Steady at 400: never.
    capacity = _series(size, labels, f"1000x{_SAMPLES}")
    return _pair(
        alert,
        [capacity, _series(avail, labels, f"400-5x{_SAMPLES}")],
        [capacity, _series(avail, labels, f"400x{_SAMPLES}")],
        labels,
    )


def kubernetes_claims(model: ir.EnvironmentModel) -> list[tuple[str, str, str]]:
    """(owner, claim regex, a claim name) per PersistentVolumeClaim the Kubernetes target creates.

    A StatefulSet's claim from template `t` is `t-<statefulset>-<ordinal>`. The templates are
    `{service}-{volume}` (targets/kubernetes/__init__.py), `{database}-data` (backing.py); the
    backup claim is `{database}-backups` (backups.py).
    """
    from stackc.targets.kubernetes.names import stateful_set

    out = []
    for service in model.services.values():
        for volume in service.volumes.values():
            template, owner = f"{service.name}-{volume.name}", stateful_set(service.name)
            out.append((service.name, f"{template}-{owner}-[0-9]+", f"{template}-{owner}-0"))
    for backing in config.container_backings(model):
        template, owner = f"{backing.name}-data", stateful_set(backing.name)
        out.append((backing.name, f"{template}-{owner}-[0-9]+", f"{template}-{owner}-0"))
    for backing in config.cluster_backed_up(model):
        claim = f"{backing.name}-backups"
        out.append((backing.name, claim, claim))
    return out


def _volume_rules(model: ir.EnvironmentModel, flavour: Flavour) -> list[Rule]:
    env = model.name
    summary = "A volume of {} in {} will be full within " + f"{VOLUME_HOURS} hours."
    if flavour == "compose":
        if not config.has_volumes(model):
            return []
        owners = sorted(
            {s.name for s in model.services.values() if s.volumes}
            | {b.name for b in config.container_backings(model)}
            | {b.name for b in config.compose_backed_up(model)}
        )
        alert = Alert(
            "VolumeFillingUp",
            "critical",
            "host",
            env,
            f"The Docker host of {env} will run out of disk within {VOLUME_HOURS} hours.",
            f"The filesystem at {DOCKER_MOUNTPOINT} on the Docker host of {env}, which holds the volumes of "
            f"{', '.join(owners)}, is less than half free and its last 6 hours' trend reaches zero within "
            f"{VOLUME_HOURS} hours.",
            "volume-filling",
        )
        labels = {
            "job": "node-exporter",
            "instance": config.EXPORTERS["node-exporter"].address,
            "environment": env,
            "mountpoint": DOCKER_MOUNTPOINT,
            "device": "/dev/sda1",
            "fstype": "ext4",
        }
        sel = selector(environment=env, mountpoint=DOCKER_MOUNTPOINT)
        avail, size = "node_filesystem_avail_bytes", "node_filesystem_size_bytes"
        return [Rule(alert, _filling(avail, size, sel), "15m", _volume_cases(alert, avail, size, labels))]
    namespace = model.environment.namespace or ""
    avail, size = "kubelet_volume_stats_available_bytes", "kubelet_volume_stats_capacity_bytes"
    # One rule per owner, its claims as one regex: two rules with the same name and labels would
    # be duplicates to promtool.
    owners: dict[str, list[tuple[str, str]]] = {}
    for owner, pattern, claim in kubernetes_claims(model):
        owners.setdefault(owner, []).append((pattern, claim))
    out = []
    for owner, claims in owners.items():
        alert = Alert(
            "VolumeFillingUp",
            "critical",
            owner,
            env,
            summary.format(owner, env),
            f"A claim of {owner} in {env} ({', '.join(p for p, _ in claims)}) is less than half free and its"
            f" last 6 hours' trend reaches zero within {VOLUME_HOURS} hours.",
            "volume-filling",
        )
        regex = "|".join(p for p, _ in claims)
        sel = f"{{namespace={promql_string(namespace)},persistentvolumeclaim=~{promql_string(regex)}}}"
        cases = []
        for _, claim in claims:
            labels = {"job": "kubelet", "namespace": namespace, "persistentvolumeclaim": claim}
            cases.extend(
                Case(f"{c.name} ({claim})", c.series, c.fires) for c in _volume_cases(alert, avail, size, labels)
            )
        out.append(Rule(alert, _filling(avail, size, sel), "15m", cases))
    return out


# -- TLS certificates -----------------------------------------------------------------------------


def kubernetes_certificates(model: ir.EnvironmentModel) -> dict[str, str]:
    """Gateway -> the cert-manager Certificate of its TLS secret.

    cert-manager's ingress-shim names the Certificate after the Ingress's `tls.secretName`, which
    the Kubernetes target sets to `{gateway}-tls` for a `letsencrypt` gateway with a host
    (targets/kubernetes/ingress.py). A tunnel gateway has no Ingress; a `cloudflare()` origin
    certificate is not cert-manager's.
    """
    return {
        g.name: f"{g.name}-tls"
        for g in model.gateways.values()
        if isinstance(g.tls, ir.LetsEncrypt) and g.host is not None and g.tunnel == "none"
    }


def _tls_rules(model: ir.EnvironmentModel, flavour: Flavour) -> list[Rule]:
    env = model.name
    namespace = model.environment.namespace or ""
    hosts = config.tls_hosts(model)
    if flavour == "compose":
        subjects = {g: (selector(service=g, environment=env), hosts[g]) for g in hosts}
        metric = "probe_ssl_earliest_cert_expiry"
    else:
        certificates = kubernetes_certificates(model)
        subjects = {g: (selector(namespace=namespace, name=cert), hosts[g]) for g, cert in certificates.items()}
        metric = "certmanager_certificate_expiration_timestamp_seconds"
    out = []
    for gateway, (sel, host) in subjects.items():
        if flavour == "compose":
            labels = {
                "job": "blackbox",
                "instance": f"https://{host}",
                "service": gateway,
                "environment": env,
            }
        else:
            labels = {"job": "cert-manager", "namespace": namespace, "name": f"{gateway}-tls"}
        for severity, days, kind in (
            ("warning", TLS_WARNING_DAYS, "tls-expiring"),
            ("critical", TLS_CRITICAL_DAYS, "tls-expiring-critical"),
        ):
            name = "TlsCertificateExpiring" if severity == "warning" else "TlsCertificateExpiryImminent"
            alert = Alert(
                name,
                severity,
                gateway,
                env,
                f"The TLS certificate of {host} ({gateway} in {env}) expires within {days} days.",
                f"The certificate served for {host} by gateway {gateway} in {env} expires in less than {days}"
                " days: automatic renewal has not happened.",
                kind,
            )
            seconds = days * 86400
            # Expiry as a Unix time; the tests' clock starts at 0, so "in N days" is N × 86400.
            fire = _series(metric, labels, f"{(days - 1) * 86400}x{_SAMPLES}")
            quiet = _series(metric, labels, f"{(days + 7) * 86400}x{_SAMPLES}")
            out.append(Rule(alert, f"{metric}{sel} - time() < {seconds}", "10m", _pair(alert, [fire], [quiet], labels)))
        if flavour == "compose":
            alert = Alert(
                "GatewayProbeFailed",
                "warning",
                gateway,
                env,
                f"https://{host} ({gateway} in {env}) fails its probe.",
                f"The blackbox exporter has not fetched https://{host}/ with a valid certificate and a 2xx answer"
                " for 10 minutes.",
                "gateway-probe",
            )
            out.append(
                Rule(
                    alert,
                    f"probe_success{sel} == 0",
                    "10m",
                    _pair(
                        alert,
                        [_series("probe_success", labels, f"0x{_SAMPLES}")],
                        [_series("probe_success", labels, f"1x{_SAMPLES}")],
                        labels,
                    ),
                )
            )
    return out


# -- backups --------------------------------------------------------------------------------------


def backed_up(model: ir.EnvironmentModel, flavour: Flavour) -> list[ir.Database | ir.Queue]:
    """The databases and queues whose backups the flavour's alerts watch."""
    return config.compose_backed_up(model) if flavour == "compose" else config.cluster_backed_up(model)


def allowed_age(backup: ir.Backup) -> int | None:
    """Seconds without a successful backup before it is late: the schedule's longest gap plus grace."""
    gap = cron.longest_gap(backup.schedule)
    return None if gap is None else gap + BACKUP_GRACE_SECONDS


def _age_text(seconds: int) -> str:
    hours = seconds // 3600
    return f"{hours // 24}d{hours % 24}h" if hours >= 24 else f"{hours}h"


class _Backup(NamedTuple):
    alert: Alert
    expr: str
    allowed: int
    last_metric: str  # the last successful run's time
    last_labels: dict[str, str]
    since_metric: str  # when counting starts if nothing succeeded yet
    since_labels: dict[str, str]


def _backup_rules(model: ir.EnvironmentModel, flavour: Flavour) -> list[Rule]:
    env = model.name
    namespace = model.environment.namespace or ""
    prometheus = {"job": "prometheus", "instance": config.EXPORTERS["prometheus"].address, "environment": env}
    planned: list[_Backup] = []
    for backing in backed_up(model, flavour):
        assert backing.backup is not None
        allowed = allowed_age(backing.backup)
        if allowed is None:
            continue
        alert = Alert(
            "BackupTooOld",
            "warning",
            backing.name,
            env,
            f"No backup of {backing.name} in {env} succeeded within its schedule.",
            f"The last successful backup of {backing.name} in {env} is older than {_age_text(allowed)}: the"
            f" longest gap of schedule `{backing.backup.schedule}` plus {_age_text(BACKUP_GRACE_SECONDS)}.",
            "backup-late",
        )
        if flavour == "compose":
            last_labels = {"job": config.BACKUP_PUSH_JOB, "database": backing.name, "environment": env}
            last_metric = config.BACKUP_METRIC
            # Never succeeded: count from when Prometheus started, the first moment it could see a push.
            since_metric, since_labels = "process_start_time_seconds", prometheus
        else:
            cron_job = config.cron_job_name(backing)
            last_labels = {"job": "kube-state-metrics", "namespace": namespace, "cronjob": cron_job}
            last_metric = "kube_cronjob_status_last_successful_time"
            # Never succeeded: count from the CronJob's creation.
            since_metric, since_labels = "kube_cronjob_created", last_labels
        last_sel = selector(**{k: v for k, v in last_labels.items() if k != "instance"})
        since_sel = selector(**{k: v for k, v in since_labels.items() if k != "instance"})
        expr = f"time() - (max({last_metric}{last_sel}) or max({since_metric}{since_sel})) > {allowed}"
        planned.append(_Backup(alert, expr, allowed, last_metric, last_labels, since_metric, since_labels))
    out = []
    for alert, expr, allowed, last_metric, last_labels, since_metric, since_labels in planned:
        # The tests' clock starts at 0: at 25m a timestamp of -allowed is too old, 0 is recent.
        long_ago = f"-{allowed}x{_SAMPLES}"
        recent = f"0x{_SAMPLES}"
        successes = [_series(last_metric, last_labels, recent)]
        if flavour == "compose":
            # Prometheus' start time is shared by every backup of the environment: all must have succeeded.
            successes = [_series(b.last_metric, b.last_labels, recent) for b in planned]
        cases = [
            Case("fires when the last success is too old", [_series(last_metric, last_labels, long_ago)],
                 [_expected(alert, {})]),
            Case("stays quiet after a recent success", [*successes, _series(since_metric, since_labels, long_ago)],
                 []),
        ]  # fmt: skip
        if flavour == "compose":
            # Prometheus' start time is shared by every backup of the environment: all of them fire.
            oldest = max(b.allowed for b in planned)
            cases.append(
                Case(
                    "fires when nothing succeeded since Prometheus started",
                    [_series(since_metric, since_labels, f"-{oldest}x{_SAMPLES}")],
                    [_expected(b.alert, {}) for b in planned],
                )
            )
        else:
            cases.append(
                Case(
                    "fires when nothing succeeded since the CronJob was created",
                    [_series(since_metric, since_labels, long_ago)],
                    [_expected(alert, {})],
                )
            )
        cases.append(Case("stays quiet when nothing ran yet", [_series(since_metric, since_labels, recent)], []))
        out.append(Rule(alert, expr, None, cases))
    return out


# -- assembling -----------------------------------------------------------------------------------


def _scraped(model: ir.EnvironmentModel) -> list[ir.Service]:
    return [s for s in model.services.values() if metrics_endpoint(s) is not None]


def rules(model: ir.EnvironmentModel, flavour: Flavour = "compose") -> dict[str, list[Rule]]:
    """Group name -> rules, for one environment. Names carry the environment and the subject
    (service, database, queue, gateway, or `host` for the Compose host's disk)."""
    env = model.name
    out: dict[str, list[Rule]] = {}
    for service in _scraped(model):
        out.setdefault(f"platform-{env}-{service.name}", []).extend(_service_rules(service, env))
    for name, resources in _containers(model):
        out.setdefault(f"platform-{env}-{name}", []).extend(_container_rules(model, name, resources, flavour))
    for rule in _volume_rules(model, flavour):
        out.setdefault(f"platform-{env}-{rule.alert.service}", []).append(rule)
    for rule in _tls_rules(model, flavour):
        out.setdefault(f"platform-{env}-gateway-{rule.alert.service}", []).append(rule)
    for rule in _backup_rules(model, flavour):
        out.setdefault(f"platform-{env}-{rule.alert.service}", []).append(rule)
    return out


# Saturation per service and environment, whichever exporter measured it: what the dashboards
# read, so one dashboard serves Compose (cAdvisor relabelled) and a cluster (kubelet cAdvisor).
CPU_RECORD = "service:container_cpu_usage:cores"
MEMORY_RECORD = "service:container_memory_working_set:bytes"


def _containers(model: ir.EnvironmentModel) -> list[tuple[str, ir.Resources]]:
    containers = [(s.name, s.resources) for s in model.services.values()]
    return containers + [(b.name, b.resources) for b in config.container_backings(model)]


def saturation_records(model: ir.EnvironmentModel, flavour: Flavour = "compose") -> list[dict[str, Any]]:
    """Recording rules: CPU cores and working-set bytes of each container name, summed over its
    replicas, labelled `service` and `environment`."""
    out = []
    for name, _ in _containers(model):
        sel = _container_selector(model, name, flavour)
        labels = {"service": name, "environment": model.name}
        out.append(
            {"record": CPU_RECORD, "expr": f"sum(rate(container_cpu_usage_seconds_total{sel}[5m]))", "labels": labels}
        )
        out.append({"record": MEMORY_RECORD, "expr": f"sum(container_memory_working_set_bytes{sel})", "labels": labels})
    return out


def groups(
    models: dict[str, ir.EnvironmentModel], flavour: Flavour = "compose"
) -> tuple[list[dict[str, Any]], list[Alert]]:
    """Rule groups of every environment in `models` (one environment works too), and their alerts."""
    out: list[dict[str, Any]] = []
    alerts: list[Alert] = []
    for model in models.values():
        for name, group in rules(model, flavour).items():
            out.append({"name": name, "rules": [r.as_dict() for r in group]})
            alerts.extend(r.alert for r in group)
        records = saturation_records(model, flavour)
        if records:
            out.append({"name": f"platform-{model.name}-saturation", "rules": records})
    return out, alerts


def _saturation_test(models: dict[str, ir.EnvironmentModel], flavour: Flavour) -> dict[str, Any] | None:
    """One promtool group for every saturation record: a container using one core and 1 MiB."""
    series: list[dict[str, str]] = []
    expected: list[dict[str, Any]] = []
    for model in models.values():
        for name, _ in _containers(model):
            labels = _container_labels(model, name, flavour, "kubelet")
            series.append(_series("container_cpu_usage_seconds_total", labels, f"0+60x{_SAMPLES}"))
            series.append(_series("container_memory_working_set_bytes", labels, f"1048576x{_SAMPLES}"))
            where = selector(service=name, environment=model.name)
            for record, value in ((CPU_RECORD, 1), (MEMORY_RECORD, 1048576)):
                sample = {"labels": record + where, "value": value}
                expected.append({"expr": record + where, "eval_time": "10m", "exp_samples": [sample]})
    if not series:
        return None
    return {"interval": "1m", "name": "saturation records", "input_series": series, "promql_expr_test": expected}


def tests(models: dict[str, ir.EnvironmentModel], flavour: Flavour = "compose") -> list[dict[str, Any]]:
    """promtool test groups covering every case of every rule.

    promtool evaluates every rule of the file at every step of every test group, so one group per
    case costs minutes on a large stack. Cases are merged instead: the n-th cases of all rules
    (first the firing ones, then the quiet ones, ...) share a group as long as no series appears
    in two of them with different values, and the group expects, per alert name, exactly the
    union of what its cases expect. Every rule's selector names its own environment and subject,
    so the cases do not see each other's series; a rule that did would fire unexpectedly and
    fail the test, never pass it silently.
    """
    buckets: dict[int, list[tuple[dict[str, str], list[tuple[str, Rule, Case]]]]] = {}
    for model in models.values():
        for group in rules(model, flavour).values():
            for rule in group:
                for index, case in enumerate(rule.cases):
                    series = {s["series"]: s["values"] for s in case.series}
                    for values, members in buckets.setdefault(index, []):
                        if all(values.get(k, v) == v for k, v in series.items()):
                            values.update(series)
                            members.append((model.name, rule, case))
                            break
                    else:
                        buckets[index].append((series, [(model.name, rule, case)]))
    out: list[dict[str, Any]] = []
    for index in sorted(buckets):
        for values, members in buckets[index]:
            expected: dict[str, list[dict[str, Any]]] = {}
            # Seen expectations by their text: comparing dicts against a growing list is
            # quadratic in the number of services.
            seen: set[str] = set()
            for _, rule, case in members:
                union = expected.setdefault(rule.alert.name, [])
                for fire in case.fires:
                    key = rule.alert.name + json.dumps(fire, sort_keys=True)
                    if key not in seen:
                        seen.add(key)
                        union.append(fire)
            cases = "; ".join(
                f"{env}/{rule.alert.service} {rule.alert.name} {case.name}" for env, rule, case in members
            )
            out.append(
                {
                    "interval": "1m",
                    "name": f"case {index + 1}: {cases}",
                    "input_series": [{"series": k, "values": v} for k, v in values.items()],
                    "alert_rule_test": [
                        {"eval_time": _EVAL, "alertname": name, "exp_alerts": fires} for name, fires in expected.items()
                    ],
                }
            )
    saturation = _saturation_test(models, flavour)
    return out + ([saturation] if saturation else [])
