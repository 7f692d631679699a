"""The Compose target (issue 4): real validators on every example, the merge the split relies
on, the hardened fields, networks, dependencies and secrets, and escaping as properties.

Validators: `check-jsonschema --builtin-schema vendor.compose-spec` (and the same vendored
schema in-process for property tests). Under `CI=true` a missing validator fails the test; it
skips otherwise. scripts/test.sh installs it.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import textwrap
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stackc import build, ir
from stackc.diagnostics import Severity
from stackc.frontend import compile_source
from stackc.targets import BuildContext, TargetOutput, compose
from stackc.targets.compose.environment import emit_environment
from stackc.targets.compose.split import same
from stackc.values import Ref
from validators import require

try:  # `tests` is a package only if someone gives it an `__init__.py`
    from .strategies import programs
except ImportError:
    from strategies import programs  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path("/work/shared/spec/examples")
LOCAL_EXAMPLES = sorted(ROOT.glob("examples/*/platform.stack"))
SHARED_EXAMPLES = [SHARED / "shop.stack", SHARED / "minimal.stack", SHARED / "split" / "platform.stack"]
NON_INTERNAL = {"public", "outbound", "dev-ports", "grafana-ports"}
# The monitoring stack has its own checks and documented exceptions (test_compose_monitoring.py).
MONITORING = {
    "prometheus", "alertmanager", "grafana", "loki", "alloy", "jaeger", "zipkin",
    "cadvisor", "node-exporter", "blackbox", "pushgateway",
}
MONITORING_NETWORKS = {"monitoring", "monitoring-ui", "logs", "traces"}
# The one deliberate interpolation: the release tag of images built from source.
IMAGE_TAG = "${STACKC_IMAGE_TAG:-latest}"


def check_jsonschema() -> str:
    return require("check-jsonschema")


def compose_schema() -> dict[str, Any]:
    try:
        vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
        return json.loads(vendor.joinpath("compose-spec.json").read_text(encoding="utf-8"))
    except (ModuleNotFoundError, FileNotFoundError):
        # The package is missing (CI: fail; elsewhere: skip); if only its schema is, that is a bug.
        require("check-jsonschema")
        raise


def program(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


# -- building ----------------------------------------------------------------------------------


def compile_program(source: str, path: str = "platform.stack") -> dict[str, ir.EnvironmentModel]:
    compilation = compile_source(source.encode(), path)
    errors = [d for d in compilation.diagnostics if d.severity is Severity.ERROR]
    assert not errors, errors
    return compilation.models


def emit(models: dict[str, ir.EnvironmentModel]) -> TargetOutput:
    return compose.emit(BuildContext(models, list(models), "platform.stack"))


def documents(output: TargetOutput) -> dict[str, Any]:
    """Each document as a reader sees it: rendered by the real writer, loaded by PyYAML."""
    loaded = {}
    for document in output.documents:
        data = build.render(document, "platform.stack").decode()
        loaded[document.path] = yaml.safe_load(data) if document.format == "yaml" else data
    return loaded


def uninterpolate(value: Any) -> Any:
    """Undo Compose interpolation the way compose-go does for text without variables: `$$` is
    a literal `$`; any other `$` would start a variable, which user text must never do."""
    if isinstance(value, str) and value.endswith(IMAGE_TAG):
        return uninterpolate(value.removesuffix(IMAGE_TAG)) + IMAGE_TAG
    if isinstance(value, str):
        out, i = [], 0
        while i < len(value):
            if value[i] == "$":
                assert value[i + 1 : i + 2] == "$", f"unescaped `$` in {value!r}"
                out.append("$")
                i += 2
            else:
                out.append(value[i])
                i += 1
        return "".join(out)
    if isinstance(value, dict):
        return {k: uninterpolate(v) for k, v in value.items()}
    if isinstance(value, list):
        return [uninterpolate(v) for v in value]
    return value


def compose_merge(base: dict[str, Any], override: dict[str, Any], path: tuple[str, ...] = ()) -> dict[str, Any]:
    """Compose's merge for what the split produces: mappings key by key. Compose appends some
    sequences instead of replacing them, so the split must never put one in both files."""
    merged = dict(base)
    for key, value in override.items():
        if key in merged and isinstance(merged[key], dict) and isinstance(value, dict):
            merged[key] = compose_merge(merged[key], value, (*path, key))
        else:
            assert key not in merged, f"{'.'.join((*path, key))} is in both the base and the override"
            merged[key] = value
    return merged


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every example built by the real CLI; the shared ones from a copy, so that nothing is
    written under /work/shared."""
    out = tmp_path_factory.mktemp("compose")
    sources: dict[str, Path] = {f"examples/{p.parent.name}": p for p in LOCAL_EXAMPLES}
    if SHARED.is_dir():
        copy = out / "shared"
        shutil.copytree(SHARED, copy)
        sources.update({f"shared/{p.relative_to(SHARED)}": copy / p.relative_to(SHARED) for p in SHARED_EXAMPLES})
    results = {}
    for name, source in sources.items():
        target = out / "deploy" / name.replace("/", "-")
        run = subprocess.run(
            [sys.executable, "-m", "stackc.cli", "build", str(source), "-o", str(target), "--target", "compose"],
            capture_output=True,
            text=True,
        )
        assert run.returncode == 0, f"{name}: {run.stdout}{run.stderr}"
        results[name] = target
    return results


def test_every_example_builds(built: dict[str, Path]) -> None:
    assert len(built) >= len(LOCAL_EXAMPLES)
    for name, target in built.items():
        assert (target / "compose" / "compose.yaml").is_file(), name


def test_generated_compose_files_validate_against_the_compose_spec(built: dict[str, Path]) -> None:
    files = sorted(str(f) for target in built.values() for f in (target / "compose").glob("compose*.yaml"))
    run = subprocess.run(
        [check_jsonschema(), "--builtin-schema", "vendor.compose-spec", *files], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_each_merged_environment_validates_and_is_the_full_definition(
    built: dict[str, Path], tmp_path: Path
) -> None:
    merged_files = []
    for name, target in built.items():
        folder = target / "compose"
        base = yaml.safe_load((folder / "compose.yaml").read_text())
        for override_file in sorted(folder.glob("compose.*.yaml")):
            environment = override_file.name.split(".")[1]
            merged = compose_merge(base, yaml.safe_load(override_file.read_text()) or {})
            path = tmp_path / f"{name.replace('/', '-')}.{environment}.yaml"
            path.write_text(yaml.safe_dump(merged))
            merged_files.append(str(path))
    run = subprocess.run(
        [check_jsonschema(), "--builtin-schema", "vendor.compose-spec", *merged_files], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_split_merges_back_to_each_environment() -> None:
    for source in [*LOCAL_EXAMPLES, *(p for p in SHARED_EXAMPLES if p.exists())]:
        models = compile_program(source.read_text(), str(source))
        loaded = documents(emit(models))
        base = loaded["compose/compose.yaml"]
        for environment, model in models.items():
            override = loaded[f"compose/compose.{environment}.yaml"] or {}
            nginx_paths = {
                g: next(
                    p.removeprefix("compose/")
                    for p in loaded
                    if p in (f"compose/nginx/{g}.conf", f"compose/nginx/{g}.{environment}.conf")
                )
                for g in model.gateways
            }
            full = emit_environment(model, nginx_paths).document
            assert same(_normalised(compose_merge(base, override)), _normalised(full)), (source, environment)


def _normalised(data: Any) -> Any:
    # Key order differs between a merge and the original; YAML loading turned nothing else.
    if isinstance(data, dict):
        return {k: _normalised(data[k]) for k in sorted(data)}
    if isinstance(data, list):
        return [_normalised(v) for v in data]
    return data


def test_same_program_built_twice_is_byte_identical(tmp_path: Path) -> None:
    outputs = []
    for run in ("one", "two"):
        folder = tmp_path / run
        shutil.copytree(ROOT / "examples" / "workers", folder / "src")
        stack = folder / "src" / "platform.stack"
        result = subprocess.run(
            [sys.executable, "-m", "stackc.cli", "build", str(stack), "--target", "compose"],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        deploy = folder / "src" / "deploy"
        outputs.append({p.relative_to(deploy): p.read_bytes() for p in sorted(deploy.rglob("*")) if p.is_file()})
    assert outputs[0] == outputs[1]


# -- the shop, as a user runs it ---------------------------------------------------------------


@pytest.fixture(scope="module")
def shop() -> dict[str, dict[str, Any]]:
    """Each environment of the shop as `docker compose -f compose.yaml -f compose.<env>.yaml`
    sees it (after interpolation)."""
    models = compile_program((ROOT / "examples" / "shop" / "platform.stack").read_text())
    loaded = documents(emit(models))
    base = loaded["compose/compose.yaml"]
    return {env: uninterpolate(compose_merge(base, loaded[f"compose/compose.{env}.yaml"] or {})) for env in models}


def test_every_container_is_hardened(shop: dict[str, dict[str, Any]]) -> None:
    for environment, definition in shop.items():
        for name, service in definition["services"].items():
            where = f"{environment}/{name}"
            assert service["cap_drop"] == ["ALL"], where
            assert service["security_opt"] == ["no-new-privileges:true"], where
            assert service["init"] is True and service["pids_limit"] > 0, where
            assert service["logging"]["options"] == {"max-size": "10m", "max-file": "3"}, where
            limits = service["deploy"]["resources"]["limits"]
            assert limits["cpus"] and limits["memory"], where
            assert service["restart"] in ("unless-stopped", "no"), where
            uid, gid = (int(x) for x in service["user"].split(":"))
            if name == "volume-init":
                # The one root container: only what chown needs, no network (docs/compose.md).
                assert (uid, gid) == (0, 0) and service["cap_add"] == ["CHOWN", "DAC_READ_SEARCH"], where
                assert service["network_mode"] == "none" and service["read_only"] is True, where
                continue
            if name in MONITORING:
                continue
            assert uid >= 10000 and gid >= 10000, where
            assert "cap_add" not in service, where
            writable = environment == "dev" and name in ("api", "web")  # Compose watch sync targets
            assert service["read_only"] is not writable, where
            assert "/tmp" in service["tmpfs"], where


def test_health_checks_and_dependency_conditions(shop: dict[str, dict[str, Any]]) -> None:
    dev, prod = shop["dev"]["services"], shop["prod"]["services"]
    healthy = {"condition": "service_healthy"}
    assert dev["api"]["depends_on"] == {"cache": healthy, "orders": healthy}
    # In prod `orders` is external: not a container, so not a dependency.
    assert prod["api"]["depends_on"] == {"cache": {"condition": "service_healthy"}}
    assert prod["web"]["depends_on"] == {"api": {"condition": "service_healthy"}}
    assert prod["edge"]["depends_on"]["edge-cert-init"] == {"condition": "service_completed_successfully"}
    assert dev["orders"]["healthcheck"]["test"][:2] == ["CMD", "mongosh"]
    assert dev["api"]["healthcheck"]["test"][0] == "CMD-SHELL"
    assert "http://127.0.0.1:8080/healthz" in dev["api"]["healthcheck"]["test"][1]
    assert dev["api"]["healthcheck"]["timeout"] == "2s"


def test_a_dependency_without_health_check_is_started_not_healthy() -> None:
    models = compile_program(
        program("""
        stack s { owner = "acme" }
        service worker { image = "busybox:1.36"  command = ["sleep", "1d"] }
        service api {
          image = "nginxinc/nginx-unprivileged:1.27"
          ports = { http = 8080 }
          uses  = [service.worker]
          health { http = "/" }
        }
        """)
    )
    services = documents(emit(models))["compose/compose.yaml"]["services"]
    assert services["api"]["depends_on"] == {"worker": {"condition": "service_started"}}


def test_only_the_gateway_publishes_and_networks_follow_uses(shop: dict[str, dict[str, Any]]) -> None:
    for environment, definition in shop.items():
        services, networks = definition["services"], definition["networks"]
        for name, network in networks.items():
            assert network.get("internal") is (None if name in NON_INTERNAL else True), (environment, name)
        for name, service in services.items():
            for port in service.get("ports", []):
                if name == "edge":
                    assert port["published"] in ("80", "443") and "host_ip" not in port
                elif name == "grafana":
                    assert port["host_ip"] == "127.0.0.1", (environment, name)
                else:
                    # LANGUAGE.md §5: only in hot_reload environments, and only on loopback.
                    assert environment == "dev" and port["host_ip"] == "127.0.0.1", (environment, name)
            joined = set(service.get("networks", {}))
            if "network_mode" in service:
                assert not joined and service["network_mode"] == "none"
            for network in joined - NON_INTERNAL - MONITORING_NETWORKS:
                # `X-net` holds X and exactly what reaches X (LANGUAGE.md §5, allow rules from uses).
                target = network.removesuffix("-net")
                assert target == name or target in _reaches(definition, name), (environment, name, network)
    prod = shop["prod"]["services"]
    assert set(prod["edge"]["networks"]) == {"public", "web-net", "api-net"}
    assert set(prod["cache"]["networks"]) == {"cache-net", "traces"}
    # outbound: the external MongoDB; monitoring: scraped; traces: `traces = jaeger`.
    assert set(prod["api"]["networks"]) == {"api-net", "cache-net", "outbound", "monitoring", "traces"}
    assert set(shop["dev"]["services"]["api"]["networks"]) == {
        "api-net", "cache-net", "orders-net", "dev-ports", "monitoring", "traces"
    }


def _reaches(definition: dict[str, Any], name: str) -> set[str]:
    """What a container may connect to: its `depends_on` (uses), or what it routes to."""
    service = definition["services"][name]
    reached = set(service.get("depends_on", {}))
    if name == "edge":
        reached |= {"web", "api"}
    if name.endswith("-backup"):
        reached.add(name.removesuffix("-backup"))
    return reached


def test_secrets_are_mounted_files_never_environment_values(shop: dict[str, dict[str, Any]]) -> None:
    api = shop["staging"]["services"]["api"]
    assert api["environment"]["MONGO_URL_FILE"] == "/run/secrets/mongo-url"
    assert api["environment"]["STRIPE_KEY_FILE"] == "/run/secrets/stripe-key"
    assert "MONGO_URL" not in api["environment"] and "STRIPE_KEY" not in api["environment"]
    assert set(api["secrets"]) == {"mongo-url", "stripe-key"}
    secrets = shop["staging"]["secrets"]
    assert secrets["mongo-url"] == {"file": "./secrets/staging/mongo-url"}
    orders = shop["dev"]["services"]["orders"]
    assert orders["environment"]["MONGO_INITDB_ROOT_PASSWORD_FILE"] == "/run/secrets/orders-credentials"
    assert shop["dev"]["secrets"]["orders-credentials"] == {"file": "./secrets/dev/orders-credentials"}


SECRET_PROGRAM = """
stack s {{ owner = "acme" }}
environment dev {{ hot_reload = true }}
environment prod {{ approval = true }}
secret from-env {{ source = env("FROM_ENV") }}
secret from-vault {{ source = vault("kv/app", key = "k") }}
secret from-aws {{ source = aws("app/key") }}
secret made {{ source = generate(length = 40) }}
secret from-file {{ source = generate() when dev {{ source = file("./.secrets/x") }} }}
secret pg-url {{ source = vault("kv/pg", key = "url") }}
database main {{ engine = postgres  version = "17.11" }}
database old {{ engine = mysql  version = "8.4.11"  external = secret.pg-url }}
queue jobs {{ engine = rabbitmq  version = "4.3.5" }}
service app {{
  image = "busybox:1.36"
  command = ["sleep", "1d"]
  secrets_in_env = {in_env}
  env = {{ {env} }}
  uses = [database.main, queue.jobs, database.old]
}}
"""
SECRET_VALUES = [
    "secret.from-env",
    "secret.from-vault",
    "secret.from-aws",
    "secret.made",
    "secret.from-file",
    "database.main.uri",
    "database.old.uri",
    "queue.jobs.uri",
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    entries=st.lists(
        st.tuples(
            st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True),
            st.one_of(st.sampled_from(SECRET_VALUES), st.sampled_from(['"plain"', '"$$x"', '"${service.app.host}"'])),
        ),
        min_size=1,
        max_size=6,
        unique_by=lambda e: e[0],
    ),
    in_env=st.booleans(),
)
def test_no_secret_reference_is_ever_a_plain_environment_value(entries: list[tuple[str, str]], in_env: bool) -> None:
    keys = {k for k, _ in entries}
    entries = [(k, v) for k, v in entries if f"{k}_FILE" not in keys]
    env = "  ".join(f"{k} = {v}" for k, v in entries)
    models = compile_program(SECRET_PROGRAM.format(in_env=str(in_env).lower(), env=env))
    loaded = documents(emit(models))
    for environment, model in models.items():
        definition = uninterpolate(
            compose_merge(loaded["compose/compose.yaml"], loaded[f"compose/compose.{environment}.yaml"] or {})
        )
        app = definition["services"]["app"]
        variables = app.get("environment", {})
        for key, value in model.services["app"].env.items():
            if isinstance(value, Ref) and value.is_secret:
                if in_env:
                    # Passed through from the deploying shell: no value in any file.
                    assert key in variables and variables[key] is None
                else:
                    assert key not in variables
                    secret = variables[f"{key}_FILE"].removeprefix("/run/secrets/")
                    assert secret in app["secrets"] and secret in definition["secrets"]
        for secret in definition.get("secrets", {}).values():
            assert set(secret) <= {"file", "environment"}
        # No generated definition anywhere carries a value for a secret: passwords reach the
        # engines through *_FILE variables and the tmpfs, never an environment value.
        generated = {name: s for name, s in definition["services"].items() if name != "app"}
        for service in generated.values():
            for key, value in (service.get("environment") or {}).items():
                assert value is None or not re.search(r"PASS(WORD)?$|TOKEN$|SECRET$", key) or value.startswith("/run/")


def test_secret_sources_map_to_compose_secret_definitions() -> None:
    env = ", ".join(f"K{i} = {v}" for i, v in enumerate(SECRET_VALUES))
    models = compile_program(SECRET_PROGRAM.format(in_env="false", env=env))
    loaded = documents(emit(models))
    dev = compose_merge(loaded["compose/compose.yaml"], loaded["compose/compose.dev.yaml"])
    prod = compose_merge(loaded["compose/compose.yaml"], loaded["compose/compose.prod.yaml"])
    assert dev["secrets"]["from-env"] == {"environment": "FROM_ENV"}
    assert dev["secrets"]["from-file"] == {"file": "../../.secrets/x"}
    assert prod["secrets"]["from-file"] == {"file": "./secrets/prod/from-file"}
    assert dev["secrets"]["main.uri"] == {"file": "./secrets/dev/main.uri"}
    assert dev["secrets"]["pg-url"] == {"file": "./secrets/dev/pg-url"}  # `old` is external: its uri is pg-url
    helper = loaded["compose/secrets.sh"]
    assert "fill made generate 40" in helper
    assert "fill from-vault vault_secret kv/app k" in helper
    assert "fill from-aws aws_secret app/key ''" in helper
    assert "uri main.uri main-credentials postgresql://main: @main:5432/main" in helper
    assert loaded["compose/secrets/.gitignore"].splitlines()[-2:] == ["*", "!.gitignore"]


def test_secrets_helper_fills_generated_secrets_and_connection_strings(tmp_path: Path) -> None:
    source = program("""
        stack s { owner = "acme" }
        database main { engine = postgres  version = "17.11" }
        service app {
          image = "busybox:1.36"
          command = ["sleep", "1d"]
          env = { DATABASE_URL = database.main.uri }
          uses = [database.main]
        }
    """)
    (tmp_path / "platform.stack").write_text(source)
    run = subprocess.run(
        [sys.executable, "-m", "stackc.cli", "build", str(tmp_path / "platform.stack"), "--target", "compose"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    compose_dir = tmp_path / "deploy" / "compose"
    run = subprocess.run(["sh", str(compose_dir / "secrets.sh"), "default"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    password = (compose_dir / "secrets/default/main-credentials").read_text()
    assert re.fullmatch(r"[A-Za-z0-9]{32}", password)
    uri = (compose_dir / "secrets/default/main.uri").read_text()
    assert uri == f"postgresql://main:{password}@main:5432/main"
    assert oct((compose_dir / "secrets/default").stat().st_mode & 0o777) == "0o700"
    # A second run keeps the password.
    subprocess.run(["sh", str(compose_dir / "secrets.sh"), "default"], check=True, capture_output=True)
    assert (compose_dir / "secrets/default/main-credentials").read_text() == password


# -- escaping ------------------------------------------------------------------------------------

BASE_PROGRAM = program("""
    stack s { owner = "acme" }
    service app {
      image = "busybox:1.36"
      command = ["sleep", "1d"]
      env = { KEY = "x" }
    }
""")


@pytest.fixture(scope="module")
def base_models() -> dict[str, ir.EnvironmentModel]:
    return compile_program(BASE_PROGRAM)


# Any string a process can receive: Docker passes values and arguments as C strings.
any_text = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)))


@settings(max_examples=300, deadline=None)
@given(value=any_text, argument=any_text, key=st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,12}", fullmatch=True))
def test_any_env_value_and_command_argument_round_trips(
    base_models: dict[str, ir.EnvironmentModel], value: str, argument: str, key: str
) -> None:
    service = base_models["default"].services["app"]
    saved = (service.env, service.command)
    try:
        ir.assign(service, env={key: value}, command=["run", argument, "$" + argument])
        output = emit(base_models)
    finally:
        ir.assign(service, env=saved[0], command=saved[1])
    assert not [d for d in output.diagnostics if d.severity is Severity.ERROR]
    app = uninterpolate(documents(output)["compose/compose.yaml"]["services"]["app"])
    assert app["environment"] == {key: value}
    assert app["command"] == ["run", argument, "$" + argument]


def test_nul_in_a_value_is_an_error_not_a_truncated_value(base_models: dict[str, ir.EnvironmentModel]) -> None:
    service = base_models["default"].services["app"]
    saved = service.env
    try:
        ir.assign(service, env={"KEY": "a\x00b"})
        output = emit(base_models)
    finally:
        ir.assign(service, env=saved)
    assert [d.code for d in output.diagnostics if d.severity is Severity.ERROR] == ["E0491"]


def test_yaml_traps_and_interpolation_in_user_strings() -> None:
    traps = ["yes", "no", "on", "off", "~", "0755", "1e3", "*ref", "&anchor", "!tag", "${HOME}", "$$", "a: b", "#x"]
    env = "  ".join(f'T{i} = "{t.replace("${", "$${")}"' for i, t in enumerate(traps))
    models = compile_program(
        program(f"""
        stack s {{ owner = "acme" }}
        service app {{
          image = "busybox:1.36"
          command = ["echo", "yes", "0755", "$HOME", "$${{x}}"]
          env = {{ {env} }}
        }}
        """)
    )
    app = uninterpolate(documents(emit(models))["compose/compose.yaml"]["services"]["app"])
    assert app["environment"] == {f"T{i}": t for i, t in enumerate(traps)}
    assert app["command"] == ["echo", "yes", "0755", "$HOME", "${x}"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(source=programs())
def test_random_programs_give_schema_valid_compose_files(source: str) -> None:
    import jsonschema

    compilation = compile_source(source.encode(), "platform.stack")
    if compilation.has_errors:
        return  # the front end's business (tests/test_robustness.py)
    loaded = documents(emit(compilation.models))
    schema = compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)  # 2020-12: unevaluatedProperties
    base = loaded["compose/compose.yaml"]
    for environment in compilation.models:
        override = loaded[f"compose/compose.{environment}.yaml"] or {}
        for document in (base, override, compose_merge(base, override)):
            errors = sorted(validator.iter_errors(document), key=str)
            assert not errors, errors[0]


# -- what cannot be expressed ------------------------------------------------------------------


def test_a_generated_name_taken_by_a_service_is_an_error() -> None:
    models = compile_program(
        program("""
        stack s { owner = "acme"  domain = "example.com" }
        service edge-certbot { image = "busybox:1.36"  command = ["sleep", "1d"] }
        service web { image = "nginxinc/nginx-unprivileged:1.27"  ports = { http = 8080 } }
        gateway edge {
          tls = letsencrypt("ops@example.com")
          route "/" { to = service.web }
        }
        """)
    )
    errors = [d for d in emit(models).diagnostics if d.severity is Severity.ERROR]
    assert [d.code for d in errors] == ["E0492"]
    assert "edge-certbot" in errors[0].message


def test_backup_is_a_profiled_one_shot_job_with_its_schedule() -> None:
    models = compile_program((ROOT / "examples" / "multi-file" / "platform.stack").read_text(),
                             str(ROOT / "examples" / "multi-file" / "platform.stack"))
    loaded = documents(emit(models))
    prod = compose_merge(loaded["compose/compose.yaml"], loaded["compose/compose.prod.yaml"])
    job = prod["services"]["catalog-db-backup"]
    assert job["profiles"] == ["backup"] and job["restart"] == "no"
    assert job["labels"]["dev.stackc.backup.schedule"] == "30 2 * * *"
    assert job["depends_on"]["catalog-db"] == {"condition": "service_healthy"}
    assert "catalog-db-backup" not in (loaded["compose/compose.dev.yaml"] or {}).get("services", {})
    dev = compose_merge(loaded["compose/compose.yaml"], loaded["compose/compose.dev.yaml"])
    assert "catalog-db-backup" not in dev["services"]  # `backup = none` in dev


def test_hot_reload_watches_and_overrides_the_command(shop: dict[str, dict[str, Any]]) -> None:
    api = shop["dev"]["services"]["api"]
    assert api["develop"]["watch"] == [
        {"action": "sync", "path": "../../api/app", "target": "/srv/app"},
        {"action": "rebuild", "path": "../../api/requirements.txt"},
    ]
    assert api["command"][:2] == ["uvicorn", "app.main:app"]
    assert "develop" not in shop["prod"]["services"]["api"] and "command" not in shop["prod"]["services"]["api"]
    assert api["build"]["context"] == "../../api"
    assert shop["prod"]["services"]["api"]["image"] == "ghcr.io/acme/shop-api:${STACKC_IMAGE_TAG:-latest}"


# -- the scripts inside the Compose files --------------------------------------------------------


def _scripts(definition: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for name, service in definition["services"].items():
        for key in ("entrypoint", "command"):
            words = service.get(key) or []
            if len(words) == 3 and words[0] in ("sh", "/bin/sh") and words[1] == "-c":
                found.append((f"{name}.{key}", words[2]))
        test = (service.get("healthcheck") or {}).get("test") or []
        if test[:1] == ["CMD-SHELL"]:
            found.append((f"{name}.healthcheck", test[1]))
    return found


def test_every_generated_shell_script_parses(built: dict[str, Path]) -> None:
    checked = 0
    for name, target in built.items():
        folder = target / "compose"
        base = yaml.safe_load((folder / "compose.yaml").read_text())
        for override in sorted(folder.glob("compose.*.yaml")):
            definition = uninterpolate(compose_merge(base, yaml.safe_load(override.read_text()) or {}))
            for where, script in _scripts(definition):
                run = subprocess.run(["/bin/sh", "-n", "-c", script], capture_output=True, text=True)
                assert run.returncode == 0, f"{name} {override.name} {where}: {run.stderr}"
                checked += 1
        if (folder / "secrets.sh").exists():
            run = subprocess.run(["/bin/sh", "-n", str(folder / "secrets.sh")], capture_output=True, text=True)
            assert run.returncode == 0, run.stderr
    assert checked > 10


@pytest.fixture(scope="module")
def http_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    import functools
    import http.server
    import threading

    folder = tmp_path_factory.mktemp("www")
    (folder / "healthz").write_text("ok")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


@pytest.mark.parametrize("tool", ["wget", "curl", "python3", "node"])
def test_the_http_check_works_with_whichever_client_the_image_has(tool: str, http_server: int, tmp_path: Path) -> None:
    """The documented fallback chain (docs/compose.md): an image with only one of the clients
    still gets a working check, and a failing endpoint fails it."""
    from stackc.targets.compose.services import http_probe

    real = sys.executable if tool == "python3" else shutil.which(tool)
    if real is None:
        pytest.skip(f"{tool} is not installed here")
    (tmp_path / tool).symlink_to(real)
    environment = {"PATH": str(tmp_path)}
    good = subprocess.run(["/bin/sh", "-c", http_probe(f"http://127.0.0.1:{http_server}/healthz")], env=environment)
    bad = subprocess.run(["/bin/sh", "-c", http_probe(f"http://127.0.0.1:{http_server}/missing")], env=environment)
    assert good.returncode == 0 and bad.returncode != 0


def test_the_http_check_without_any_client_fails_and_says_why(tmp_path: Path) -> None:
    from stackc.targets.compose.services import http_probe

    run = subprocess.run(["/bin/sh", "-c", http_probe("http://127.0.0.1:9/")], env={"PATH": str(tmp_path)},
                         capture_output=True, text=True)
    assert run.returncode == 1 and "use a command check" in run.stderr


@pytest.mark.parametrize("tool", ["bash", "python3"])
def test_the_tcp_check_works_with_whichever_tool_the_image_has(tool: str, http_server: int, tmp_path: Path) -> None:
    from stackc.targets.compose.services import tcp_probe

    real = sys.executable if tool == "python3" else shutil.which(tool)
    if real is None:
        pytest.skip(f"{tool} is not installed here")
    (tmp_path / tool).symlink_to(real)
    environment = {"PATH": str(tmp_path)}
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        closed = unused.getsockname()[1]
        good = subprocess.run(["/bin/sh", "-c", tcp_probe(http_server)], env=environment)
        bad = subprocess.run(["/bin/sh", "-c", tcp_probe(closed)], env=environment, capture_output=True)
    assert good.returncode == 0 and bad.returncode != 0


def test_an_engine_version_that_is_no_image_tag_is_an_error() -> None:
    models = compile_program(
        program("""
        stack s { owner = "acme" }
        database main { engine = postgres  version = "17 latest" }
        """)
    )
    errors = [d for d in emit(models).diagnostics if d.severity is Severity.ERROR]
    assert [d.code for d in errors] == ["E0491"] and "image tag" in errors[0].message
