"""The stack's KMS key, Secrets Manager containers for `aws(...)` secrets, and per-workload IAM roles.

Secret containers are created without values: stackc never reads a secret (LANGUAGE.md §3); the
owner or the rotation function puts the value. `vault(...)`, `env(...)`, `file(...)` and
`generate()` sources are not Terraform's (docs/terraform.md says where each is handled).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from stackc import ir
from stackc.policies.base import env_refs
from stackc.writers import hcl

from .root import Counted, Root, Variable, any_of, ident, union_list

KMS = "aws_kms_key.stack"
# CKV_AWS_304: rotation must happen within 90 days.
MAX_ROTATION_DAYS = 90


def days(duration: ir.Duration) -> int:
    """A duration in whole days, rounded up (AWS takes days), at least one."""
    return max(1, math.ceil(duration.seconds / 86400))


@dataclass
class Grants:
    """What each workload's role may do, as list expressions guarded by their resources' counts."""

    # Service name -> [(condition, list expression of secret ARNs)].
    secrets: dict[str, list[tuple[str | None, str]]] = field(default_factory=dict)

    def read(self, service: str, condition: str | None, arns: str) -> None:
        entry = (condition, arns)
        if entry not in self.secrets.setdefault(service, []):
            self.secrets[service].append(entry)


def emit_kms_key(root: Root) -> None:
    stack = root.stack
    root.add(
        "kms.tf",
        hcl.Block(
            "resource",
            ("aws_kms_key", "stack"),
            [
                hcl.Attribute(
                    "description",
                    hcl.template(
                        f"{stack.name} ", hcl.ref("var.environment"), ": secrets, databases, queues, backups and logs"
                    ),
                ),
                hcl.Attribute("enable_key_rotation", True),
                hcl.Attribute("deletion_window_in_days", 30),
                hcl.Blank(),
                # research README, trap CKV_AWS_109/111/356: a key policy written as a data
                # "aws_iam_policy_document" is judged as an identity policy; inline jsonencode passes.
                hcl.Comment('Inline key policy: as a data "aws_iam_policy_document" it would fail'),
                hcl.Comment("CKV_AWS_109/111/356, which read every policy document as an identity policy."),
                hcl.Attribute("policy", hcl.call("jsonencode", _key_policy())),
            ],
        ),
        hcl.Block(
            "resource",
            ("aws_kms_alias", "stack"),
            [
                hcl.Attribute("name", hcl.template("alias/", hcl.ref("local.name"))),
                hcl.Attribute("target_key_id", hcl.ref(f"{KMS}.key_id")),
            ],
        ),
    )


def _key_policy() -> dict[str, hcl.Value]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministration",
                "Effect": "Allow",
                "Principal": {
                    "AWS": hcl.template(
                        "arn:", hcl.ref("local.partition"), ":iam::", hcl.ref("local.account_id"), ":root"
                    )
                },
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                # CKV_AWS_158 wants a key on every log group; CloudWatch Logs may only use it when
                # the key policy admits the regional logs service (Checkov does not check this).
                "Sid": "CloudWatchLogs",
                "Effect": "Allow",
                "Principal": {"Service": hcl.template("logs.", hcl.ref("local.region"), ".amazonaws.com")},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                "Resource": "*",
                "Condition": {
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": hcl.template(
                            "arn:",
                            hcl.ref("local.partition"),
                            ":logs:",
                            hcl.ref("local.region"),
                            ":",
                            hcl.ref("local.account_id"),
                            ":log-group:*",
                        )
                    }
                },
            },
        ],
    }


def emit_secrets(root: Root, grants: Grants) -> bool:
    """Secrets Manager containers for secrets whose source is `aws(...)` in some environment."""
    names = sorted(
        {
            name
            for model in root.models.values()
            for name, s in model.secrets.items()
            if isinstance(s.source, ir.AwsSource)
        }
    )
    for name in names:
        present = {
            env
            for env, model in root.models.items()
            if name in model.secrets and isinstance(model.secrets[name].source, ir.AwsSource)
        }
        secrets = {env: root.models[env].secrets[name] for env in present}
        key = ident(name)
        condition = root.toggle(
            f"{key}_secret_enabled", f'Whether secret "{name}" is an aws() secret in this environment.', present
        )
        container = Counted(f"aws_secretsmanager_secret.{key}", condition)
        aws_name = root.per_env(
            f"{key}_secret_name",
            "string",
            f'Secrets Manager name of secret "{name}" (its aws() source).',
            {env: s.source.name for env, s in secrets.items()},  # type: ignore[union-attr]
        )
        sample = secrets[root.reference_env] if root.reference_env in secrets else next(iter(secrets.values()))
        body: list[hcl.Item] = [
            *container.count(),
            hcl.Attribute("name", aws_name),
            hcl.Attribute(
                "description",
                hcl.template(f"stackc secret {name} of stack {root.stack.name} (", hcl.ref("var.environment"), ")"),
            ),
            hcl.Attribute("kms_key_id", hcl.ref(f"{KMS}.arn")),  # CKV_AWS_149: a customer-managed key
            hcl.Attribute("recovery_window_in_days", 30),
        ]
        items: list[hcl.Item] = [
            hcl.Comment(f"secret {name} {{ source = aws({sample.source.name!r}) }}".replace("'", '"'))
        ]  # type: ignore[union-attr]
        rotations = {env: days(s.rotate) for env, s in secrets.items() if s.rotate is not None}
        if not rotations:
            body.insert(
                len(container.count()),
                hcl.Comment(
                    f"checkov:skip=CKV2_AWS_57:secret {name} declares no rotate; its owner rotates it", raw=True
                ),
            )
        items.append(hcl.Block("resource", ("aws_secretsmanager_secret", key), body))
        if rotations:
            rotation_condition = condition
            if set(rotations) != present:
                rotation_condition = root.toggle(
                    f"{key}_secret_rotated", f'Whether secret "{name}" is rotated in this environment.', set(rotations)
                )
            period = root.per_env(
                f"{key}_rotation_days", "number", f'Rotation period of secret "{name}" in days.', rotations
            )
            lambda_arn = root.variable(
                Variable(
                    "secret_rotation_lambda_arn",
                    "string",
                    "ARN of the Lambda function that rotates the stack's aws() secrets (rotate = …).",
                    values=dict.fromkeys(root.environments, "arn:aws:lambda:REPLACE-ME"),
                )
            )
            rotation_body: list[hcl.Item] = []
            if any(d > MAX_ROTATION_DAYS for d in rotations.values()):
                rotation_body.append(
                    hcl.Comment(
                        # Policy SEC010 already warns about the declaration.
                        f"checkov:skip=CKV_AWS_304:rotate of secret {name} is longer than 90 days, as declared",
                        raw=True,
                    )
                )
            if rotation_condition:
                rotation_body += [hcl.Attribute("count", hcl.ref(f"{rotation_condition} ? 1 : 0")), hcl.Blank()]
            index = "[0]" if condition else ""
            rotation_body += [
                hcl.Attribute("secret_id", hcl.ref(f"{container.address}{index}.id")),
                hcl.Attribute("rotation_lambda_arn", lambda_arn),
                hcl.Block("rotation_rules", (), [hcl.Attribute("automatically_after_days", period)]),
            ]
            items.append(hcl.Block("resource", ("aws_secretsmanager_secret_rotation", key), rotation_body))
        root.add("secrets.tf", *items)
        for env in present:
            for service in root.models[env].services.values():
                if any(ref.kind == "secret" and ref.name == name for ref in env_refs(service)):
                    grants.read(service.name, condition, container.all("arn"))
    return bool(names)


def emit_service_roles(root: Root, grants: Grants) -> None:
    """An IRSA role per service that reads secrets: trust pinned to the environment's namespace and
    the service's ServiceAccount (Checkov checks none of this: research README, last section)."""
    for service in sorted(grants.secrets):
        entries = sorted(grants.secrets[service], key=lambda e: e[1])
        role = Counted(f"aws_iam_role.{ident(service)}", any_of([c for c, _ in entries]))
        _emit_irsa_role(root, service, service, role, f"service {service}: reads the secrets its env references")
        root.add(
            "iam.tf",
            hcl.Block(
                "resource",
                ("aws_iam_role_policy", f"{ident(service)}_secrets"),
                [
                    *role.count(),
                    hcl.Attribute("name", "read-secrets"),
                    hcl.Attribute("role", role.attr("id")),
                    hcl.Attribute("policy", hcl.ref(f"data.aws_iam_policy_document.{ident(service)}_secrets.json")),
                ],
            ),
            hcl.Block(
                "data",
                ("aws_iam_policy_document", f"{ident(service)}_secrets"),
                [
                    hcl.Block(
                        "statement",
                        (),
                        [
                            hcl.Attribute("sid", "ReadOwnSecrets"),
                            # CKV_AWS_108/356: exact ARNs, never "*".
                            hcl.Attribute(
                                "actions", ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
                            ),
                            hcl.Attribute("resources", union_list([arns for _, arns in entries])),
                        ],
                    ),
                    _decrypt_via("secretsmanager", ["kms:Decrypt"]),
                ],
            ),
        )
        root.outputs.append(
            hcl.Block(
                "output",
                (f"{ident(service)}_role_arn",),
                [
                    hcl.Attribute(
                        "description",
                        f"IAM role of service {service}, for its ServiceAccount annotation eks.amazonaws.com/role-arn.",
                    ),
                    hcl.Attribute("value", role.one("arn")),
                ],
            )
        )


def emit_backup_role(root: Root, database: str, condition: str | None, bucket: Counted) -> None:
    """The role of a database's backup job: it may write only below `<database>/` in the bucket."""
    account = f"{database}-backup"
    role = Counted(f"aws_iam_role.{ident(account)}", condition)
    _emit_irsa_role(root, account, account, role, f"backup job of {database}: writes its dumps")
    doc = f"{ident(account)}_write"
    prefix = hcl.template(hcl.ref(bucket.attr("arn").text), f"/{database}/*")
    root.add(
        "iam.tf",
        hcl.Block(
            "resource",
            ("aws_iam_role_policy", doc),
            [
                *role.count(),
                hcl.Attribute("name", "write-backups"),
                hcl.Attribute("role", role.attr("id")),
                hcl.Attribute(
                    "policy",
                    hcl.ref(
                        f"data.aws_iam_policy_document.{doc}[0].json"
                        if condition
                        else f"data.aws_iam_policy_document.{doc}.json"
                    ),
                ),
            ],
        ),
        hcl.Block(
            "data",
            ("aws_iam_policy_document", doc),
            [
                *role.count(),
                hcl.Block(
                    "statement",
                    (),
                    [
                        hcl.Attribute("sid", "WriteOwnPrefix"),
                        hcl.Attribute("actions", ["s3:PutObject"]),
                        hcl.Attribute("resources", [prefix]),
                    ],
                ),
                _decrypt_via("s3", ["kms:GenerateDataKey"]),
            ],
        ),
    )
    root.outputs.append(
        hcl.Block(
            "output",
            (f"{ident(account)}_role_arn",),
            [
                hcl.Attribute("description", f"IAM role of the backup job of {database} (ServiceAccount {account})."),
                hcl.Attribute("value", role.one("arn")),
            ],
        )
    )


def _decrypt_via(service: str, actions: list[str]) -> hcl.Block:
    return hcl.Block(
        "statement",
        (),
        [
            hcl.Attribute("sid", f"KeyVia{service.capitalize()}"),
            hcl.Attribute("actions", actions),
            hcl.Attribute("resources", [hcl.ref(f"{KMS}.arn")]),
            hcl.Block(
                "condition",
                (),
                [
                    hcl.Attribute("test", "StringEquals"),
                    hcl.Attribute("variable", "kms:ViaService"),
                    hcl.Attribute("values", [hcl.template(f"{service}.", hcl.ref("local.region"), ".amazonaws.com")]),
                ],
            ),
        ],
    )


def _emit_irsa_role(root: Root, key: str, account: str, role: Counted, purpose: str) -> None:
    provider = root.required("oidc_provider_arn", "string", "ARN of the cluster's IAM OIDC identity provider (IRSA).")
    issuer = root.required(
        "oidc_issuer",
        "string",
        "OIDC issuer of the cluster without https://, e.g. oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE.",
    )
    namespace = root.per_env(
        "namespace",
        "string",
        "Kubernetes namespace of the environment.",
        {env: m.environment.namespace for env, m in root.models.items()},
    )
    namespace_part = namespace if isinstance(namespace, hcl.Raw) else str(namespace)
    trust = f"{ident(key)}_trust"
    root.add(
        "iam.tf",
        hcl.Block(
            "resource",
            ("aws_iam_role", ident(key)),
            [
                *role.count(),
                hcl.Attribute("name", hcl.template(hcl.ref("local.name"), f"-{key}")),
                hcl.Attribute("description", f"{purpose} (stack {root.stack.name})"),
                hcl.Attribute("assume_role_policy", hcl.ref(f"data.aws_iam_policy_document.{trust}.json")),
                hcl.Attribute("max_session_duration", 3600),
            ],
        ),
        hcl.Block(
            "data",
            ("aws_iam_policy_document", trust),
            [
                hcl.Block(
                    "statement",
                    (),
                    [
                        hcl.Attribute("actions", ["sts:AssumeRoleWithWebIdentity"]),
                        hcl.Block(
                            "principals",
                            (),
                            [hcl.Attribute("type", "Federated"), hcl.Attribute("identifiers", [provider])],
                        ),
                        # Pinned to one ServiceAccount in one namespace, and to STS as audience.
                        _condition(
                            hcl.template(hcl.ref(issuer.text), ":sub"),
                            [hcl.template("system:serviceaccount:", namespace_part, f":{account}")],
                        ),
                        _condition(hcl.template(hcl.ref(issuer.text), ":aud"), ["sts.amazonaws.com"]),
                    ],
                )
            ],
        ),
    )


def _condition(variable: hcl.Value, values: list[hcl.Value]) -> hcl.Block:
    return hcl.Block(
        "condition",
        (),
        [hcl.Attribute("test", "StringEquals"), hcl.Attribute("variable", variable), hcl.Attribute("values", values)],
    )
