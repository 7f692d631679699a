"""Backups: a CronJob per `backup` of a container-form or external database (LANGUAGE.md §3).

The job runs the engine's own dump tool (from the engine's pinned image) against the connection
URI, read from the mounted credentials file, and writes to a volume claim `{name}-backups`; files
older than `retain` are deleted. A managed database's backups are the cloud's (Terraform).
The pod is hardened like every other (anchors-policy.md §2.2, CronJob row).
"""

from __future__ import annotations

from typing import Any

from stackc import ir
from stackc.targets.kubernetes import engines, env, names, workloads
from stackc.targets.kubernetes.names import metadata
from stackc.values import Ref

BACKUP_DIR = "/backup"


def job_name(backing: ir.Database | ir.Queue) -> str:
    return names.fit(f"{backing.name}-backup", names.CONTROLLER_LIMIT)


def backed_up(model: ir.EnvironmentModel) -> list[ir.Database | ir.Queue]:
    """Backings with a `backup` the cluster runs (an engine with a dump tool, not managed)."""
    return [
        b
        for b in [*model.databases.values(), *model.queues.values()]
        if b.backup is not None and b.form != "managed" and engines.engine_of(b).dump is not None
    ]


def emit_backup(model: ir.EnvironmentModel, backing: ir.Database | ir.Queue) -> list[dict[str, Any]]:
    backup = backing.backup
    engine = engines.engine_of(backing)
    assert backup is not None and engine.dump is not None
    name = job_name(backing)
    secret, key = env.secret_of(model, uri_ref(backing))
    uri_file = f"{env.SECRETS_DIR}/{secret}"
    days = max(1, int(backup.retain.seconds) // 86400)
    stamp = f"{BACKUP_DIR}/{backing.name}-$(date -u +%Y%m%dT%H%M%SZ)"
    script = "\n".join(
        [
            "set -eu",
            engine.dump.replace("{uri}", uri_file).replace("{file}", stamp),
            # -mtime +N: older than N whole days, so `retain = 7d` keeps seven days of dumps.
            f"find {BACKUP_DIR} -type f -mtime +{days - 1} -delete",
        ]
    )
    pod = workloads.Pod(
        name=name,
        component="backup",
        image=engines.image_of(backing),
        user=10001,
        group=10001,
        args=["sh", "-c", script],
        env=[{"name": "HOME", "value": "/tmp"}],
        mounts=[
            {"name": "backups", "mountPath": BACKUP_DIR},
            {"name": "secrets", "mountPath": env.SECRETS_DIR, "readOnly": True},
        ],
        volumes=[
            {"name": "backups", "persistentVolumeClaim": {"claimName": f"{backing.name}-backups"}},
            {
                "name": "secrets",
                "projected": {
                    "defaultMode": 0o440,
                    "sources": [{"secret": {"name": secret, "items": [{"key": key, "path": secret}]}}],
                },
            },
        ],
        requests={"cpu": "100m", "memory": "256Mi"},
        limits={"cpu": "1", "memory": "512Mi"},
        restart_policy="OnFailure",
    )
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": metadata(model, f"{backing.name}-backups", "backup"),
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": names.quantity(backing.size)}},
        },
    }
    cron_job = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": metadata(model, name, "backup"),
        "spec": {
            "schedule": backup.schedule,
            "timeZone": "Etc/UTC",
            # kube-score cronjob-has-deadline; never two dumps at once.
            "concurrencyPolicy": "Forbid",
            "startingDeadlineSeconds": 300,
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {
                "spec": {
                    "activeDeadlineSeconds": 3600,
                    "backoffLimit": 2,
                    "template": workloads.emit_pod_template(model, pod),
                }
            },
        },
    }
    return [workloads.emit_service_account(model, name, "backup"), claim, cron_job]


def uri_ref(backing: ir.Database | ir.Queue) -> Ref:
    """The `database.X.uri` reference, for `env.secret_of`."""
    kind = "database" if isinstance(backing, ir.Database) else "queue"
    return Ref(kind, backing.name, "uri", backing.span)  # type: ignore[arg-type]
