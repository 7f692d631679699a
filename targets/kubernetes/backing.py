"""Container-form databases and queues: a StatefulSet running the official engine image.

LANGUAGE.md §3: the engine image is pinned by `version`, the credentials are the declared
`{name}-credentials` Secret (mounted as files, read through the image's `*_FILE` variables), the
data lives on a volume claim named `{name}-data` (LANGUAGE.md §5 naming).
"""

from __future__ import annotations

from typing import Any

from stackc import ir
from stackc.targets.kubernetes import engines, names, services, workloads

CREDENTIALS_DIR = "/run/secrets/credentials"


def backing_pod(model: ir.EnvironmentModel, backing: ir.Database | ir.Queue, component: str) -> workloads.Pod:
    engine = engines.engine_of(backing)
    pod_env: list[dict[str, Any]] = [{"name": k, "value": v} for k, v in sorted(engine.env.items())]
    if isinstance(backing, ir.Database) and backing.engine in ("postgres", "mysql"):
        pod_env.append(
            {"name": "POSTGRES_DB" if backing.engine == "postgres" else "MYSQL_DATABASE", "value": backing.name}
        )
    for variable in engines.PASSWORD_FILE_VARIABLES.get(backing.engine, ()):
        pod_env.append({"name": variable, "value": f"{CREDENTIALS_DIR}/{engines.PASSWORD_KEY}"})
    args = [a.replace("{secrets}", CREDENTIALS_DIR) for a in engine.args] or None
    resources = backing.resources
    return workloads.Pod(
        name=backing.name,
        component=component,
        image=engines.image_of(backing),
        user=10001,
        group=10001,
        args=args,
        ports={engine.port_name: engine.port},
        env=sorted(pod_env, key=lambda e: e["name"]),
        tmpfs=list(engine.tmpfs),
        mounts=[
            {"name": f"{backing.name}-data", "mountPath": engine.data_path},
            {"name": "credentials", "mountPath": CREDENTIALS_DIR, "readOnly": True},
        ],
        volumes=[{"name": "credentials", "secret": {"secretName": backing.credentials, "defaultMode": 0o440}}],
        probes=workloads.engine_probes(engine, CREDENTIALS_DIR),
        requests={"cpu": resources.cpu.text, "memory": names.quantity(resources.memory)},
        limits={
            "cpu": resources.cpu_limit.text if resources.cpu_limit else resources.cpu.text,
            "memory": names.quantity(resources.memory_limit or resources.memory),
        },
    )


def emit_backing(model: ir.EnvironmentModel, backing: ir.Database | ir.Queue) -> list[dict[str, Any]]:
    """ServiceAccount, StatefulSet (one replica: a second would be a second, empty server, not a
    replica: stdlib/postgres.stack), its Service and headless Service."""
    component = "database" if isinstance(backing, ir.Database) else "queue"
    pod = backing_pod(model, backing, component)
    annotations = workloads.checkov_skips(workloads.allowed_findings(model, backing, component))
    return [
        workloads.emit_service_account(model, backing.name, component),
        workloads.emit_stateful_set(
            model, pod, 1, annotations, [(f"{backing.name}-data", names.quantity(backing.size))]
        ),
        services.emit_service(model, backing.name, component, pod.ports),
        services.emit_headless_service(model, backing.name, component, pod.ports),
    ]
