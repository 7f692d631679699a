"""The monitoring stack of an environment as Compose services (docs/compose.md, "Monitoring").

`observability` picks the services: `metrics = prometheus` runs Prometheus and Alertmanager (plus
the exporters that `prometheus.config.exporters` asks for), `logs = loki` runs Loki and Grafana
Alloy as the log shipper, `traces` runs Jaeger or Zipkin, `dashboards = grafana` runs Grafana.
The service names are fixed, because the files of the Prometheus and Grafana targets address
them by host name (`alertmanager:9093`, `http://prometheus:9090`, …).

Networks (all internal unless said otherwise), so that each container reaches only its peers:

- `monitoring`: Prometheus, Alertmanager, the exporters, every service Prometheus scrapes, and the
  backup jobs that push their last-success time to the Pushgateway.
- `monitoring-ui`: Grafana and what it queries (Prometheus, Alertmanager, Loki, Jaeger/Zipkin).
- `logs`: Alloy and Loki. `traces`: the tracing backend and every service of the environment.
- `outbound` (not internal): Alertmanager, to reach Slack, PagerDuty or a mail relay.
- `grafana-ports` (not internal): carries Grafana's port, published on 127.0.0.1 only; Docker
  publishes no port of a container that is only on internal networks (moby/moby#36174).

The configuration files come from the other targets' output (`../prometheus`, `../alertmanager`,
`../grafana`, relative to the Compose folder) and from this module (`monitoring/*`, beside the
Compose files), always mounted read-only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from stackc import ir
from stackc.diagnostics import Severity
from stackc.targets.otel import sdk_environment
from stackc.targets.prometheus import config as prometheus_config
from stackc.targets.prometheus.names import SECRETS_DIR

from . import names
from .scope import CANNOT_EXPRESS, DEFAULT_GROUP, DEFAULT_USER, Scope, SecretFile
from .secrets import declare_secret
from .services import PIDS_LIMIT, RESTART, emit_logging, hardening, timing

# Every image of the stack, pinned to an exact release (SEC005); one table, so that an upgrade is
# one edit. docs/compose.md lists them with the reason for each exception below.
IMAGES: dict[str, str] = {
    "prometheus": "prom/prometheus:v3.14.0",
    "alertmanager": "prom/alertmanager:v0.34.0",
    "grafana": "grafana/grafana:13.1.3",
    "loki": "grafana/loki:3.7.8",
    "alloy": "grafana/alloy:v1.19.2",
    "jaeger": "jaegertracing/jaeger:2.17.0",
    "zipkin": "openzipkin/zipkin:3.5.1",
    "cadvisor": "gcr.io/cadvisor/cadvisor:v0.55.1",
    "node-exporter": "prom/node-exporter:v1.12.1",
    "blackbox": "prom/blackbox-exporter:v0.28.0",
    "pushgateway": "prom/pushgateway:v1.11.3",
}
EXPORTERS = ("cadvisor", "node-exporter", "blackbox", "pushgateway")

MONITORING_NETWORK = "monitoring"
UI_NETWORK = "monitoring-ui"
LOGS_NETWORK = "logs"
TRACES_NETWORK = "traces"
GRAFANA_PORTS_NETWORK = "grafana-ports"

# Where this module's own configuration files go, relative to the Compose folder.
CONFIG_DIR = "monitoring"
# Relative to the Compose folder: the other targets' output (CLI.md layout).
PROMETHEUS_DIR = "../prometheus"
ALERTMANAGER_FILE = "../alertmanager/alertmanager.yml"
GRAFANA_DIR = "../grafana"

GRAFANA_PORT = 3000
GRAFANA_PASSWORD = "grafana.admin-password"  # a `.`: never a declared secret's name (names.py)
PUSHGATEWAY_URL = "http://pushgateway:9091"
BACKUP_METRIC = "stackc_backup_last_success_timestamp_seconds"

# The images' own users where they have one that needs no root: `nobody` in the prom/* images,
# 472 (gid 0) in Grafana's; 10001 in Loki's and Jaeger's, and for Zipkin (whose files are
# world-readable and which writes only /tmp).
NOBODY = (65534, 65534)
USERS: dict[str, tuple[int, int]] = {
    "prometheus": NOBODY,
    "alertmanager": NOBODY,
    "pushgateway": NOBODY,
    "blackbox": NOBODY,
    "node-exporter": NOBODY,
    "grafana": (472, 0),
    "loki": (10001, 10001),
    "jaeger": (DEFAULT_USER, DEFAULT_GROUP),
    "zipkin": (DEFAULT_USER, DEFAULT_GROUP),
    # Documented exceptions: Alloy talks to the Docker socket (root:docker, 0660) and cAdvisor
    # reads /var/lib/docker (root, 0710). Both keep no capability at all: as the owner, root
    # needs none to read them.
    "alloy": (0, 0),
    "cadvisor": (0, 0),
}
RESOURCES: dict[str, tuple[str, str]] = {  # limits (cpus, memory); reservations are a tenth
    "prometheus": ("1", "1g"),
    "alertmanager": ("0.5", "256m"),
    "grafana": ("1", "512m"),
    "loki": ("1", "1g"),
    "alloy": ("0.5", "256m"),
    "jaeger": ("1", "1g"),
    "zipkin": ("1", "1g"),
    "cadvisor": ("0.5", "256m"),
    "node-exporter": ("0.25", "128m"),
    "blackbox": ("0.25", "128m"),
    "pushgateway": ("0.25", "128m"),
}
RESERVATIONS: dict[str, tuple[str, str]] = {
    "1": ("0.1", "64m"),
    "0.5": ("0.05", "32m"),
    "0.25": ("0.025", "16m"),
}


@dataclass
class Plan:
    """Which monitoring services one environment runs."""

    observability: ir.Observability
    services: list[str] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return name in self.services

    @property
    def traces(self) -> str | None:
        return self.observability.traces if self.observability.traces != "none" else None


def plan(model: ir.EnvironmentModel) -> Plan | None:
    observability = model.observability
    if observability is None:
        return None
    chosen: list[str] = []
    if observability.metrics == "prometheus":
        chosen += ["prometheus", "alertmanager"]
        # The Prometheus target decides which exporters it scrapes (and so which rules can read
        # their metrics): exactly those run.
        wanted = prometheus_config.exporters(model)
        chosen += [name for name in EXPORTERS if name in wanted]
    if observability.logs == "loki":
        chosen += ["loki", "alloy"]
    if observability.traces != "none":
        chosen.append(observability.traces)
    if observability.dashboards == "grafana":
        chosen.append("grafana")
    return Plan(observability, chosen) if chosen else None


def generated_names(stack: Plan | None) -> dict[str, str]:
    """Service name -> what it is, for `environment.check_names`."""
    return {name: f"the {name} service of the monitoring stack" for name in (stack.services if stack else [])}


def pushes_backups(stack: Plan | None) -> bool:
    return stack is not None and stack.has("pushgateway")


def scraped(model: ir.EnvironmentModel) -> list[str]:
    """User services Prometheus scrapes (the same rule as the Prometheus target's)."""
    return [s.name for s in model.services.values() if prometheus_config.metrics_endpoint(s) is not None]


# -- durations -----------------------------------------------------------------------------------


def prometheus_duration(duration: ir.Duration) -> str:
    """Prometheus' (and Loki's) duration syntax: `180d`, `1d12h`, `90s`; whole milliseconds."""
    ms = int(duration.seconds * 1000)
    if ms <= 0:
        return "0s"
    out = []
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        count, ms = divmod(ms, size)
        if count:
            out.append(f"{count}{unit}")
    return "".join(out)


def whole_days(duration: ir.Duration) -> int:
    return max(1, math.ceil(duration.seconds / Decimal(86400)))


def go_duration(duration: ir.Duration) -> str:
    """Go's `time.Duration` has no unit above hours: `4320h`, `90m`, `45s`."""
    seconds = max(1, math.ceil(duration.seconds))
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


# -- emitting ------------------------------------------------------------------------------------


@dataclass
class MonitoringOutput:
    # Files beside the Compose files: path relative to the Compose folder -> (format, content,
    # comment marker of the "generated" header).
    files: dict[str, tuple[str, Any, str]] = field(default_factory=dict)


def emit_monitoring(scope: Scope) -> MonitoringOutput:
    """Adds the environment's monitoring services to `scope`; returns the files they read."""
    output = MonitoringOutput()
    stack = scope.monitoring
    if stack is None:
        return output
    emitters = {
        "prometheus": _prometheus,
        "alertmanager": _alertmanager,
        "loki": _loki,
        "alloy": _alloy,
        "jaeger": _jaeger,
        "zipkin": _zipkin,
        "grafana": _grafana,
        "cadvisor": _cadvisor,
        "node-exporter": _node_exporter,
        "blackbox": _blackbox,
        "pushgateway": _pushgateway,
    }
    for name in stack.services:
        scope.services[name] = emitters[name](scope, stack, output)
    return output


def plan_monitoring_networks(scope: Scope) -> None:
    stack: Plan | None = scope.monitoring
    if stack is None:
        return
    present = scope.services

    def join(service: str, network: str) -> None:
        if service in present:
            scope.join(service, network, internal=True)

    if stack.has("prometheus"):
        for name in ("prometheus", "alertmanager", *EXPORTERS):
            join(name, MONITORING_NETWORK)
        for name in scraped(scope.model):
            join(name, MONITORING_NETWORK)
        if stack.has("pushgateway"):
            for name in present:
                if present[name].get("profiles") == ["backup"]:
                    join(name, MONITORING_NETWORK)
        if stack.observability.notify:
            scope.join("alertmanager", names.OUTBOUND_NETWORK, internal=False)
        if "blackbox" in present:
            # It probes the gateways' public https:// addresses, from outside as users do.
            scope.join("blackbox", names.OUTBOUND_NETWORK, internal=False)
    if stack.has("grafana"):
        for name in ("grafana", "prometheus", "alertmanager", "loki", "jaeger", "zipkin"):
            join(name, UI_NETWORK)
        scope.join("grafana", GRAFANA_PORTS_NETWORK, internal=False)
    if stack.has("loki"):
        join("alloy", LOGS_NETWORK)
        join("loki", LOGS_NETWORK)
    if stack.traces is not None:
        join(stack.traces, TRACES_NETWORK)
        for service in scope.model.services.values():
            join(service.name, TRACES_NETWORK)


# Where the Compose trace backends take spans.
TRACE_ENDPOINTS = {"jaeger": "http://jaeger:4318", "zipkin": "http://zipkin:9411/api/v2/spans"}


def otel_environment(stack: Plan | None, model: ir.EnvironmentModel, service: str) -> dict[str, str]:
    """The OpenTelemetry SDK variables of a service in an environment with `traces`; the SDKs
    read them without code (opentelemetry.io "SDK configuration")."""
    if stack is None or stack.traces is None:
        return {}
    return sdk_environment(service, model.name, stack.traces, TRACE_ENDPOINTS[stack.traces])


def _base(scope: Scope, name: str) -> dict[str, Any]:
    """The image and the hardening every container gets; /tmp is the only writable path besides
    the service's volume."""
    user, group = USERS[name]
    spec: dict[str, Any] = {"image": IMAGES[name]}
    spec.update(hardening(user=user, group=group, tmpfs=["/tmp"], pids=PIDS_LIMIT))
    return spec


def _finish(scope: Scope, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    cpus, memory = RESOURCES[name]
    reserved_cpus, reserved_memory = RESERVATIONS[cpus]
    # One replica: each of these keeps its state in one volume, or is scraped by host name.
    spec["deploy"] = {
        "replicas": 1,
        "resources": {
            "limits": {"cpus": cpus, "memory": memory},
            "reservations": {"cpus": reserved_cpus, "memory": reserved_memory},
        },
    }
    spec["restart"] = RESTART
    spec["logging"] = emit_logging()
    if scope.model.stack.labels:
        spec["labels"] = dict(scope.model.stack.labels)
    return spec


def _volume(scope: Scope, name: str, target: str) -> dict[str, Any]:
    """A named volume `<service>-data`, owned by the service's user (`environment.emit_volume_init`)."""
    user, group = USERS[name]
    volume = f"{name}-data"
    scope.mount_volume(volume, f"{user}:{group}")
    return {"type": "volume", "source": volume, "target": target}


def _bind(source: str, target: str) -> dict[str, Any]:
    """A read-only bind mount. Compose's long syntax does not create a missing source (a short
    one would, as an empty root-owned folder in the output): a target that was not built is an
    error at `up`, not a monitoring service without its configuration."""
    return {"type": "bind", "source": source, "target": target, "read_only": True}


def _wget(url: str) -> dict[str, Any]:
    # The prom/* images are built on busybox, and Grafana's and cAdvisor's on Alpine: all have wget.
    return timing(["CMD", "wget", "-q", "-O", "/dev/null", url], 30, 5, 3, 30)


def _prometheus(scope: Scope, stack: Plan, output: MonitoringOutput) -> dict[str, Any]:
    spec = _base(scope, "prometheus")
    spec["command"] = [
        f"--config.file=/etc/prometheus/{scope.environment}/prometheus.yml",
        "--storage.tsdb.path=/prometheus",
        f"--storage.tsdb.retention.time={prometheus_duration(stack.observability.retention)}",
    ]
    # The Prometheus target's whole folder, so that the config's `rule_files` (`../rules/<file>`,
    # relative to the config) resolve, and no mount names a folder that a program without rules
    # does not have.
    spec["volumes"] = [_volume(scope, "prometheus", "/prometheus"), _bind(PROMETHEUS_DIR, "/etc/prometheus")]
    spec["healthcheck"] = _wget("http://127.0.0.1:9090/-/healthy")
    return _finish(scope, "prometheus", spec)


def notify_secrets(observability: ir.Observability) -> list[str]:
    """The secrets alertmanager.yml reads as `*_file` (the Prometheus target's receivers)."""
    out: list[str] = []
    for notify in observability.notify.values():
        kind = notify.type or notify.name
        ref = notify.webhook if kind == "slack" else notify.key if kind == "pagerduty" else None
        if ref is not None and ref.name not in out:
            out.append(ref.name)
    return out


def _alertmanager(scope: Scope, stack: Plan, output: MonitoringOutput) -> dict[str, Any]:
    spec = _base(scope, "alertmanager")
    spec["command"] = [
        "--config.file=/etc/alertmanager/alertmanager.yml",
        "--storage.path=/alertmanager",
        # One instance: no gossip port, no cluster to find (Alertmanager's HA mode is off).
        "--cluster.listen-address=",
    ]
    wanted = notify_secrets(stack.observability)
    secrets = [declare_secret(scope, name) for name in wanted if name in scope.model.secrets]
    if secrets:
        spec["secrets"] = [{"source": name, "target": f"{SECRETS_DIR}/{name}"} for name in secrets]
    spec["volumes"] = [
        _volume(scope, "alertmanager", "/alertmanager"),
        _bind(ALERTMANAGER_FILE, "/etc/alertmanager/alertmanager.yml"),
    ]
    spec["healthcheck"] = _wget("http://127.0.0.1:9093/-/healthy")
    return _finish(scope, "alertmanager", spec)


def loki_config(retention: ir.Duration) -> dict[str, Any]:
    """Single-process Loki on the local filesystem (Loki's own `cmd/loki/loki-local-config.yaml`
    shape). Retention is done by the compactor, and only when `retention_enabled` is set; the
    period must be a multiple of the 24h index period, so it is rounded up to whole days."""
    return {
        "auth_enabled": False,
        "server": {"http_listen_port": 3100, "grpc_listen_port": 9096, "log_level": "warn"},
        "common": {
            "instance_addr": "127.0.0.1",
            "path_prefix": "/loki",
            "storage": {"filesystem": {"chunks_directory": "/loki/chunks", "rules_directory": "/loki/rules"}},
            "replication_factor": 1,
            "ring": {"kvstore": {"store": "inmemory"}},
        },
        "schema_config": {
            "configs": [
                {
                    "from": "2024-01-01",
                    "store": "tsdb",
                    "object_store": "filesystem",
                    "schema": "v13",
                    "index": {"prefix": "index_", "period": "24h"},
                }
            ]
        },
        "limits_config": {"retention_period": f"{whole_days(retention)}d"},
        "compactor": {
            "working_directory": "/loki/compactor",
            "retention_enabled": True,
            "delete_request_store": "filesystem",
        },
        "analytics": {"reporting_enabled": False},
    }


def _loki(scope: Scope, stack: Plan, output: MonitoringOutput) -> dict[str, Any]:
    path = f"{CONFIG_DIR}/loki.{scope.environment}.yaml"
    output.files[path] = ("yaml", loki_config(stack.observability.retention), "#")
    spec = _base(scope, "loki")
    spec["command"] = ["-config.file=/etc/loki/stackc.yaml"]
    spec["volumes"] = [_volume(scope, "loki", "/loki"), _bind(f"./{path}", "/etc/loki/stackc.yaml")]
    # No health check: not every release of the image has a shell or an HTTP client to run one.
    return _finish(scope, "loki", spec)


def alloy_config(project: str, environment: str) -> str:
    """Grafana Alloy reads the logs of this project's containers through the Docker API (Alloy's
    documented `discovery.docker` + `loki.source.docker` pipeline) and labels each line with
    its Compose service and the environment, the labels the generated dashboards select on."""
    return f"""\
discovery.docker "containers" {{
  host = "unix:///var/run/docker.sock"
  filter {{
    name   = "label"
    values = ["com.docker.compose.project={project}"]
  }}
}}

discovery.relabel "containers" {{
  targets = []
  rule {{
    source_labels = ["__meta_docker_container_label_com_docker_compose_service"]
    target_label  = "service"
  }}
  rule {{
    source_labels = ["__meta_docker_container_name"]
    regex         = "/(.*)"
    target_label  = "container"
  }}
}}

loki.source.docker "containers" {{
  host          = "unix:///var/run/docker.sock"
  targets       = discovery.docker.containers.targets
  labels        = {{ environment = "{environment}" }}
  relabel_rules = discovery.relabel.containers.rules
  forward_to    = [loki.write.local.receiver]
}}

loki.write "local" {{
  endpoint {{
    url = "http://loki:3100/loki/api/v1/push"
  }}
}}
"""


def _alloy(scope: Scope, stack: Plan, output: MonitoringOutput) -> dict[str, Any]:
    path = f"{CONFIG_DIR}/alloy.{scope.environment}.alloy"
    output.files[path] = ("text", alloy_config(scope.model.stack.name, scope.environment), "//")
    spec = _base(scope, "alloy")
    spec["command"] = [
        "run",
        "--server.http.listen-addr=127.0.0.1:12345",
        "--storage.path=/var/lib/alloy/data",
        "/etc/alloy/config.alloy",
    ]
    spec["volumes"] = [
        _volume(scope, "alloy", "/var/lib/alloy/data"),
        _bind(f"./{path}", "/etc/alloy/config.alloy"),
        # Hardening exception: the Docker API socket gives this container control of the daemon;
        # `read_only` keeps the file itself, not the API, read-only (docs/compose.md).
        _bind("/var/run/docker.sock", "/var/run/docker.sock"),
    ]
    spec["depends_on"] = {"loki": {"condition": "service_started"}}
    # No health check: the image (Ubuntu-based) has no HTTP client to run one.
    return _finish(scope, "alloy", spec)


def jaeger_config(retention: ir.Duration) -> dict[str, Any]:
    """Jaeger 2 all-in-one with Badger on a volume, so traces survive restarts; Badger deletes
    spans older than `ttl.spans` (Jaeger's `cmd/jaeger/config-badger.yaml` shape)."""
    return {
        "service": {
            "extensions": ["jaeger_storage", "jaeger_query"],
            "pipelines": {
                "traces": {"receivers": ["otlp"], "processors": ["batch"], "exporters": ["jaeger_storage_exporter"]}
            },
        },
        "extensions": {
            "jaeger_query": {"storage": {"traces": "main"}, "http": {"endpoint": "0.0.0.0:16686"}},
            "jaeger_storage": {
                "backends": {
                    "main": {
                        "badger": {
                            "directories": {"keys": "/badger/keys", "values": "/badger/values"},
                            "ephemeral": False,
                            "ttl": {"spans": go_duration(retention)},
                        }
                    }
                }
            },
        },
        "receivers": {
            "otlp": {"protocols": {"grpc": {"endpoint": "0.0.0.0:4317"}, "http": {"endpoint": "0.0.0.0:4318"}}}
        },
        "processors": {"batch": {}},
        "exporters": {"jaeger_storage_exporter": {"trace_storage": "main"}},
    }


def _jaeger(scope: Scope, stack: Plan, output: MonitoringOutput) -> dict[str, Any]:
    path = f"{CONFIG_DIR}/jaeger.{scope.environment}.yaml"
    output.files[path] = ("yaml", jaeger_config(stack.observability.retention), "#")
    spec = _base(scope, "jaeger")
    spec["command"] = ["--config=/etc/jaeger/config.yaml"]
    spec["volumes"] = [_volume(scope, "jaeger", "/badger"), _bind(f"./{path}", "/etc/jaeger/config.yaml")]
    # No health check: not every release of the image has a shell or an HTTP client to run one.
    return _finish(scope, "jaeger", spec)


def _zipkin(scope: Scope, stack: Plan, output: MonitoringOutput) -> dict[str, Any]:
    spec = _base(scope, "zipkin")
    # In-memory storage: Zipkin has no time-based retention for it, only a span count; the
    # persistent stores (Cassandra, Elasticsearch, MySQL) are services of their own.
    spec["environment"] = {"STORAGE_TYPE": "mem", "MEM_MAX_SPANS": "500000", "JAVA_OPTS": "-Xms128m -Xmx768m"}
    # The image ships its own HEALTHCHECK (`docker-healthcheck`), which Compose keeps.
    scope.report(
        CANNOT_EXPRESS,
        Severity.INFO,
        "Zipkin keeps traces in memory in the Compose output: `retention` does not apply to them, and "
        "they are lost on restart",
        stack.observability.span_of("traces"),
    )
    return _finish(scope, "zipkin", spec)


def _grafana(scope: Scope, stack: Plan, output: MonitoringOutput) -> dict[str, Any]:
    password = scope.needs_secret_file(SecretFile(GRAFANA_PASSWORD, "generate", ("32",)))
    spec = _base(scope, "grafana")
    spec["environment"] = {
        "GF_SECURITY_ADMIN_USER": "admin",
        "GF_SECURITY_ADMIN_PASSWORD__FILE": f"/run/secrets/{password}",
        "GF_AUTH_ANONYMOUS_ENABLED": "false",
        "GF_USERS_ALLOW_SIGN_UP": "false",
        "GF_AUTH_DISABLE_LOGIN_FORM": "false",
        "GF_ANALYTICS_REPORTING_ENABLED": "false",
        "GF_ANALYTICS_CHECK_FOR_UPDATES": "false",
        "GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES": "false",
        "GF_NEWS_NEWS_FEED_ENABLED": "false",
        "GF_LOG_MODE": "console",
    }
    spec["secrets"] = [password]
    spec["volumes"] = [
        _volume(scope, "grafana", "/var/lib/grafana"),
        _bind(f"{GRAFANA_DIR}/provisioning", "/etc/grafana/provisioning"),
        _bind(f"{GRAFANA_DIR}/dashboards", "/var/lib/grafana/dashboards"),
    ]
    # Loopback only (CIS 5.14): on a server, reach it through `ssh -L 3000:127.0.0.1:3000`.
    port: dict[str, Any] = {"name": "http", "target": GRAFANA_PORT, "host_ip": "127.0.0.1", "protocol": "tcp"}
    if GRAFANA_PORT not in scope.host_ports:
        port["published"] = str(GRAFANA_PORT)
        scope.host_ports.add(GRAFANA_PORT)
    spec["ports"] = [port]
    spec["healthcheck"] = _wget("http://127.0.0.1:3000/api/health")
    return _finish(scope, "grafana", spec)


def _cadvisor(scope: Scope, stack: Plan, output: MonitoringOutput) -> dict[str, Any]:
    spec = _base(scope, "cadvisor")
    # Only the Compose labels become metric labels: the Prometheus target keeps this project's
    # containers by `com.docker.compose.project` and names them by `com.docker.compose.service`.
    spec["command"] = [
        "--docker_only=true",
        "--housekeeping_interval=30s",
        "--store_container_labels=false",
        "--whitelisted_container_labels=com.docker.compose.project,com.docker.compose.service",
    ]
    # Hardening exceptions (docs/compose.md): the host's filesystems, read-only, are what it
    # measures. It runs without `privileged` and without /dev/kmsg (reading that needs
    # CAP_SYSLOG), so OOM-kill events are not reported.
    spec["volumes"] = [
        _bind("/", "/rootfs"),
        _bind("/var/run", "/var/run"),
        _bind("/sys", "/sys"),
        _bind("/var/lib/docker", "/var/lib/docker"),
    ]
    spec["healthcheck"] = _wget("http://127.0.0.1:8080/healthz")
    return _finish(scope, "cadvisor", spec)


def _node_exporter(scope: Scope, stack: Plan, output: MonitoringOutput) -> dict[str, Any]:
    spec = _base(scope, "node-exporter")
    spec["command"] = ["--path.rootfs=/host"]
    # The host's root, read-only and `rslave` so that later host mounts appear (node_exporter
    # README). It stays in its own network namespace: network metrics are the container's.
    spec["volumes"] = [{"type": "bind", "source": "/", "target": "/host", "read_only": True,
                        "bind": {"propagation": "rslave"}}]
    spec["healthcheck"] = _wget("http://127.0.0.1:9100/")
    return _finish(scope, "node-exporter", spec)


def _blackbox(scope: Scope, stack: Plan, output: MonitoringOutput) -> dict[str, Any]:
    spec = _base(scope, "blackbox")
    # The image's own configuration (module `http_2xx` among others).
    spec["healthcheck"] = _wget("http://127.0.0.1:9115/-/healthy")
    return _finish(scope, "blackbox", spec)


def _pushgateway(scope: Scope, stack: Plan, output: MonitoringOutput) -> dict[str, Any]:
    spec = _base(scope, "pushgateway")
    # Persisted, so that the last backup time survives a restart (a daily job pushes once a day).
    spec["command"] = ["--persistence.file=/data/metrics", "--persistence.interval=1m"]
    spec["volumes"] = [_volume(scope, "pushgateway", "/data")]
    spec["healthcheck"] = _wget("http://127.0.0.1:9091/-/healthy")
    return _finish(scope, "pushgateway", spec)


def backup_push_script() -> str:
    """Shell lines that push the backup's success time to the Pushgateway, with whichever client
    the engine image has: busybox `wget` (the Alpine images of postgres and redis), `curl`, or
    bash's `/dev/tcp` (the mysql and mongo images have bash). A failed push fails the job after
    the dump is saved, so that cron reports it."""
    url = f'{PUSHGATEWAY_URL}/metrics/job/stackc-backup/database/$STACKC_NAME'
    return (
        f'body="# TYPE {BACKUP_METRIC} gauge\n{BACKUP_METRIC} $(date +%s)\n"\n'
        f'url="{url}"\n'
        "push() {\n"
        '  if command -v wget >/dev/null 2>&1; then wget -q -O /dev/null --post-data="$body" "$url"; return; fi\n'
        '  if command -v curl >/dev/null 2>&1; then curl -fsS -o /dev/null --data-binary "$body" "$url"; return; fi\n'
        "  if command -v bash >/dev/null 2>&1; then\n"
        "    bash -c 'exec 3<>/dev/tcp/pushgateway/9091 || exit 1\n"
        '      printf "POST /metrics/job/stackc-backup/database/%s HTTP/1.0\\r\\nHost: pushgateway\\r\\n'
        'Content-Type: text/plain\\r\\nContent-Length: %s\\r\\n\\r\\n%s" "$1" "${#2}" "$2" >&3\n'
        "      IFS= read -r status <&3\n"
        '      case "$status" in *" 20"[0-9]*) exit 0 ;; *) exit 1 ;; esac\' push "$STACKC_NAME" "$body"\n'
        "    return\n"
        "  fi\n"
        "  echo 'no wget, curl or bash in the image to push the backup metric' >&2\n"
        "  return 1\n"
        "}\n"
        "push || { echo \"the backup is saved, but pushing $url failed\" >&2; exit 1; }\n"
    )
