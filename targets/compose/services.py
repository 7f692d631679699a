"""Compose services from `service` blocks, and the hardening every container gets.

LANGUAGE.md §5 and POLICIES.md ("Compose: no-new-privileges, cap_drop ALL, read-only root,
non-root user, pids_limit, memory and cpu limits, log rotation, health checks, internal
networks") are implemented by `hardening`, `emit_resources` and `emit_logging`, which every
emitter of this package uses; CIS Docker Benchmark v1.6.0 item numbers are given where a
setting comes from it (research/anchors-policy.md, Appendix C).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stackc import ir
from stackc.diagnostics import Severity
from stackc.values import Ref, Text

from . import names
from .engines import ENGINES
from .escape import Interpolation, compose_literal, cpus, duration, has_nul, is_env_key, memory, shell_quote
from .scope import CANNOT_EXPRESS, UNSAFE_VALUE, Scope
from .secrets import secret_for

# CIS 5.29: a pids limit (docker-bench fails 0, -1 and unset). Databases fork per connection.
PIDS_LIMIT = 256
ENGINE_PIDS_LIMIT = 1024
# POLICIES.md: log rotation; json-file is Docker's default driver, so `docker logs` still works.
LOGGING = {"driver": "json-file", "options": {"max-size": "10m", "max-file": "3"}}
# CIS 5.15 as docker-bench checks it is MaximumRetryCount <= 5, which `unless-stopped` (0)
# passes; `on-failure` would not bring the stack back after a reboot (Docker restarts
# on-failure containers only when they exit with an error, not when the daemon starts).
RESTART = "unless-stopped"
# The variable that pins the tag of images built from source (docs/compose.md).
IMAGE_TAG = "${STACKC_IMAGE_TAG:-latest}"

# Key order of a generated service, so that every file reads the same way.
SERVICE_KEYS = (
    "image",
    "build",
    "pull_policy",
    "profiles",
    "entrypoint",
    "command",
    "user",
    "read_only",
    "tmpfs",
    "cap_drop",
    "cap_add",
    "security_opt",
    "init",
    "pids_limit",
    "environment",
    "secrets",
    "configs",
    "volumes",
    "ports",
    "networks",
    "network_mode",
    "depends_on",
    "healthcheck",
    "deploy",
    "restart",
    "logging",
    "labels",
    "develop",
)


def ordered(spec: dict[str, Any]) -> dict[str, Any]:
    unknown = set(spec) - set(SERVICE_KEYS)
    assert not unknown, unknown
    return {key: spec[key] for key in SERVICE_KEYS if key in spec}


def hardening(
    *,
    user: int,
    group: int,
    read_only: bool = True,
    tmpfs: Sequence[str],
    capabilities: Sequence[str] = (),
    pids: int,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "user": f"{user}:{group}",  # CIS 4.1: never the image's (often root) user
        "read_only": read_only,  # CIS 5.13, with tmpfs for the writable paths
        "tmpfs": list(tmpfs),
        "cap_drop": ["ALL"],  # CIS 5.4
        "security_opt": ["no-new-privileges:true"],  # CIS 5.26
        "init": True,  # reaps zombies and forwards signals for programs that do not
        "pids_limit": pids,  # CIS 5.29
    }
    if capabilities:
        spec["cap_add"] = [c.upper().removeprefix("CAP_") for c in capabilities]
    return spec


def emit_resources(resources: ir.Resources) -> dict[str, Any]:
    """CIS 5.11/5.12: limits always; requests become reservations."""
    assert resources.cpu_limit is not None and resources.memory_limit is not None
    return {
        "limits": {"cpus": cpus(resources.cpu_limit.millicores), "memory": memory(resources.memory_limit.bytes)},
        "reservations": {"cpus": cpus(resources.cpu.millicores), "memory": memory(resources.memory.bytes)},
    }


def emit_logging() -> dict[str, Any]:
    return {"driver": LOGGING["driver"], "options": dict(LOGGING["options"])}


def emit_healthcheck(health: ir.Health, primary_port: int | None) -> dict[str, Any]:
    """Compose has only command checks: `http` and `tcp` become a small shell script that uses
    whichever client the image has (score-compose#86: "many containers do not have curl or
    wget"). An image without `/bin/sh` or any of these needs a `command` check instead."""
    if health.command is not None:
        test = ["CMD", *health.command]
    else:
        port = health.port if isinstance(health.port, int) else primary_port
        if health.http is not None:
            path = health.http if health.http.startswith("/") else "/" + health.http
            test = ["CMD-SHELL", http_probe(f"http://127.0.0.1:{port}{path}")]
        else:
            tcp = health.tcp if isinstance(health.tcp, int) else port
            test = ["CMD-SHELL", tcp_probe(tcp)]
    return timing(test, health.interval.seconds, health.timeout.seconds, health.retries, health.start_period.seconds)


def timing(test: list[str], interval: Any, timeout: Any, retries: int, start_period: Any) -> dict[str, Any]:
    return {
        "test": test,
        "interval": duration(interval),
        "timeout": duration(timeout),
        "retries": retries,
        "start_period": duration(start_period),
    }


def http_probe(url: str) -> str:
    return "\n".join(
        [
            f"u={shell_quote(url)}",
            'if command -v wget >/dev/null 2>&1; then exec wget -q -O /dev/null "$u"; fi',
            'if command -v curl >/dev/null 2>&1; then exec curl -fsS -o /dev/null "$u"; fi',
            "if command -v python3 >/dev/null 2>&1; then exec python3 -c "
            + shell_quote("import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=30)")
            + ' "$u"; fi',
            "if command -v node >/dev/null 2>&1; then exec node -e "
            + shell_quote(
                'require("http").get(process.argv[1], r => process.exit(r.statusCode < 400 ? 0 : 1))'
                '.on("error", () => process.exit(1))'
            )
            + ' "$u"; fi',
            "echo 'no wget, curl, python3 or node in the image for the http check: use a command check' >&2",
            "exit 1",
        ]
    )


def tcp_probe(port: int | None) -> str:
    return "\n".join(
        [
            f"p={port}",
            "if command -v bash >/dev/null 2>&1; then exec bash -c 'exec 3<>\"/dev/tcp/127.0.0.1/$0\"' \"$p\"; fi",
            "if command -v python3 >/dev/null 2>&1; then exec python3 -c "
            + shell_quote("import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 5)")
            + ' "$p"; fi',
            "if command -v nc >/dev/null 2>&1; then exec nc -z 127.0.0.1 \"$p\"; fi",
            "echo 'no bash, python3 or nc in the image for the tcp check: use a command check' >&2",
            "exit 1",
        ]
    )


def emit_service(scope: Scope, service: ir.Service) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if service.build is not None:
        # The registry name lets `docker compose build`/`push` tag CI images and a server pull
        # them; STACKC_IMAGE_TAG picks the release. The registry part is user text.
        spec["image"] = Interpolation(compose_literal(service.image_ref) + ":" + IMAGE_TAG)
        spec["build"] = emit_build(service.build)
        if scope.hot_reload:
            spec["pull_policy"] = "build"  # develop from the working tree, never a pushed image
    else:
        spec["image"] = service.image_ref
    if service.command is not None:
        spec["command"] = checked_strings(scope, service, list(service.command), "command")
    # Compose watch copies files into the container, which Docker refuses on a read-only root
    # unless the target is a volume; so a service that syncs gets a writable root, only in
    # hot_reload environments.
    read_only = service.read_only and not (scope.hot_reload and service.syncs and service.build is not None)
    spec.update(
        hardening(
            user=service.user,
            group=service.group,
            read_only=read_only,
            tmpfs=service.tmpfs,
            capabilities=service.capabilities,
            pids=PIDS_LIMIT,
        )
    )
    environment, mounts = emit_environment(scope, service)
    if environment:
        spec["environment"] = environment
    if mounts:
        spec["secrets"] = mounts
    volumes = [emit_volume(scope, service, volume) for volume in service.volumes.values()]
    if volumes:
        spec["volumes"] = volumes
    ports = emit_dev_ports(scope, service.name, service.ports, service.replicas or 0)
    if ports:
        spec["ports"] = ports
    spec["depends_on"] = emit_depends_on(scope, service)
    if service.health is not None:
        spec["healthcheck"] = emit_healthcheck(service.health, service.primary_port[1] if service.ports else None)
    spec["deploy"] = {"replicas": service.replicas if service.replicas is not None else 1}
    spec["deploy"]["resources"] = emit_resources(service.resources)
    spec["restart"] = RESTART
    spec["logging"] = emit_logging()
    if scope.model.stack.labels:
        spec["labels"] = dict(scope.model.stack.labels)
    develop = emit_develop(scope, service)
    if develop:
        spec["develop"] = develop
    report_unexpressed(scope, service)
    return spec


def emit_build(build: ir.Build) -> dict[str, Any]:
    spec: dict[str, Any] = {"context": names.from_stack_dir(build.context)}
    if build.dockerfile is not None:
        spec["dockerfile"] = build.dockerfile  # relative to the context, as in Docker
    if build.target is not None:
        spec["target"] = build.target
    if build.args:
        spec["args"] = dict(build.args)
    return spec


def checked_strings(scope: Scope, service: ir.Service, values: list[str], what: str) -> list[str]:
    for value in values:
        if has_nul(value):
            scope.report(
                UNSAFE_VALUE,
                Severity.ERROR,
                f"`{what}` of service `{service.name}` contains a NUL character, which a process cannot receive",
                service.span_of(what),
            )
    return values


def emit_environment(scope: Scope, service: ir.Service) -> tuple[dict[str, Any], list[str]]:
    """`env` as Compose `environment`, and the secrets to mount.

    LANGUAGE.md §5: `KEY = secret.X` mounts the secret at `/run/secrets/X` and sets
    `KEY_FILE`; with `secrets_in_env` the variable is passed through from the deploying shell
    (`KEY:` with no value), so the value is in neither the files nor the Compose model."""
    environment: dict[str, Any] = {}
    mounts: list[str] = []
    span = service.span_of("env")
    for key, value in service.env.items():
        if not is_env_key(key):
            scope.report(
                UNSAFE_VALUE,
                Severity.ERROR,
                f"`{key}` in `env` of service `{service.name}` cannot be an environment variable name",
                span,
                help="a variable name cannot be empty or contain `=` or a NUL character",
            )
            continue
        if isinstance(value, Ref) and value.is_secret:
            secret = secret_for(scope, value)
            if service.secrets_in_env:
                environment[key] = None
                continue
            file_key = f"{key}_FILE"
            if file_key in service.env:
                scope.report(
                    UNSAFE_VALUE,
                    Severity.ERROR,
                    f"`{key}` holds a secret, so `{file_key}` is set by stackc; `env` of service "
                    f"`{service.name}` sets it too",
                    span,
                    help=f"remove `{file_key}` from `env`",
                )
                continue
            environment[file_key] = f"/run/secrets/{secret}"
            if secret not in mounts:
                mounts.append(secret)
            continue
        text = resolve_value(scope, value, service, key)
        if text is None:
            continue
        if has_nul(text):
            scope.report(
                UNSAFE_VALUE,
                Severity.ERROR,
                f"`{key}` in `env` of service `{service.name}` contains a NUL character, which an "
                "environment variable cannot hold",
                span,
            )
            continue
        environment[key] = text
    return environment, mounts


def resolve_value(scope: Scope, value: str | Ref | Text, service: ir.Service, key: str) -> str | None:
    if isinstance(value, str):
        return value
    parts = value.parts if isinstance(value, Text) else (value,)
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        resolved = resolve_reference(scope, part)
        if resolved is None:
            scope.report(
                CANNOT_EXPRESS,
                Severity.WARNING,
                f"`{part.dotted}` has no value in Compose: `{key}` is left out of service `{service.name}`",
                part.span,
                help=f"a managed or external {part.kind} is known to Compose only through its `.uri` secret",
            )
            return None
        out.append(resolved)
    return "".join(out)


def resolve_reference(scope: Scope, ref: Ref) -> str | None:
    """Compose's side of the reference properties of LANGUAGE.md §3: containers reach each
    other by service name on their shared network."""
    model = scope.model
    if ref.kind == "service":
        target = model.services[ref.name]
        head, _, rest = (ref.prop or "").partition(".")
        if head == "host":
            return target.name
        if head == "image":
            return target.image_ref
        port = target.ports.get(rest) if head == "ports" else (target.primary_port or (None, None))[1]
        if port is None:
            return None
        return str(port) if head in ("port", "ports") else f"http://{target.name}:{port}"
    backing = model.databases.get(ref.name) if ref.kind == "database" else model.queues.get(ref.name)
    if backing is None or backing.form != "container":
        return None
    if ref.prop == "host" or ref.prop == "name":
        return backing.name
    if ref.prop == "port":
        return str(ENGINES[backing.engine].port)
    return None


def emit_volume(scope: Scope, service: ir.Service, volume: ir.Volume) -> dict[str, Any]:
    name = names.service_volume(service.name, volume.name)
    scope.mount_volume(name, f"{service.user}:{service.group}")
    return {"type": "volume", "source": name, "target": volume.path}


def emit_dev_ports(scope: Scope, name: str, ports: dict[str, int], replicas: int) -> list[dict[str, Any]]:
    """LANGUAGE.md §5: in hot_reload environments services publish their ports on 127.0.0.1
    (CIS 5.14). The host port is the container's when it is free and unprivileged (CIS 5.8);
    otherwise, and for several replicas, Docker picks one (`docker compose port`)."""
    if not scope.hot_reload or not ports:
        return []
    published = []
    for port_name, port in ports.items():
        entry: dict[str, Any] = {"name": port_name, "target": port, "host_ip": "127.0.0.1", "protocol": "tcp"}
        if replicas <= 1 and port >= 1024 and port not in scope.host_ports:
            scope.host_ports.add(port)
            entry["published"] = str(port)
        published.append(entry)
    scope.join(name, names.DEV_PORTS_NETWORK, internal=False)
    return published


def emit_depends_on(scope: Scope, service: ir.Service) -> dict[str, Any]:
    """`uses` as start order: healthy where the dependency has a health check."""
    depends: dict[str, Any] = {}
    for ref in service.uses:
        condition = dependency_condition(scope, ref.name)
        if condition is not None and ref.name != service.name:
            depends[ref.name] = {"condition": condition}
    return depends


def dependency_condition(scope: Scope, name: str) -> str | None:
    model = scope.model
    if name in model.services:
        return "service_healthy" if model.services[name].health is not None else "service_started"
    backing = model.databases.get(name) or model.queues.get(name)
    if backing is not None and backing.form == "container":
        return "service_healthy"  # every engine has a health check
    return None  # managed and external ones are not containers


def emit_develop(scope: Scope, service: ir.Service) -> dict[str, Any] | None:
    """Hot reload: `sync` blocks as `sync` actions, `rebuild_on` as `rebuild` actions; paths
    relative to the Compose file, ignore patterns relative to the synced path."""
    if not scope.hot_reload or not (service.syncs or service.rebuild_on):
        return None
    if service.build is None:
        scope.report(
            CANNOT_EXPRESS,
            Severity.WARNING,
            f"service `{service.name}` syncs or rebuilds on changes, but Compose watch needs a `build`",
            service.span_of("syncs") if service.syncs else service.span_of("rebuild_on"),
            help="build the service from source, or remove `sync` and `rebuild_on`",
        )
        return None
    watch: list[dict[str, Any]] = []
    for sync in service.syncs.values():
        action: dict[str, Any] = {"action": "sync", "path": names.from_stack_dir(sync.source), "target": sync.to}
        if sync.ignore:
            action["ignore"] = list(sync.ignore)
        watch.append(action)
    watch.extend({"action": "rebuild", "path": names.from_stack_dir(path)} for path in service.rebuild_on)
    return {"watch": watch}


def report_unexpressed(scope: Scope, service: ir.Service) -> None:
    """What only other targets carry out; reported as info so that `--verbose` shows it."""
    if service.autoscale is not None:
        scope.report(
            CANNOT_EXPRESS,
            Severity.INFO,
            f"Compose does not autoscale: service `{service.name}` runs a fixed {service.replicas} replica(s)",
            service.span_of("autoscale"),
        )
    for volume in service.volumes.values():
        scope.report(
            CANNOT_EXPRESS,
            Severity.INFO,
            f"Compose volumes have no size: `{volume.name}` of service `{service.name}` is not limited to "
            f"{volume.size}",
            volume.span_of("size"),
        )
    if service.deploy.strategy != "rolling":
        scope.report(
            CANNOT_EXPRESS,
            Severity.INFO,
            f"Compose recreates containers: the {service.deploy.strategy} rollout of service `{service.name}` "
            "applies to Kubernetes only",
            service.deploy.span_of("strategy"),
        )
