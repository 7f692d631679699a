"""The bucket that the backup jobs of container-form and external databases write dumps to.

Hardened as research/terraform-example/backups.tf (the README's traps name each check); managed
databases use the cloud's own backups instead (data.py).
"""

from __future__ import annotations

from stackc.writers import hcl

from .access import KMS, days, emit_backup_role
from .data import output
from .root import Counted, Root, ident


def _bucket_and_objects(bucket: Counted) -> hcl.Value:
    if bucket.condition is None:
        arn = bucket.attr("arn")
        return [arn, hcl.template(arn, "/*")]
    return hcl.ref(f'flatten([for arn in {bucket.all("arn")} : [arn, "${{arn}}/*"]])')


def emit_backups(root: Root) -> bool:
    """The bucket that the backup jobs of container-form and external databases write dumps to."""
    retain: dict[str, dict[str, int]] = {}
    for env, model in root.models.items():
        for block in (*model.databases.values(), *model.queues.values()):
            if block.form != "managed" and block.backup is not None:
                retain.setdefault(block.name, {})[env] = days(block.backup.retain)
    if not retain:
        return False
    present = {env for values in retain.values() for env in values}
    condition = root.toggle("backup_bucket_enabled", "Whether this environment has database dumps to keep.", present)
    bucket = Counted("aws_s3_bucket.backups", condition)
    bucket_id = bucket.attr("id")

    def part(type_: str, *body: hcl.Item, name: str = "backups") -> hcl.Block:
        return hcl.Block("resource", (type_, name), [*bucket.count(), hcl.Attribute("bucket", bucket_id), *body])

    rules: list[hcl.Item] = [
        # CKV_AWS_300 counts only a bucket-wide abort rule (empty filter), not one with a prefix.
        hcl.Block(
            "rule",
            (),
            [
                hcl.Attribute("id", "abort-incomplete-uploads"),
                hcl.Attribute("status", "Enabled"),
                hcl.Block("filter"),
                hcl.Block("abort_incomplete_multipart_upload", (), [hcl.Attribute("days_after_initiation", 1)]),
            ],
        )
    ]
    for name in sorted(retain):
        expiry = root.per_env(
            f"{ident(name)}_backup_retain_days",
            "number",
            f'Days that dumps of "{name}" are kept (backup.retain).',
            retain[name],
        )
        rules.append(
            hcl.Block(
                "rule",
                (),
                [
                    hcl.Attribute("id", f"{name}-retain"),
                    hcl.Attribute("status", "Enabled"),
                    hcl.Block("filter", (), [hcl.Attribute("prefix", f"{name}/")]),
                    hcl.Block("expiration", (), [hcl.Attribute("days", expiry)]),
                    hcl.Block("noncurrent_version_expiration", (), [hcl.Attribute("noncurrent_days", 7)]),
                ],
            )
        )
    root.add(
        "backups.tf",
        hcl.Block(
            "resource",
            ("aws_s3_bucket", "backups"),
            [
                *bucket.count(),
                hcl.Comment(
                    "checkov:skip=CKV_AWS_18:access logs need a separate log bucket "
                    "that would itself fail CKV_AWS_18; none is declared",
                    raw=True,
                ),
                hcl.Comment(
                    "checkov:skip=CKV_AWS_144:replication needs a second region "
                    "with its own key, bucket and role; none is declared",
                    raw=True,
                ),
                hcl.Attribute("bucket_prefix", hcl.template(hcl.ref("local.name"), "-backups-")),
                hcl.Attribute("force_destroy", False),
            ],
        ),
        part(
            "aws_s3_bucket_ownership_controls",
            hcl.Block("rule", (), [hcl.Attribute("object_ownership", "BucketOwnerEnforced")]),
        ),
        part(
            "aws_s3_bucket_public_access_block",
            hcl.Attribute("block_public_acls", True),
            hcl.Attribute("block_public_policy", True),
            hcl.Attribute("ignore_public_acls", True),
            hcl.Attribute("restrict_public_buckets", True),
        ),
        part(
            "aws_s3_bucket_versioning", hcl.Block("versioning_configuration", (), [hcl.Attribute("status", "Enabled")])
        ),
        part(
            "aws_s3_bucket_server_side_encryption_configuration",
            hcl.Block(
                "rule",
                (),
                [
                    hcl.Attribute("bucket_key_enabled", True),
                    # CKV_AWS_145: aws:kms with our key (AES256 passes CKV_AWS_19 only).
                    hcl.Block(
                        "apply_server_side_encryption_by_default",
                        (),
                        [
                            hcl.Attribute("sse_algorithm", "aws:kms"),
                            hcl.Attribute("kms_master_key_id", hcl.ref(f"{KMS}.arn")),
                        ],
                    ),
                ],
            ),
        ),
        part(
            "aws_s3_bucket_lifecycle_configuration",
            *rules,
            hcl.Attribute("depends_on", [hcl.ref("aws_s3_bucket_versioning.backups")]),
        ),
        # CKV2_AWS_62: object events go to EventBridge (no rule is created).
        part("aws_s3_bucket_notification", hcl.Attribute("eventbridge", True)),
        part(
            "aws_s3_bucket_policy",
            hcl.Attribute("policy", hcl.ref("data.aws_iam_policy_document.backups_bucket.json")),
            hcl.Blank(),
            hcl.Attribute("depends_on", [hcl.ref("aws_s3_bucket_public_access_block.backups")]),
        ),
        hcl.Block(
            "data",
            ("aws_iam_policy_document", "backups_bucket"),
            [
                hcl.Block(
                    "statement",
                    (),
                    [
                        hcl.Attribute("sid", "DenyInsecureTransport"),
                        hcl.Attribute("effect", "Deny"),
                        hcl.Attribute("actions", ["s3:*"]),
                        hcl.Attribute("resources", _bucket_and_objects(bucket)),
                        hcl.Block("principals", (), [hcl.Attribute("type", "*"), hcl.Attribute("identifiers", ["*"])]),
                        hcl.Block(
                            "condition",
                            (),
                            [
                                hcl.Attribute("test", "Bool"),
                                hcl.Attribute("variable", "aws:SecureTransport"),
                                hcl.Attribute("values", ["false"]),
                            ],
                        ),
                    ],
                )
            ],
        ),
    )
    for name in sorted(retain):
        # The backup job's role exists only where the database has a bucket backup (within the
        # bucket's environments, so `aws_s3_bucket.backups[0]` exists wherever the role does).
        job = root.toggle(
            f"{ident(name)}_backup_job_enabled",
            f'Whether "{name}" has a backup job in this environment.',
            set(retain[name]),
        )
        emit_backup_role(root, name, job, bucket)
    root.outputs.append(
        output("backup_bucket", "S3 bucket for database dumps (a prefix per database).", bucket.one("id"))
    )
    return True
