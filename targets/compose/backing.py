"""Container-form databases and queues, and their backup jobs.

A `managed` or `external` database or queue is not a container: services reach it through
its `.uri` secret over the `outbound` network (`environment.plan_networks`).

Backups: Compose has no scheduler, so a backup is a one-shot service under the `backup`
profile that the host's cron runs at the schedule; the schedule and retention are the labels
`dev.stackc.backup.schedule` and `dev.stackc.backup.retain` (the YAML writer has no comments
inside documents), and docs/compose.md gives the crontab line. Dumps go to the named volume
`{name}-backups`; files older than `retain` are deleted after each successful dump.
"""

from __future__ import annotations

import math
import re
from typing import Any

from stackc import ir
from stackc.diagnostics import Severity

from . import names
from .engines import ENGINES, TAG_PATTERN
from .monitoring import backup_push_script, pushes_backups
from .scope import CANNOT_EXPRESS, DEFAULT_GROUP, DEFAULT_USER, UNSAFE_VALUE, Scope
from .secrets import declare_secret, declare_uri
from .services import ENGINE_PIDS_LIMIT, PIDS_LIMIT, RESTART, emit_logging, emit_resources, hardening, timing

OWNER = f"{DEFAULT_USER}:{DEFAULT_GROUP}"


def check_version(scope: Scope, backing: ir.Database | ir.Queue) -> bool:
    if re.fullmatch(TAG_PATTERN, backing.version):
        return True
    scope.report(
        UNSAFE_VALUE,
        Severity.ERROR,
        f"`version` of `{backing.name}` is not a valid image tag: {backing.version!r}",
        backing.span_of("version"),
        help="an image tag is letters, digits, `_`, `.` and `-`, at most 128 characters",
    )
    return False


def emit_backing(scope: Scope, backing: ir.Database | ir.Queue) -> dict[str, Any]:
    engine = ENGINES[backing.engine]
    check_version(scope, backing)
    credentials = declare_secret(scope, backing.credentials)
    path = f"/run/secrets/{credentials}"
    spec: dict[str, Any] = {"image": engine.image_for(backing.version)}
    command = engine.command_for(backing.name, path)
    if command is not None:
        spec["command"] = command
    spec.update(hardening(user=DEFAULT_USER, group=DEFAULT_GROUP, tmpfs=engine.tmpfs, pids=ENGINE_PIDS_LIMIT))
    environment = engine.environment_for(backing.name, path)
    if environment:
        spec["environment"] = environment
    spec["secrets"] = [credentials]
    volume = names.data_volume(backing.name)
    scope.mount_volume(volume, OWNER)
    spec["volumes"] = [{"type": "volume", "source": volume, "target": engine.data_path}]
    health = engine.health_for(backing.name, path)
    spec["healthcheck"] = timing(health.test, health.interval, health.timeout, health.retries, health.start_period)
    # One writer per data directory: a second replica would be a second, empty server.
    spec["deploy"] = {"replicas": 1, "resources": emit_resources(backing.resources)}
    spec["restart"] = RESTART
    spec["logging"] = emit_logging()
    if scope.model.stack.labels:
        spec["labels"] = dict(scope.model.stack.labels)
    scope.report(
        CANNOT_EXPRESS,
        Severity.INFO,
        f"Compose volumes have no size: the data of `{backing.name}` is not limited to {backing.size}",
        backing.span_of("size"),
    )
    return spec


def emit_backup_job(scope: Scope, backing: ir.Database | ir.Queue) -> dict[str, Any] | None:
    """The one-shot dump job of a database with `backup`, or None (reported) when the engine or
    form has no dump that Compose can run."""
    assert backing.backup is not None
    engine = ENGINES[backing.engine]
    if backing.form == "managed":
        return None  # the cloud's backup settings (Terraform target)
    script = _backup_script(backing)
    if engine.backup_extension is None or script is None:
        kind = "database" if isinstance(backing, ir.Database) else "queue"
        scope.report(
            CANNOT_EXPRESS,
            Severity.WARNING,
            f"the Compose target has no backup job for the {backing.form} {backing.engine} {kind} "
            f"`{backing.name}`: no engine-native dump it can run"
            + (" from a connection string alone" if backing.form == "external" else ""),
            backing.span_of("backup"),
            help="back it up where it runs, or use the Kubernetes or Terraform target",
        )
        return None
    if backing.form == "external":
        assert backing.external is not None
        secret = declare_secret(scope, backing.external.name)
    elif backing.engine == "mongodb":
        secret = declare_uri(scope, backing)  # mongodump takes a URI; dumps of the others log in
    else:
        secret = declare_secret(scope, backing.credentials)
    check_version(scope, backing)
    if pushes_backups(scope.monitoring):
        # The Pushgateway keeps the time of the last good dump for the backup alert.
        script += backup_push_script()
    spec: dict[str, Any] = {"image": engine.image_for(backing.version), "profiles": ["backup"]}
    spec["entrypoint"] = ["sh", "-c", script]
    spec.update(hardening(user=DEFAULT_USER, group=DEFAULT_GROUP, tmpfs=["/tmp"], pids=PIDS_LIMIT))
    spec["environment"] = {
        "STACKC_NAME": backing.name,
        "STACKC_SECRET": f"/run/secrets/{secret}",
        "STACKC_RETAIN_DAYS": str(max(1, math.ceil(backing.backup.retain.seconds / 86400))),
    }
    spec["secrets"] = [secret]
    volume = names.backups_volume(backing.name)
    scope.mount_volume(volume, OWNER)
    spec["volumes"] = [{"type": "volume", "source": volume, "target": "/backups"}]
    if backing.form == "container":
        spec["depends_on"] = {backing.name: {"condition": "service_healthy"}}
    spec["deploy"] = {"resources": emit_resources(backing.resources)}
    spec["restart"] = "no"
    spec["logging"] = emit_logging()
    spec["labels"] = {
        **scope.model.stack.labels,
        "dev.stackc.backup.schedule": backing.backup.schedule,
        "dev.stackc.backup.retain": str(backing.backup.retain),
    }
    return spec


# Each script writes `$file.partial` and renames it, so that a failed dump never looks like a
# backup, then deletes dumps older than the retention. Credentials reach the tools through
# environment variables or files on the tmpfs, not arguments (visible in the host's `ps`);
# the one exception is pg_dump against an external server, which accepts the URI only as an
# argument (docs/compose.md).
_TIMESTAMP = 'file="/backups/$STACKC_NAME-$(date -u +%Y%m%dT%H%M%SZ).{ext}"\n'
_PRUNE = (
    'mv "$file.partial" "$file"\n'
    'find /backups -name "$STACKC_NAME-*.{ext}" -mtime +"$STACKC_RETAIN_DAYS" -delete\n'
)


def _backup_script(backing: ir.Database | ir.Queue) -> str | None:
    engine, container = backing.engine, backing.form == "container"
    ext = ENGINES[engine].backup_extension
    if engine == "postgres" and container:
        body = (
            'PGPASSWORD="$(cat "$STACKC_SECRET")"\nexport PGPASSWORD\n'
            'pg_dump --host="$STACKC_NAME" --username="$STACKC_NAME" --dbname="$STACKC_NAME" '
            '--format=custom --file="$file.partial"\n'
        )
    elif engine == "postgres":
        body = 'pg_dump --format=custom --file="$file.partial" "$(cat "$STACKC_SECRET")"\n'
    elif engine == "mongodb":
        # mongodump reads the URI from a YAML config file; single quotes doubled for YAML.
        body = (
            "umask 077\n"
            "printf \"uri: '%s'\\n\" \"$(sed \"s/'/''/g\" \"$STACKC_SECRET\")\" > /tmp/mongodump.yaml\n"
            'mongodump --config=/tmp/mongodump.yaml --gzip --archive="$file.partial"\n'
        )
    elif engine == "mysql" and container:
        body = (
            "umask 077\n"
            'printf "[client]\\nhost=%s\\nuser=%s\\npassword=%s\\n" "$STACKC_NAME" "$STACKC_NAME" '
            '"$(cat "$STACKC_SECRET")" > /tmp/client.cnf\n'
            "mysqldump --defaults-extra-file=/tmp/client.cnf --single-transaction --routines "
            '--databases "$STACKC_NAME" > "$file.partial"\n'
        )
    elif engine == "redis" and container:
        body = (
            'REDISCLI_AUTH="$(cat "$STACKC_SECRET")"\nexport REDISCLI_AUTH\n'
            'redis-cli -h "$STACKC_NAME" --rdb "$file.partial"\n'
        )
    else:
        return None
    return "set -eu\n" + _TIMESTAMP.format(ext=ext) + body + _PRUNE.format(ext=ext)
