"""The monitoring stack of the Compose target: every example and a few probe programs, built with
the Compose, Prometheus and Grafana targets as the CLI writes them, then checked as a user runs
them (`docker compose -f compose.yaml -f compose.<env>.yaml`, merged here as Compose merges).

What is checked: schema validity of each merged environment; hardening of every monitoring
container (with the documented exceptions); that every file a container mounts from another
target's output is one that target wrote; retention; the OpenTelemetry variables; the backup
metric push; and that Grafana is never published beyond the loopback interface.
"""

from __future__ import annotations

import http.server
import re
import shutil
import subprocess
import textwrap
import threading
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

import pytest
import yaml
from building import build_target
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stackc.diagnostics import Severity
from stackc.frontend import compile_source
from stackc.targets import TARGETS, BuildContext, compose
from stackc.targets.compose import monitoring
from stackc.targets.compose.environment import emit_environment
from stackc.targets.compose.split import same
from test_compose import check_jsonschema, compose_merge, compose_schema, documents

ROOT = Path(__file__).resolve().parent.parent
SHARED_SHOP = Path("/work/shared/spec/examples/shop.stack")
EXAMPLES = sorted(ROOT.glob("examples/*/platform.stack"))
MONITORING = set(monitoring.IMAGES)
MONITORING_NETWORKS = {"monitoring", "monitoring-ui", "logs", "traces"}
# Documented exceptions (docs/compose.md, "Monitoring"): root without capabilities, and host paths.
ROOT_USERS = {"alloy", "cadvisor"}
HOST_MOUNTS = {
    "alloy": {"/var/run/docker.sock"},
    "cadvisor": {"/", "/var/run", "/sys", "/var/lib/docker"},
    "node-exporter": {"/"},
}
# Which target writes the folder a `../<folder>/…` mount names.
WRITERS = {"prometheus": "prometheus", "alertmanager": "prometheus", "grafana": "grafana"}
OTEL_KEYS = {"OTEL_SERVICE_NAME", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_RESOURCE_ATTRIBUTES"}


def program(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


PROBES = {
    # Zipkin, no logs, no dashboards; a service that sets its own service name; a backed-up database.
    "zipkin": program("""
        stack probe { owner = "acme" }
        environment prod {}
        service api {
          image = "ghcr.io/acme/api:1.2.3"
          ports = { http = 8080 }
          env   = { OTEL_SERVICE_NAME = "storefront-api", DB = database.main.uri }
          uses  = [database.main]
          metrics { path = "/metrics" }
          health { http = "/healthz" }
        }
        database main {
          engine  = postgres
          version = "16.4"
          backup { schedule = "0 2 * * *"  retain = 7d }
        }
        observability {
          metrics    = prometheus
          logs       = none
          traces     = zipkin
          dashboards = none
          retention  = 36h
        }
        """),
    # Everything off: no monitoring container, network or variable at all.
    "none": program("""
        stack quiet { owner = "acme" }
        environment prod {}
        service api { image = "ghcr.io/acme/api:1.2.3"  ports = { http = 8080 } }
        database main {
          engine  = postgres
          version = "16.4"
          backup { schedule = "0 2 * * *"  retain = 7d }
        }
        observability {
          metrics    = none
          logs       = none
          traces     = none
          dashboards = none
        }
        """),
    # A hot-reload environment whose service already takes 3000 on the host; Loki and Jaeger.
    "dev": program("""
        stack devprobe { owner = "acme" }
        environment dev { hot_reload = true }
        environment prod {}
        service web {
          image = "ghcr.io/acme/web:1.0.0"
          ports = { http = 3000 }
          metrics { path = "/metrics" }
        }
        observability {
          logs      = loki
          traces    = jaeger
          retention = 90m
        }
        """),
}
COLLISION = program("""
    stack clash { owner = "acme" }
    service prometheus { image = "ghcr.io/acme/prom:1.0.0"  ports = { http = 9090 } }
    observability { metrics = prometheus }
    """)


# -- building ----------------------------------------------------------------------------------


def _sources(tmp: Path) -> dict[str, Path]:
    sources = {f"examples/{p.parent.name}": p for p in EXAMPLES}
    if SHARED_SHOP.is_file():
        copy = tmp / "shared" / "shop.stack"
        copy.parent.mkdir(parents=True)
        shutil.copy(SHARED_SHOP, copy)
        sources["shared/shop"] = copy
    for name, text in PROBES.items():
        path = tmp / "probes" / name / "platform.stack"
        path.parent.mkdir(parents=True)
        path.write_text(text)
        sources[f"probe/{name}"] = path
    return sources


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """name -> {"out": the output folder, "models": …, "envs": {env: merged Compose definition}}."""
    tmp = tmp_path_factory.mktemp("monitoring")
    results: dict[str, dict[str, Any]] = {}
    for name, source in _sources(tmp).items():
        out = tmp / "deploy" / name.replace("/", "-")
        models: dict[str, Any] = {}
        for target in ("compose", "prometheus", "grafana"):
            if target in TARGETS:
                models, _ = build_target(target, source, out)
        folder = out / "compose"
        base = yaml.safe_load((folder / "compose.yaml").read_text())
        envs = {
            env: compose_merge(base, yaml.safe_load((folder / f"compose.{env}.yaml").read_text()) or {})
            for env in models
        }
        results[name] = {"out": out, "models": models, "envs": envs}
    return results


def _each(built: dict[str, dict[str, Any]]):  # type: ignore[no-untyped-def]
    for name, result in built.items():
        for env, definition in result["envs"].items():
            yield f"{name}/{env}", result, env, definition


def _monitoring_services(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n: s for n, s in definition["services"].items() if n in MONITORING}


# -- the whole ---------------------------------------------------------------------------------


def test_every_merged_environment_is_valid_compose(built: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    import jsonschema

    schema = compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    files = []
    for where, _result, _env, definition in _each(built):
        errors = sorted(validator.iter_errors(definition), key=str)
        assert not errors, (where, errors[0])
        path = tmp_path / (where.replace("/", "-") + ".yaml")
        path.write_text(yaml.safe_dump(definition))
        files.append(str(path))
    # And the real validator, as tests/test_compose.py runs it on the files as written.
    run = subprocess.run(
        [check_jsonschema(), "--builtin-schema", "vendor.compose-spec", *files], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_chosen_stack_runs_and_nothing_else(built: dict[str, dict[str, Any]]) -> None:
    for where, result, env, definition in _each(built):
        observability = result["models"][env].observability
        present = set(_monitoring_services(definition))
        expected: set[str] = set()
        if observability is not None:
            if observability.metrics == "prometheus":
                expected |= {"prometheus", "alertmanager"}
            if observability.logs == "loki":
                expected |= {"loki", "alloy"}
            if observability.traces != "none":
                expected.add(observability.traces)
            if observability.dashboards == "grafana":
                expected.add("grafana")
        exporters = present & set(monitoring.EXPORTERS)
        assert present - exporters == expected, where
        if "prometheus" not in present:
            assert not exporters, where
    quiet = built["probe/none"]["envs"]["prod"]
    assert not _monitoring_services(quiet)
    assert not set(quiet.get("networks", {})) & (MONITORING_NETWORKS | {"grafana-ports"})
    assert "OTEL_SERVICE_NAME" not in quiet["services"]["api"].get("environment", {})
    assert "pushgateway" not in quiet["services"]["main-backup"]["entrypoint"][2]
    zipkin = built["probe/zipkin"]["envs"]["prod"]["services"]
    assert {"zipkin", "prometheus", "alertmanager"} <= set(zipkin) and not {"grafana", "loki", "jaeger"} & set(zipkin)


def test_base_and_override_merge_back_to_each_probe_environment() -> None:
    for text in PROBES.values():
        models = compile_source(text.encode(), "platform.stack").models
        loaded = documents(compose.emit(BuildContext(models, list(models), "platform.stack")))
        for env, model in models.items():
            merged = compose_merge(loaded["compose/compose.yaml"], loaded[f"compose/compose.{env}.yaml"] or {})
            full = emit_environment(model, {}).document
            assert same(_sorted(merged), _sorted(full)), env


def _sorted(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _sorted(data[k]) for k in sorted(data)}
    if isinstance(data, list):
        return [_sorted(v) for v in data]
    return data


# -- hardening ---------------------------------------------------------------------------------


def test_every_monitoring_container_is_hardened(built: dict[str, dict[str, Any]]) -> None:
    checked = 0
    for where, _result, _env, definition in _each(built):
        for name, service in _monitoring_services(definition).items():
            at = f"{where}/{name}"
            image = service["image"]
            assert image == monitoring.IMAGES[name], at
            assert re.fullmatch(r"[a-z0-9./-]+:v?\d+\.\d+\.\d+", image), at  # an exact release
            assert service["read_only"] is True and "/tmp" in service["tmpfs"], at
            assert service["cap_drop"] == ["ALL"] and "cap_add" not in service, at
            assert service["security_opt"] == ["no-new-privileges:true"], at
            assert "privileged" not in service and "devices" not in service, at
            assert service["init"] is True and service["pids_limit"] > 0, at
            limits = service["deploy"]["resources"]["limits"]
            assert limits["cpus"] and limits["memory"], at
            assert service["logging"]["options"] == {"max-size": "10m", "max-file": "3"}, at
            assert service["restart"] == "unless-stopped", at
            uid = int(service["user"].split(":")[0])
            assert (uid == 0) is (name in ROOT_USERS), at
            for mount in service.get("volumes", []):
                if mount["type"] == "bind":
                    assert mount["read_only"] is True, at
                    if mount["source"].startswith("/"):
                        assert mount["source"] in HOST_MOUNTS.get(name, set()), (at, mount["source"])
            checked += 1
    assert checked > 20


def test_grafana_is_never_published_beyond_loopback(built: dict[str, dict[str, Any]]) -> None:
    for where, result, env, definition in _each(built):
        gateways = set(result["models"][env].gateways)
        for name, service in definition["services"].items():
            for port in service.get("ports", []):
                if name in gateways:
                    continue
                assert port.get("host_ip") == "127.0.0.1", (where, name, port)
        if "grafana" in definition["services"]:
            grafana = definition["services"]["grafana"]
            environment = grafana["environment"]
            assert environment["GF_AUTH_ANONYMOUS_ENABLED"] == "false", where
            assert environment["GF_USERS_ALLOW_SIGN_UP"] == "false", where
            password = environment["GF_SECURITY_ADMIN_PASSWORD__FILE"]
            assert password == f"/run/secrets/{grafana['secrets'][0]}", where
            assert definition["secrets"][grafana["secrets"][0]]["file"].startswith(f"./secrets/{env}/"), where
            # The password is a generated secret that secrets.sh fills.
            helper = (result["out"] / "compose" / "secrets.sh").read_text()
            assert re.search(r"fill '?grafana\.admin-password'? generate", helper), where
    dev = built["probe/dev"]["envs"]["dev"]["services"]
    # `web` already has host port 3000 in the hot-reload environment: Docker picks Grafana's.
    assert dev["web"]["ports"][0]["published"] == "3000"
    assert "published" not in dev["grafana"]["ports"][0]
    assert built["probe/dev"]["envs"]["prod"]["services"]["grafana"]["ports"][0]["published"] == "3000"


def test_networks_join_only_what_talks(built: dict[str, dict[str, Any]]) -> None:
    for where, result, env, definition in _each(built):
        services = definition["services"]
        networks = definition.get("networks", {})
        for name in MONITORING_NETWORKS & set(networks):
            assert networks[name] == {"internal": True}, (where, name)
        members = {n: {m for m, s in services.items() if n in s.get("networks", {})} for n in networks}
        model = result["models"][env]
        if "prometheus" in services:
            scraped = set(monitoring.scraped(model))
            exporters = set(monitoring.EXPORTERS) & set(services)
            jobs = {n for n in services if n.endswith("-backup")} if "pushgateway" in services else set()
            assert members["monitoring"] == {"prometheus", "alertmanager"} | scraped | exporters | jobs, where
            if model.observability.notify:
                assert "outbound" in services["alertmanager"]["networks"], where
        if "grafana" in services:
            backends = {"prometheus", "alertmanager", "loki", "jaeger", "zipkin"} & set(services)
            assert members["monitoring-ui"] == {"grafana"} | backends, where
            assert set(services["grafana"]["networks"]) == {"monitoring-ui", "grafana-ports"}, where
        if "loki" in services:
            assert members["logs"] == {"loki", "alloy"}, where
        tracer = model.observability.traces if model.observability else "none"
        if tracer != "none":
            assert members["traces"] == {tracer} | set(model.services), where


# -- files from the other targets ----------------------------------------------------------------


def test_every_mounted_file_is_one_a_target_wrote(built: dict[str, dict[str, Any]]) -> None:
    checked = 0
    for where, result, env, definition in _each(built):
        out: Path = result["out"]
        for name, service in _monitoring_services(definition).items():
            for mount in service.get("volumes", []):
                source = mount["source"]
                if mount["type"] != "bind" or source.startswith("/"):
                    continue
                relative = PurePosixPath(source)
                if relative.parts[0] == "..":
                    writer = WRITERS[relative.parts[1]]
                    if writer not in TARGETS:
                        continue
                path = (out / "compose" / source).resolve()
                assert path.exists(), (where, name, source)
                if path.is_dir():
                    assert any(p.is_file() for p in path.rglob("*")), (where, name, source)
                checked += 1
        if "prometheus" in definition["services"]:
            command = definition["services"]["prometheus"]["command"]
            config_path = next(c for c in command if c.startswith("--config.file=")).split("=", 1)[1]
            # /etc/prometheus is ../prometheus: the config and every rule file it names exist.
            config_file = out / "prometheus" / PurePosixPath(config_path).relative_to("/etc/prometheus")
            config = yaml.safe_load(config_file.read_text())
            for rule_file in config.get("rule_files", []):
                assert (config_file.parent / rule_file).resolve().is_file(), (where, rule_file)
        if "alertmanager" in definition["services"]:
            service = definition["services"]["alertmanager"]
            mounted = {s["target"] for s in service.get("secrets", [])}
            model = result["models"][env]
            wanted = set(monitoring.notify_secrets(model.observability))
            text = (out / "alertmanager" / "alertmanager.yml").read_text()
            files = set(re.findall(r"_file: (\S+)", text))
            for secret in wanted:
                path = f"/etc/alertmanager/secrets/{secret}"
                assert path in mounted and path in files, (where, secret)
            assert {s["source"] for s in service.get("secrets", [])} == wanted, where
    assert checked > 10


def test_generated_configurations_are_written_beside_the_compose_files(built: dict[str, dict[str, Any]]) -> None:
    for where, result, env, definition in _each(built):
        folder: Path = result["out"] / "compose"
        services = definition["services"]
        if "loki" in services:
            config = yaml.safe_load((folder / "monitoring" / f"loki.{env}.yaml").read_text())
            assert config["compactor"]["retention_enabled"] is True, where
            days = monitoring.whole_days(result["models"][env].observability.retention)
            assert config["limits_config"]["retention_period"] == f"{days}d", where
            alloy = (folder / "monitoring" / f"alloy.{env}.alloy").read_text()
            assert f'environment = "{env}"' in alloy and '"com.docker.compose.project=' in alloy, where
            assert 'target_label  = "service"' in alloy, where
        if "jaeger" in services:
            config = yaml.safe_load((folder / "monitoring" / f"jaeger.{env}.yaml").read_text())
            badger = config["extensions"]["jaeger_storage"]["backends"]["main"]["badger"]
            assert badger["ttl"]["spans"] == monitoring.go_duration(result["models"][env].observability.retention)


# -- retention, OpenTelemetry, backups ---------------------------------------------------------


def test_retention_is_applied(built: dict[str, dict[str, Any]]) -> None:
    shop = built["examples/shop"]
    prod = shop["envs"]["prod"]["services"]
    assert "--storage.tsdb.retention.time=180d" in prod["prometheus"]["command"]
    loki = yaml.safe_load((shop["out"] / "compose" / "monitoring" / "loki.prod.yaml").read_text())
    assert loki["limits_config"]["retention_period"] == "180d"
    jaeger = yaml.safe_load((shop["out"] / "compose" / "monitoring" / "jaeger.prod.yaml").read_text())
    assert jaeger["extensions"]["jaeger_storage"]["backends"]["main"]["badger"]["ttl"]["spans"] == "4320h"
    zipkin = built["probe/zipkin"]["envs"]["prod"]["services"]
    assert "--storage.tsdb.retention.time=1d12h" in zipkin["prometheus"]["command"]
    dev = built["probe/dev"]
    dev_loki = yaml.safe_load((dev["out"] / "compose" / "monitoring" / "loki.prod.yaml").read_text())
    assert dev_loki["limits_config"]["retention_period"] == "1d"  # whole days, rounded up
    assert monitoring.go_duration(dev["models"]["prod"].observability.retention) == "90m"


def test_services_get_the_opentelemetry_environment(built: dict[str, dict[str, Any]]) -> None:
    for where, result, env, definition in _each(built):
        model = result["models"][env]
        tracer = model.observability.traces if model.observability else "none"
        for name in model.services:
            environment = definition["services"][name].get("environment") or {}
            if tracer == "none":
                assert not OTEL_KEYS & set(environment), (where, name)
                continue
            if "OTEL_SERVICE_NAME" not in model.services[name].env:
                assert environment["OTEL_SERVICE_NAME"] == name, (where, name)
            assert environment["OTEL_RESOURCE_ATTRIBUTES"] == f"deployment.environment={env}", (where, name)
            if tracer == "jaeger":
                assert environment["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://jaeger:4318", (where, name)
            else:
                assert environment["OTEL_TRACES_EXPORTER"] == "zipkin", (where, name)
                assert environment["OTEL_EXPORTER_ZIPKIN_ENDPOINT"] == "http://zipkin:9411/api/v2/spans"
    api = built["probe/zipkin"]["envs"]["prod"]["services"]["api"]["environment"]
    assert api["OTEL_SERVICE_NAME"] == "storefront-api"  # the service's own value wins


def test_backup_jobs_push_their_success_time_when_monitored(built: dict[str, dict[str, Any]]) -> None:
    pushing = 0
    for where, _result, _env, definition in _each(built):
        services = definition["services"]
        for name, service in services.items():
            if not name.endswith("-backup") or service.get("profiles") != ["backup"]:
                continue
            script = service["entrypoint"][2]
            if "pushgateway" in services:
                assert monitoring.BACKUP_METRIC in script and "monitoring" in service["networks"], (where, name)
                assert script.index("mv ") < script.index("push ||"), (where, name)  # after the dump is kept
                pushing += 1
            else:
                assert "pushgateway" not in script, (where, name)
    assert pushing >= 1


class _Recorder(http.server.BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, bytes]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self.received.append((self.path, self.rfile.read(length)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.parametrize("tool", ["wget", "curl", "bash"])
def test_the_push_works_with_whichever_client_the_image_has(tool: str, tmp_path: Path) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"no {tool} here")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    _Recorder.received = []
    try:
        script = monitoring.backup_push_script()
        script = script.replace("pushgateway:9091", f"127.0.0.1:{port}")
        script = script.replace("/dev/tcp/pushgateway/9091", f"/dev/tcp/127.0.0.1/{port}")
        # Only the one client (and what the script needs besides) on PATH.
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        for needed in (tool, "date", "cat"):
            found = shutil.which(needed)
            assert found is not None
            (bin_dir / needed).symlink_to(found)
        sh = shutil.which("sh") or "/bin/sh"
        run = subprocess.run(
            [sh, "-c", "set -eu\n" + script],
            env={"PATH": str(bin_dir), "STACKC_NAME": "orders"},
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert run.returncode == 0, run.stderr
    finally:
        server.shutdown()
    [(path, body)] = _Recorder.received
    assert path == "/metrics/job/stackc-backup/database/orders"
    lines = body.decode().splitlines()
    assert lines[0] == f"# TYPE {monitoring.BACKUP_METRIC} gauge"
    assert re.fullmatch(rf"{monitoring.BACKUP_METRIC} \d{{10}}", lines[1])


def test_generated_scripts_parse_in_sh() -> None:
    run = subprocess.run(["/bin/sh", "-n", "-c", monitoring.backup_push_script()])
    assert run.returncode == 0


# -- names -------------------------------------------------------------------------------------


def test_a_service_named_like_a_monitoring_service_is_an_error() -> None:
    compilation = compile_source(COLLISION.encode(), "platform.stack")
    assert not compilation.has_errors
    models = compilation.models
    output = compose.emit(BuildContext(models, list(models), "platform.stack"))
    errors = [d for d in output.diagnostics if d.severity is Severity.ERROR]
    assert [d.code for d in errors] == ["E0492"]
    assert "prometheus" in errors[0].message


def test_durations_in_each_tool_syntax() -> None:
    from stackc.values import Duration

    assert monitoring.prometheus_duration(Duration.parse("180d")) == "180d"
    assert monitoring.prometheus_duration(Duration.parse("36h")) == "1d12h"
    assert monitoring.prometheus_duration(Duration.parse("90s")) == "1m30s"
    assert monitoring.prometheus_duration(Duration.parse("2w")) == "14d"
    assert monitoring.go_duration(Duration.parse("15d")) == "360h"
    assert monitoring.go_duration(Duration.parse("45s")) == "45s"
    assert monitoring.whole_days(Duration.parse("25h")) == 2


# -- every combination ---------------------------------------------------------------------------


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    metrics=st.sampled_from(["prometheus", "none"]),
    logs=st.sampled_from(["loki", "none"]),
    traces=st.sampled_from(["jaeger", "zipkin", "none"]),
    dashboards=st.sampled_from(["grafana", "none"]),
    retention=st.sampled_from(["90s", "36h", "15d", "2w"]),
    scraped=st.booleans(),
    backup=st.booleans(),
    own_name=st.booleans(),
    hot_reload=st.booleans(),
)
def test_any_choice_of_stack_is_valid_hardened_and_splits(
    metrics: str,
    logs: str,
    traces: str,
    dashboards: str,
    retention: str,
    scraped: bool,
    backup: bool,
    own_name: bool,
    hot_reload: bool,
) -> None:
    import jsonschema

    source = program(f"""
        stack any {{ owner = "acme" }}
        environment dev {{ hot_reload = {str(hot_reload).lower()} }}
        environment prod {{}}
        service api {{
          image = "ghcr.io/acme/api:1.2.3"
          ports = {{ http = 3000 }}
          {'env = { OTEL_SERVICE_NAME = "mine" }' if own_name else ''}
          {'metrics { path = "/metrics" }' if scraped else ''}
        }}
        database main {{
          engine  = redis
          version = "7.4"
          {'backup { schedule = "0 2 * * *" }' if backup else ''}
        }}
        observability {{
          metrics    = {metrics}
          logs       = {logs}
          traces     = {traces}
          dashboards = {dashboards}
          retention  = {retention}
        }}
        """)
    compilation = compile_source(source.encode(), "platform.stack")
    assert not compilation.has_errors, [d.message for d in compilation.diagnostics if d.is_error]
    models = compilation.models
    output = compose.emit(BuildContext(models, list(models), "platform.stack"))
    assert not [d for d in output.diagnostics if d.severity is Severity.ERROR]
    loaded = documents(output)
    schema = compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    for env, model in models.items():
        merged = compose_merge(loaded["compose/compose.yaml"], loaded[f"compose/compose.{env}.yaml"] or {})
        errors = sorted(validator.iter_errors(merged), key=str)
        assert not errors, errors[0]
        assert same(_sorted(merged), _sorted(emit_environment(model, {}).document))
        services = merged["services"]
        for name in MONITORING & set(services):
            service = services[name]
            assert service["read_only"] is True and service["cap_drop"] == ["ALL"], name
            assert service["security_opt"] == ["no-new-privileges:true"], name
        environment = services["api"].get("environment") or {}
        if traces == "none":
            assert not (OTEL_KEYS - {"OTEL_SERVICE_NAME"}) & set(environment)
            assert environment.get("OTEL_SERVICE_NAME") == ("mine" if own_name else None)
        else:
            assert environment["OTEL_SERVICE_NAME"] == ("mine" if own_name else "api")
            assert traces in services and "traces" in services["api"]["networks"]
        for port in services.get("grafana", {}).get("ports", []):
            assert port["host_ip"] == "127.0.0.1"
        if "main-backup" in services:
            pushes = "pushgateway" in services["main-backup"]["entrypoint"][2]
            assert pushes is ("pushgateway" in services)
