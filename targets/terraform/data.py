"""Managed databases and queues (RDS, ElastiCache, Amazon MQ).

Hardened as research/terraform-example/databases.tf; each setting that a Checkov
check needed is marked with the check's ID (the README's traps table says why).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stackc import ir
from stackc.diagnostics import Diagnostic, Severity
from stackc.policies.base import env_refs
from stackc.writers import hcl

from .access import KMS, Grants, days
from .root import CANNOT_EXPRESS, Counted, Root, Variable, any_of, ident

RDS_ENGINES = {"postgres": 5432, "mysql": 3306}
# RDS gp3 storage cannot be smaller (research README, last design note).
RDS_MIN_GIB = 20
# RDS and ElastiCache keep automated backups at most this many days.
MAX_BACKUP_DAYS = 35
PROTOCOL = {"postgres": "PostgreSQL", "mysql": "MySQL", "redis": "Redis", "rabbitmq": "AMQP over TLS"}


@dataclass(frozen=True)
class Backing:
    kind: str  # database | queue
    name: str
    engine: str
    version: str
    # Environment -> the block, where it is managed.
    managed: dict[str, ir.Database | ir.Queue]


def _managed(root: Root) -> list[Backing]:
    found: dict[tuple[str, str], dict[str, ir.Database | ir.Queue]] = {}
    for env, model in root.models.items():
        for kind, blocks in (("database", model.databases), ("queue", model.queues)):
            for block in blocks.values():
                if block.form == "managed":
                    found.setdefault((kind, block.name), {})[env] = block
    backings = []
    for (kind, name), managed in sorted(found.items()):
        sample = managed.get(root.reference_env) or next(iter(managed.values()))
        backings.append(Backing(kind, name, sample.engine, sample.version, managed))
    return backings


def _users(root: Root, backing: Backing) -> list[str]:
    """Services that `uses` the database or queue where it is managed: the only ones admitted."""
    return sorted(
        {
            service.name
            for env in backing.managed
            for service in root.models[env].services.values()
            if any(ref.kind == backing.kind and ref.name == backing.name for ref in service.uses)
        }
    )


def _uri_readers(root: Root, backing: Backing) -> list[str]:
    return sorted(
        {
            service.name
            for env in backing.managed
            for service in root.models[env].services.values()
            if any(r.kind == backing.kind and r.name == backing.name and r.prop == "uri" for r in env_refs(service))
        }
    )


def _window(schedule: str, minutes: int) -> tuple[int, str]:
    """The cron's start hour and an `HH:MM-HH:MM` window from it (03:00 when it is not daily)."""
    match = re.fullmatch(r"(\d{1,2}) (\d{1,2}) \* \* \*", schedule.strip())
    hour, minute = (int(match.group(2)) % 24, int(match.group(1)) % 60) if match else (3, 0)
    end = hour * 60 + minute + minutes
    return hour, f"{hour:02d}:{minute:02d}-{(end // 60) % 24:02d}:{end % 60:02d}"


def emit_managed(root: Root, grants: Grants, diagnostics: list[Diagnostic]) -> bool:
    """Every managed database and queue; False when there is none."""
    emitted = False
    backings = _managed(root)
    # One enhanced-monitoring role for every RDS instance, existing wherever one of them does.
    monitoring = Counted(
        "aws_iam_role.rds_monitoring", any_of([_group(root, b) for b in backings if b.engine in RDS_ENGINES])
    )
    for backing in backings:
        if backing.engine in ("mongodb", "nats"):
            sample = next(iter(backing.managed.values()))
            offer = "MongoDB Atlas" if backing.engine == "mongodb" else "a managed NATS"
            diagnostics.append(
                Diagnostic(
                    CANNOT_EXPRESS,
                    Severity.ERROR,
                    f"the terraform target cannot provision managed {backing.engine} `{backing.name}`",
                    sample.span_of("managed"),
                    help=f"AWS has no managed {backing.engine}; stackc does not emit {offer}: "
                    "use `external = secret.…` with a connection URI, or the container form",
                )
            )
            continue
        emitted = True
        _emit_network(root, backing)
        if backing.engine in RDS_ENGINES:
            _emit_rds(root, backing, grants, monitoring)
        elif backing.engine == "redis":
            _emit_elasticache(root, backing, grants)
        else:
            _emit_mq(root, backing, grants)
    return emitted


def _group(root: Root, backing: Backing) -> str | None:
    return root.toggle(
        f"{ident(backing.name)}_managed",
        f'Whether {backing.kind} "{backing.name}" is managed in this environment.',
        set(backing.managed),
    )


def _network_variables(root: Root) -> tuple[hcl.Raw, hcl.Raw, hcl.Raw]:
    vpc = root.required(
        "vpc_id", "string", "VPC that the managed databases and queues are placed in.", placeholder="vpc-REPLACE-ME"
    )
    subnets = root.variable(
        Variable(
            "private_subnet_ids",
            "list(string)",
            "Private subnets (at least two availability zones) for the managed databases and queues.",
            validations=[("length(var.private_subnet_ids) >= 2", "At least two private subnets are required.")],
            values={env: ["subnet-REPLACE-ME-a", "subnet-REPLACE-ME-b"] for env in root.environments},
        )
    )
    groups = root.variable(
        Variable(
            "workload_security_group_ids",
            "map(string)",
            "Security group of each service's pods (or of the nodes) that may connect to the databases and queues "
            "it uses.",
            values={env: {} for env in root.environments},
        )
    )
    return vpc, subnets, groups


def _secure(root: Root, name: str, type_: str, description: str, secure: object, relaxed: object) -> hcl.Raw:
    """A setting that prod-like environments keep secure and others may relax; always a variable whose
    default is the secure value (Checkov reads defaults: research README, traps)."""
    values = {env: secure if m.environment.prod_like else relaxed for env, m in root.models.items()}
    return root.variable(Variable(name, type_, description, secure, True, values=values))


def _multi_az(root: Root) -> hcl.Raw:
    return _secure(root, "multi_az", "bool", "Run managed databases and queues across availability zones.", True, False)


def _log_retention(root: Root) -> hcl.Raw:
    # CKV_AWS_338: at least a year.
    return _secure(
        root, "log_retention_days", "number", "Retention of the log groups of managed databases and queues.", 365, 30
    )


def _emit_network(root: Root, backing: Backing) -> None:
    """A security group admitting only the services that use the database or queue."""
    condition = _group(root, backing)
    vpc, _, groups = _network_variables(root)
    key = ident(backing.name)
    group = Counted(f"aws_security_group.{key}", condition)
    port = 5671 if backing.engine == "rabbitmq" else RDS_ENGINES.get(backing.engine, 6379)
    users = _users(root, backing)
    for values in root.variables["workload_security_group_ids"].values.values():
        values.update(dict.fromkeys(users, "sg-REPLACE-ME"))
    items: list[hcl.Item] = [
        hcl.Comment(
            f"{backing.kind} {backing.name} {{ engine = {backing.engine}  "
            f'version = "{backing.version}"  managed = true }}'
        ),
        hcl.Block(
            "resource",
            ("aws_security_group", key),
            [
                *group.count(),
                hcl.Attribute("name", hcl.template(hcl.ref("local.name"), f"-{backing.name}")),
                hcl.Attribute(
                    "description",
                    f"{backing.kind} {backing.name}: {PROTOCOL[backing.engine]} from the services that use it",
                ),
                hcl.Attribute("vpc_id", vpc),
            ],
        ),
    ]
    if users:
        each = hcl.ref(f"toset({_list(users)})")
        items.append(
            hcl.Block(
                "resource",
                ("aws_vpc_security_group_ingress_rule", key),
                [
                    hcl.Attribute(
                        "for_each", hcl.ref(f"{condition} ? toset({_list(users)}) : toset([])") if condition else each
                    ),
                    hcl.Blank(),
                    hcl.Attribute("security_group_id", group.attr("id")),
                    # CKV_AWS_23: every rule described.
                    hcl.Attribute(
                        "description", hcl.template(f"{PROTOCOL[backing.engine]} from service ", hcl.ref("each.key"))
                    ),
                    hcl.Attribute("ip_protocol", "tcp"),
                    hcl.Attribute("from_port", port),
                    hcl.Attribute("to_port", port),
                    hcl.Attribute("referenced_security_group_id", hcl.ref(f"{groups.text}[each.key]")),
                ],
            )
        )
    root.add("databases.tf", *items)


def _list(names: list[str]) -> str:
    return "[" + ", ".join(hcl.quote(n) for n in names) + "]"


def _retention(root: Root, backing: Backing, default: int) -> hcl.Value:
    values = {}
    for env, block in backing.managed.items():
        values[env] = min(MAX_BACKUP_DAYS, days(block.backup.retain)) if block.backup else default
    return root.per_env(
        f"{ident(backing.name)}_backup_retention_days",
        "number",
        f'Days of automated backups of {backing.kind} "{backing.name}".',
        values,
    )


def _schedule(backing: Backing, root: Root) -> str:
    block = backing.managed.get(root.reference_env) or next(iter(backing.managed.values()))
    return block.backup.schedule if block.backup else "0 3 * * *"


def _emit_rds(root: Root, backing: Backing, grants: Grants, monitoring: Counted) -> None:
    condition = _group(root, backing)
    key = ident(backing.name)
    _, subnets, _ = _network_variables(root)
    engine, port = backing.engine, RDS_ENGINES[backing.engine]
    major = backing.version.split(".")[0]
    family = f"postgres{major}" if engine == "postgres" else "mysql" + ".".join(backing.version.split(".")[:2])
    logs = ["postgresql", "upgrade"] if engine == "postgres" else ["error", "general", "slowquery"]
    # CKV2_AWS_69 (TLS only: `rds.force_ssl`, MySQL `require_secure_transport` = "1", not "ON") and
    # CKV2_AWS_30 (query logging): a parameter group with these.
    parameters = (
        [("rds.force_ssl", "1"), ("log_statement", "ddl"), ("log_min_duration_statement", "1000")]
        if engine == "postgres"
        else [("require_secure_transport", "1"), ("slow_query_log", "1"), ("general_log", "1")]
    )
    instance = Counted(f"aws_db_instance.{key}", condition)
    group = Counted(f"aws_security_group.{key}", condition)
    subnet_group = Counted(f"aws_db_subnet_group.{key}", condition)
    parameter_group = Counted(f"aws_db_parameter_group.{key}", condition)
    size_gib = max(RDS_MIN_GIB, max(-(-b.size.bytes // 1024**3) for b in backing.managed.values()))
    hour, backup_window = _window(_schedule(backing, root), 30)
    instance_class = root.variable(
        Variable(
            f"{key}_instance_class",
            "string",
            f'RDS instance class of database "{backing.name}".',
            "db.t4g.medium",
            True,
        )
    )
    described = hcl.template(f"database {backing.name} of stack {root.stack.name} (", hcl.ref("var.environment"), ")")
    log_groups = f"toset({_list(logs)})"
    items: list[hcl.Item] = [
        hcl.Block(
            "resource",
            ("aws_db_subnet_group", key),
            [
                *subnet_group.count(),
                hcl.Attribute("name", hcl.template(hcl.ref("local.name"), f"-{backing.name}")),
                hcl.Attribute("description", described),
                hcl.Attribute("subnet_ids", subnets),
            ],
        ),
        hcl.Block(
            "resource",
            ("aws_db_parameter_group", key),
            [
                *parameter_group.count(),
                hcl.Attribute("name", hcl.template(hcl.ref("local.name"), f"-{backing.name}")),
                hcl.Attribute("family", family),
                hcl.Attribute("description", f"database {backing.name}: TLS only, query logging"),
                *(
                    hcl.Block("parameter", (), [hcl.Attribute("name", n), hcl.Attribute("value", v)])
                    for n, v in parameters
                ),
            ],
        ),
        hcl.Block(
            "resource",
            ("aws_cloudwatch_log_group", key),
            [
                hcl.Attribute(
                    "for_each", hcl.ref(f"{condition} ? {log_groups} : toset([])") if condition else hcl.ref(log_groups)
                ),
                hcl.Blank(),
                # RDS writes to /aws/rds/instance/<identifier>/<type>; created first so that their
                # retention (CKV_AWS_338/66) and key (CKV_AWS_158) are ours.
                hcl.Attribute(
                    "name",
                    hcl.template("/aws/rds/instance/", hcl.ref("local.name"), f"-{backing.name}/", hcl.ref("each.key")),
                ),
                hcl.Attribute("retention_in_days", _log_retention(root)),
                hcl.Attribute("kms_key_id", hcl.ref(f"{KMS}.arn")),
            ],
        ),
        hcl.Block(
            "resource",
            ("aws_db_instance", key),
            [
                *instance.count(),
                hcl.Attribute("identifier", hcl.template(hcl.ref("local.name"), f"-{backing.name}")),
                hcl.Attribute("engine", engine),
                hcl.Attribute("engine_version", backing.version),
                hcl.Attribute("instance_class", instance_class),
                hcl.Attribute("db_name", key),
                hcl.Attribute("username", key),
                hcl.Attribute("port", port),
                hcl.Blank(),
                hcl.Comment("RDS creates, stores and rotates the master password in Secrets Manager: it is"),
                hcl.Comment("never in the configuration or the state."),
                hcl.Attribute("manage_master_user_password", True),
                hcl.Attribute("master_user_secret_kms_key_id", hcl.ref(f"{KMS}.arn")),
                hcl.Blank(),
                *(
                    [hcl.Comment(f"size is below the RDS gp3 minimum of {RDS_MIN_GIB} GiB: raised to it.")]
                    if size_gib == RDS_MIN_GIB
                    else []
                ),
                hcl.Attribute("allocated_storage", size_gib),
                hcl.Attribute("max_allocated_storage", max(100, size_gib * 2)),
                hcl.Attribute("storage_type", "gp3"),
                hcl.Attribute("storage_encrypted", True),
                hcl.Attribute("kms_key_id", hcl.ref(f"{KMS}.arn")),
                hcl.Blank(),
                hcl.Attribute("db_subnet_group_name", subnet_group.attr("name")),
                hcl.Attribute("vpc_security_group_ids", [group.attr("id")]),
                hcl.Attribute("parameter_group_name", parameter_group.attr("name")),
                hcl.Attribute("publicly_accessible", False),
                hcl.Attribute("ca_cert_identifier", "rds-ca-rsa2048-g1"),
                hcl.Blank(),
                # CKV_AWS_157/293: from variables whose defaults are the prod-like values.
                hcl.Attribute("multi_az", _multi_az(root)),
                hcl.Attribute(
                    "deletion_protection",
                    _secure(
                        root, "deletion_protection", "bool", "Protect managed databases from deletion.", True, False
                    ),
                ),
                hcl.Blank(),
                hcl.Attribute("backup_retention_period", _retention(root, backing, 7)),  # CKV_AWS_133: explicit
                hcl.Attribute("backup_window", backup_window),
                hcl.Attribute("maintenance_window", f"sun:{(hour + 2) % 24:02d}:00-sun:{(hour + 3) % 24:02d}:00"),
                hcl.Attribute("copy_tags_to_snapshot", True),  # CKV2_AWS_60
                hcl.Attribute("skip_final_snapshot", False),
                hcl.Attribute(
                    "final_snapshot_identifier", hcl.template(hcl.ref("local.name"), f"-{backing.name}-final")
                ),
                hcl.Blank(),
                hcl.Attribute("auto_minor_version_upgrade", True),  # CKV_AWS_226: must be explicit
                hcl.Attribute("iam_database_authentication_enabled", True),
                hcl.Blank(),
                hcl.Attribute("performance_insights_enabled", True),
                hcl.Attribute("performance_insights_kms_key_id", hcl.ref(f"{KMS}.arn")),  # CKV_AWS_354
                hcl.Attribute("performance_insights_retention_period", 7),
                hcl.Blank(),
                hcl.Attribute("monitoring_interval", 60),  # CKV_AWS_118
                hcl.Attribute("monitoring_role_arn", monitoring.attr("arn")),
                hcl.Blank(),
                hcl.Attribute("enabled_cloudwatch_logs_exports", logs),  # CKV_AWS_129
                hcl.Blank(),
                hcl.Attribute("depends_on", [hcl.ref(f"aws_cloudwatch_log_group.{key}")]),
            ],
        ),
    ]
    root.add("databases.tf", *items)
    _emit_monitoring_role(root, monitoring)
    for service in _uri_readers(root, backing):
        grants.read(service, condition, instance.all("master_user_secret[0].secret_arn"))
    root.outputs += [
        output(f"{key}_endpoint", f"Host name of database {backing.name}.", instance.one("address")),
        output(
            f"{key}_master_secret_arn",
            f"Secrets Manager secret (managed by RDS) with the master credentials of database {backing.name}.",
            instance.one("master_user_secret[0].secret_arn"),
        ),
    ]


def _emit_monitoring_role(root: Root, role: Counted) -> None:
    if any(
        isinstance(i, hcl.Block) and i.labels == ("aws_iam_role", "rds_monitoring")
        for i in root.files.get("databases.tf", [])
    ):
        return
    root.add(
        "databases.tf",
        hcl.Block(
            "resource",
            ("aws_iam_role", "rds_monitoring"),
            [
                *role.count(),
                hcl.Attribute("name", hcl.template(hcl.ref("local.name"), "-rds-monitoring")),
                hcl.Attribute("description", f"RDS enhanced monitoring for stack {root.stack.name}"),
                hcl.Attribute("assume_role_policy", hcl.ref("data.aws_iam_policy_document.rds_monitoring_trust.json")),
            ],
        ),
        hcl.Block(
            "data",
            ("aws_iam_policy_document", "rds_monitoring_trust"),
            [
                hcl.Block(
                    "statement",
                    (),
                    [
                        hcl.Attribute("actions", ["sts:AssumeRole"]),
                        hcl.Block(
                            "principals",
                            (),
                            [
                                hcl.Attribute("type", "Service"),
                                hcl.Attribute("identifiers", ["monitoring.rds.amazonaws.com"]),
                            ],
                        ),
                        # The account's own RDS only (confused deputy).
                        hcl.Block(
                            "condition",
                            (),
                            [
                                hcl.Attribute("test", "StringEquals"),
                                hcl.Attribute("variable", "aws:SourceAccount"),
                                hcl.Attribute("values", [hcl.ref("local.account_id")]),
                            ],
                        ),
                    ],
                )
            ],
        ),
        hcl.Block(
            "resource",
            ("aws_iam_role_policy_attachment", "rds_monitoring"),
            [
                *role.count(),
                hcl.Attribute("role", role.attr("name")),
                hcl.Attribute(
                    "policy_arn",
                    hcl.template(
                        "arn:",
                        hcl.ref("local.partition"),
                        ":iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
                    ),
                ),
            ],
        ),
    )


def _generated_credentials(
    root: Root, backing: Backing, condition: str | None, length: int, value: dict[str, hcl.Value]
) -> Counted:
    """A random credential and the Secrets Manager secret that holds it with the connection URI."""
    key = ident(backing.name)
    password = Counted(f"random_password.{key}", condition)
    secret = Counted(f"aws_secretsmanager_secret.{key}_credentials", condition)
    root.providers.add("random")
    root.add(
        "databases.tf",
        hcl.Block(
            "resource",
            ("random_password", key),
            [*password.count(), hcl.Attribute("length", length), hcl.Attribute("special", False)],
        ),
        hcl.Block(
            "resource",
            ("aws_secretsmanager_secret", f"{key}_credentials"),
            [
                *secret.count(),
                hcl.Comment(
                    f"checkov:skip=CKV2_AWS_57:generated {backing.engine} credentials; "
                    "AWS has no rotation function for them (needs a custom Lambda)",
                    raw=True,
                ),
                hcl.Attribute("name", hcl.template(hcl.ref("local.name"), f"/{backing.name}-credentials")),
                hcl.Attribute(
                    "description",
                    hcl.template(
                        f"stackc generated credentials of {backing.kind} {backing.name} (",
                        hcl.ref("var.environment"),
                        ")",
                    ),
                ),
                hcl.Attribute("kms_key_id", hcl.ref(f"{KMS}.arn")),
                hcl.Attribute("recovery_window_in_days", 30),
            ],
        ),
        hcl.Block(
            "resource",
            ("aws_secretsmanager_secret_version", f"{key}_credentials"),
            [
                *secret.count(),
                hcl.Attribute("secret_id", secret.attr("id")),
                hcl.Attribute("secret_string", hcl.call("jsonencode", value)),
            ],
        ),
    )
    root.outputs.append(
        output(
            f"{key}_credentials_secret_arn",
            f"Secrets Manager secret with the credentials and URI of {backing.kind} {backing.name}.",
            secret.one("arn"),
        )
    )
    return secret


def _emit_elasticache(root: Root, backing: Backing, grants: Grants) -> None:
    condition = _group(root, backing)
    key = ident(backing.name)
    _, subnets, _ = _network_variables(root)
    group = Counted(f"aws_security_group.{key}", condition)
    cluster = Counted(f"aws_elasticache_replication_group.{key}", condition)
    subnet_group = Counted(f"aws_elasticache_subnet_group.{key}", condition)
    log_group = Counted(f"aws_cloudwatch_log_group.{key}", condition)
    password = Counted(f"random_password.{key}", condition)
    multi_az = _multi_az(root)
    hour, window = _window(_schedule(backing, root), 60)
    node_type = root.variable(
        Variable(
            f"{key}_node_type",
            "string",
            f'ElastiCache node type of database "{backing.name}".',
            "cache.t4g.small",
            True,
        )
    )
    # ElastiCache takes major.minor from Redis 6 on.
    version = ".".join(backing.version.split(".")[:2])
    host = cluster.attr("primary_endpoint_address").text
    secret = _generated_credentials(
        root,
        backing,
        condition,
        64,
        {
            "auth_token": password.attr("result"),
            "host": hcl.ref(host),
            "port": 6379,
            "uri": hcl.template("rediss://:", password.attr("result"), "@", hcl.ref(host), ":6379/0"),
        },
    )
    root.add(
        "databases.tf",
        hcl.Block(
            "resource",
            ("aws_elasticache_subnet_group", key),
            [
                *subnet_group.count(),
                hcl.Attribute("name", hcl.template(hcl.ref("local.name"), f"-{backing.name}")),
                hcl.Attribute("description", f"database {backing.name} of stack {root.stack.name}"),
                hcl.Attribute("subnet_ids", subnets),
            ],
        ),
        hcl.Block(
            "resource",
            ("aws_cloudwatch_log_group", key),
            [
                *log_group.count(),
                hcl.Attribute(
                    "name",
                    hcl.template(f"/{root.stack.name}/", hcl.ref("var.environment"), f"/elasticache/{backing.name}"),
                ),
                hcl.Attribute("retention_in_days", _log_retention(root)),
                hcl.Attribute("kms_key_id", hcl.ref(f"{KMS}.arn")),
            ],
        ),
        hcl.Block(
            "resource",
            ("aws_elasticache_replication_group", key),
            [
                *cluster.count(),
                hcl.Attribute("replication_group_id", hcl.template(hcl.ref("local.name"), f"-{backing.name}")),
                hcl.Attribute("description", f"database {backing.name} of stack {root.stack.name}"),
                hcl.Attribute("engine", "redis"),
                hcl.Attribute("engine_version", version),
                hcl.Attribute("node_type", node_type),
                hcl.Attribute("port", 6379),
                hcl.Blank(),
                hcl.Attribute("num_cache_clusters", hcl.ref(f"{multi_az.text} ? 2 : 1")),
                hcl.Attribute("automatic_failover_enabled", multi_az),  # CKV2_AWS_50
                hcl.Attribute("multi_az_enabled", multi_az),
                hcl.Blank(),
                hcl.Attribute("subnet_group_name", subnet_group.attr("name")),
                hcl.Attribute("security_group_ids", [group.attr("id")]),
                hcl.Blank(),
                hcl.Attribute("at_rest_encryption_enabled", True),
                hcl.Attribute("kms_key_id", hcl.ref(f"{KMS}.arn")),  # CKV_AWS_191
                hcl.Attribute("transit_encryption_enabled", True),  # CKV_AWS_31: with auth_token
                hcl.Attribute("auth_token", password.attr("result")),
                hcl.Blank(),
                hcl.Attribute("auto_minor_version_upgrade", True),
                hcl.Attribute("snapshot_retention_limit", _retention(root, backing, 7)),
                hcl.Attribute("snapshot_window", window),
                hcl.Attribute("maintenance_window", f"sun:{(hour + 2) % 24:02d}:00-sun:{(hour + 3) % 24:02d}:00"),
                hcl.Block(
                    "log_delivery_configuration",
                    (),
                    [
                        hcl.Attribute("destination", log_group.attr("name")),
                        hcl.Attribute("destination_type", "cloudwatch-logs"),
                        hcl.Attribute("log_format", "json"),
                        hcl.Attribute("log_type", "slow-log"),
                    ],
                ),
            ],
        ),
    )
    for service in _uri_readers(root, backing):
        grants.read(service, condition, secret.all("arn"))
    root.outputs.append(
        output(
            f"{key}_endpoint", f"Primary endpoint of database {backing.name}.", cluster.one("primary_endpoint_address")
        )
    )


def _emit_mq(root: Root, backing: Backing, grants: Grants) -> None:
    condition = _group(root, backing)
    key = ident(backing.name)
    _, subnets, _ = _network_variables(root)
    group = Counted(f"aws_security_group.{key}", condition)
    broker = Counted(f"aws_mq_broker.{key}", condition)
    password = Counted(f"random_password.{key}", condition)
    multi_az = _multi_az(root)
    instance_type = root.variable(
        Variable(
            f"{key}_instance_type",
            "string",
            f'Amazon MQ host instance type of queue "{backing.name}".',
            "mq.m5.large",
            True,
        )
    )
    endpoint = broker.attr("instances[0].endpoints[0]").text
    secret = _generated_credentials(
        root,
        backing,
        condition,
        40,
        {
            "username": key,
            "password": password.attr("result"),
            "uri": hcl.call(
                "replace", hcl.ref(endpoint), "amqps://", hcl.template(f"amqps://{key}:", password.attr("result"), "@")
            ),
        },
    )
    root.add(
        "databases.tf",
        hcl.Block(
            "resource",
            ("aws_mq_broker", key),
            [
                *broker.count(),
                hcl.Comment(
                    "checkov:skip=CKV_AWS_209:Amazon MQ for RabbitMQ encrypts at rest with an AWS owned key only; "
                    "encryption_options does not apply to RabbitMQ",
                    raw=True,
                ),
                hcl.Attribute("broker_name", hcl.template(hcl.ref("local.name"), f"-{backing.name}")),
                hcl.Attribute("engine_type", "RabbitMQ"),
                hcl.Attribute("engine_version", backing.version),
                hcl.Attribute("host_instance_type", instance_type),
                hcl.Attribute("deployment_mode", hcl.ref(f'{multi_az.text} ? "CLUSTER_MULTI_AZ" : "SINGLE_INSTANCE"')),
                hcl.Attribute("subnet_ids", hcl.ref(f"{multi_az.text} ? {subnets.text} : [{subnets.text}[0]]")),
                hcl.Attribute("security_groups", [group.attr("id")]),
                hcl.Attribute("publicly_accessible", False),
                hcl.Attribute("auto_minor_version_upgrade", True),  # CKV_AWS_207: must be explicit
                hcl.Block(
                    "maintenance_window_start_time",
                    (),
                    [
                        hcl.Attribute("day_of_week", "SUNDAY"),
                        hcl.Attribute("time_of_day", "06:00"),
                        hcl.Attribute("time_zone", "UTC"),
                    ],
                ),
                hcl.Block("logs", (), [hcl.Attribute("general", True)]),
                hcl.Block(
                    "user", (), [hcl.Attribute("username", key), hcl.Attribute("password", password.attr("result"))]
                ),
            ],
        ),
    )
    for service in _uri_readers(root, backing):
        grants.read(service, condition, secret.all("arn"))
    root.outputs.append(
        output(f"{key}_endpoints", f"AMQPS endpoints of queue {backing.name}.", broker.one("instances[0].endpoints"))
    )


def output(name: str, description: str, value: hcl.Value) -> hcl.Block:
    return hcl.Block("output", (name,), [hcl.Attribute("description", description), hcl.Attribute("value", value)])
