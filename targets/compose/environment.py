"""One environment's complete Compose definition, before it is split into base and override.

Networks (LANGUAGE.md §5 "default-deny networking with allow rules derived from `uses`"):
every service, database or queue that something uses gets its own internal network
`{name}-net`; it and each of its users join it. So a service reaches exactly what it lists in
`uses` (and a gateway exactly its route targets), nothing is reachable from outside, and a
container with no edge at all gets `network_mode: none`. Compose networks are symmetric, so
a used service can also open connections to its users; that is the one thing Kubernetes
NetworkPolicies express and Compose cannot. Non-internal networks: `public` (the gateway, its
certbot and cloudflared), `outbound` (users of managed or external databases and queues,
backups of external ones) and `dev-ports` (hot_reload environments only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stackc import ir
from stackc.diagnostics import Diagnostic, Severity

from . import names
from .backing import emit_backing, emit_backup_job
from .escape import escape_compose
from .gateway import emit_gateway
from .monitoring import (
    GRAFANA_PORTS_NETWORK,
    emit_monitoring,
    generated_names,
    otel_environment,
    plan_monitoring_networks,
)
from .monitoring import plan as monitoring_plan
from .nginx import mode
from .scope import CANNOT_EXPRESS, NAME_COLLISION, Scope, SecretFile
from .services import PIDS_LIMIT, emit_logging, emit_service, hardening, ordered

# A small image with `sh`, `stat` and `chown` for the one container that runs as root.
BUSYBOX_IMAGE = "busybox:1.37.0"
NON_INTERNAL = (names.PUBLIC_NETWORK, names.OUTBOUND_NETWORK, names.DEV_PORTS_NETWORK, GRAFANA_PORTS_NETWORK)


@dataclass
class EnvironmentOutput:
    document: dict[str, Any]
    secret_files: dict[str, SecretFile] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # The monitoring stack's own configuration files: path relative to the Compose folder ->
    # (document format, content, comment marker).
    files: dict[str, tuple[str, Any, str]] = field(default_factory=dict)


def emit_environment(model: ir.EnvironmentModel, nginx_paths: dict[str, str]) -> EnvironmentOutput:
    scope = Scope(model, nginx_paths, monitoring=monitoring_plan(model))
    check_names(scope)
    backings = [*model.databases.values(), *model.queues.values()]
    for service in model.services.values():
        scope.services[service.name] = with_otel(scope, service, emit_service(scope, service))
    for backing in backings:
        if backing.form == "container":
            scope.services[backing.name] = emit_backing(scope, backing)
    # Only the gateways publish 80/443; reserve them before any dev port is chosen.
    for gateway in model.gateways.values():
        scope.services.update(emit_gateway(scope, gateway))
    for backing in backings:
        if backing.backup is not None:
            job = emit_backup_job(scope, backing)
            if job is not None:
                scope.services[names.backup_job(backing.name)] = job
    monitoring = emit_monitoring(scope)
    report_port_conflicts(scope)
    plan_networks(scope)
    plan_monitoring_networks(scope)
    if scope.volume_owners:
        scope.services[names.VOLUME_INIT] = emit_volume_init(scope)
    return EnvironmentOutput(escape_compose(assemble(scope)), scope.secret_files, scope.diagnostics, monitoring.files)


def with_otel(scope: Scope, service: ir.Service, spec: dict[str, Any]) -> dict[str, Any]:
    """Adds the OpenTelemetry variables of an environment with `traces`; a variable the service
    sets itself in `env` (also as a secret, `KEY_FILE`) wins."""
    variables = otel_environment(scope.monitoring, scope.model, service.name)
    variables = {k: v for k, v in variables.items() if k not in service.env}
    if variables:
        spec["environment"] = {**spec.get("environment", {}), **variables}
    return spec


def check_names(scope: Scope) -> None:
    """Generated service and volume names follow `{name}-{suffix}` (LANGUAGE.md §5) and can
    meet a declared name; Compose would silently merge the two, so it is an error."""
    model = scope.model
    declared: dict[str, tuple[str, ir.Block]] = {}
    for kind, table in (("service", model.services), ("database", model.databases), ("queue", model.queues)):
        for name, block in table.items():
            declared[name] = (kind, block)
    generated: dict[str, str] = {names.VOLUME_INIT: "the job that prepares named volumes"}
    for gateway in model.gateways.values():
        generated[gateway.name] = f"gateway `{gateway.name}`"
        generated[names.cert_init(gateway.name)] = f"the certificate placeholder of gateway `{gateway.name}`"
        generated[names.certbot(gateway.name)] = f"the certbot of gateway `{gateway.name}`"
        generated[names.tunnel(gateway.name)] = f"the cloudflared of gateway `{gateway.name}`"
    for backing in (*model.databases.values(), *model.queues.values()):
        generated[names.backup_job(backing.name)] = f"the backup job of `{backing.name}`"
    generated.update(generated_names(scope.monitoring))
    for name, what in generated.items():
        if name in declared:
            kind, block = declared[name]
            scope.report(
                NAME_COLLISION,
                Severity.ERROR,
                f"{kind} `{name}` has the name of {what} in the Compose output",
                block.span,
                help=f"rename the {kind}",
            )
    volumes: dict[str, str] = {}
    for service in model.services.values():
        for volume in service.volumes.values():
            what = f"volume `{volume.name}` of `{service.name}`"
            volumes.setdefault(names.service_volume(service.name, volume.name), what)
    for backing in (*model.databases.values(), *model.queues.values()):
        for volume, what in ((names.data_volume(backing.name), "data"), (names.backups_volume(backing.name), "backup")):
            if volume in volumes:
                scope.report(
                    NAME_COLLISION,
                    Severity.ERROR,
                    f"the {what} volume of `{backing.name}` and {volumes[volume]} are both named `{volume}`",
                    backing.span,
                    help="rename the volume",
                )


def report_port_conflicts(scope: Scope) -> None:
    publishing = [g for g in scope.model.gateways.values() if mode(g) != "tunnel"]
    if len(publishing) > 1:
        scope.report(
            CANNOT_EXPRESS,
            Severity.WARNING,
            "gateways " + ", ".join(f"`{g.name}`" for g in publishing) + " all publish port 80 on the host: "
            "Compose can start only one of them",
            publishing[1].span,
            help="reach the others through `tunnel = cloudflare`, or serve all routes from one gateway",
        )


def plan_networks(scope: Scope) -> None:
    model = scope.model
    present = scope.services
    backings = {**model.databases, **model.queues}

    def edge(user: str, target: str) -> None:
        if user in present and target in present and user != target:
            scope.join(target, names.network_of(target), internal=True)
            scope.join(user, names.network_of(target), internal=True)

    for service in model.services.values():
        for ref in service.uses:
            if ref.name in present:
                edge(service.name, ref.name)
            elif ref.name in backings:
                scope.join(service.name, names.OUTBOUND_NETWORK, internal=False)
    for gateway in model.gateways.values():
        for route in gateway.routes.values():
            edge(gateway.name, route.to.name)
        how = mode(gateway)
        if how == "tunnel":
            edge(names.tunnel(gateway.name), gateway.name)
            scope.join(names.tunnel(gateway.name), names.PUBLIC_NETWORK, internal=False)
        else:
            scope.join(gateway.name, names.PUBLIC_NETWORK, internal=False)
        if how == "letsencrypt":
            scope.join(names.certbot(gateway.name), names.PUBLIC_NETWORK, internal=False)
    for backing in backings.values():
        job = names.backup_job(backing.name)
        if job not in present:
            continue
        if backing.form == "container":
            edge(job, backing.name)
        else:
            scope.join(job, names.OUTBOUND_NETWORK, internal=False)


def emit_volume_init(scope: Scope) -> dict[str, Any]:
    """Gives each named volume's root to the uid:gid that writes it.

    Docker creates a named volume owned by root, or by the image's own user when it copies the
    image's folder into it (moby `copyExistingContents`); the services here run as 10001
    (LANGUAGE.md §3) and could not write. Kubernetes solves this with fsGroup; Compose has no
    equivalent, so this one-shot job runs as root, with only CHOWN and DAC_READ_SEARCH, no
    network and a read-only root, and changes ownership only when it is wrong (a full `chown
    -R` would rewrite a large volume on every start)."""
    lines = ["set -eu", 'own() { [ "$(stat -c %u:%g "$1")" = "$2" ] || chown -R "$2" "$1"; }']
    volumes = []
    for volume, owner in scope.volume_owners.items():
        lines.append(f"own /volumes/{volume} {owner}")
        volumes.append({"type": "volume", "source": volume, "target": f"/volumes/{volume}"})
    spec: dict[str, Any] = {"image": BUSYBOX_IMAGE, "entrypoint": ["sh", "-c", "\n".join(lines) + "\n"]}
    spec.update(hardening(user=0, group=0, tmpfs=[], capabilities=["CHOWN", "DAC_READ_SEARCH"], pids=PIDS_LIMIT))
    del spec["tmpfs"]
    spec["volumes"] = volumes
    spec["deploy"] = {"resources": {"limits": {"cpus": "0.5", "memory": "64m"}}}
    spec["restart"] = "no"
    spec["logging"] = emit_logging()
    return spec


def assemble(scope: Scope) -> dict[str, Any]:
    services: dict[str, Any] = {}
    for name, spec in scope.services.items():
        spec = dict(spec)
        depends = dict(spec.get("depends_on") or {})
        if name != names.VOLUME_INIT and any(v.get("type") == "volume" for v in spec.get("volumes", [])):
            depends = {names.VOLUME_INIT: {"condition": "service_completed_successfully"}, **depends}
        if depends:
            spec["depends_on"] = depends
        else:
            spec.pop("depends_on", None)
        membership = scope.membership.get(name)
        if membership:
            first = [n for n in NON_INTERNAL if n in membership]
            spec["networks"] = {n: membership[n] for n in [*first, *(n for n in membership if n not in first)]}
        else:
            spec["network_mode"] = "none"  # nothing it uses and nothing that uses it
        services[name] = ordered(spec)
    document: dict[str, Any] = {"name": scope.model.stack.name, "services": services}
    networks = {n: scope.networks[n] for n in NON_INTERNAL if n in scope.networks}
    networks.update((n, d) for n, d in scope.networks.items() if n not in networks)
    for key, value in (("networks", networks), ("volumes", scope.volumes), ("secrets", scope.secrets)):
        if value:
            document[key] = value
    if scope.configs:
        document["configs"] = scope.configs
    return document

