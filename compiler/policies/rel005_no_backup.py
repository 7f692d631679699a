"""## What it does
Reports a database that stackc runs, as a container or as a managed cloud database, without a
`backup` block in a prod-like environment (one with `approval = true`, or named `prod` or
`production`). An `external` database is someone else's to back up, and queues hold messages in
flight rather than records, so neither is reported.

## Why is this bad?
A volume or a cloud instance is not a backup: a bad migration, a `DELETE` without `WHERE`, a
deleted namespace or a lost volume takes the data with it, and replication copies the mistake.
Only scheduled, retained dumps let you restore yesterday's data. `backup` adds an engine-native
dump job for the container form and the cloud's backup settings for the managed form.

## Example
```stack
environment prod { approval = true }

database orders {
  engine  = postgres
  version = "16.4"
}
```

Use instead:
```stack
environment prod { approval = true }

database orders {
  engine  = postgres
  version = "16.4"
  backup { schedule = "0 3 * * *"  retain = 14d }
}
```

## References
- Checkov `CKV_AWS_133` (RDS backup retention), `CKV2_AWS_8` (RDS cluster in an AWS Backup plan)
- Google SRE book, chapter 26 "Data Integrity: What You Read Is What You Wrote"; no scanner checks
  the container form, since a dump job is not a property of a single object
"""

from __future__ import annotations

from collections.abc import Iterator

from stackc import ir
from stackc.diagnostics import Severity
from stackc.policies.base import Finding, Policy


def check(env: ir.EnvironmentModel) -> Iterator[Finding]:
    if not env.environment.prod_like:
        return
    for database in env.databases.values():
        if database.backup is not None or database.form == "external":
            continue
        if database.form == "container":
            note = "it runs in a container: losing its volume loses the data"
        else:
            note = "a managed database without backup settings cannot be restored to an earlier point"
        yield Finding(
            f"database `{database.name}` has no `backup` in a prod-like environment",
            database.span,
            within=(database,),
            note=note,
            help='add `backup { schedule = "0 3 * * *"  retain = 14d }`',
        )


POLICY = Policy(
    code="REL005",
    name="no-backup",
    severity=Severity.WARNING,
    summary="a container-form or managed database has no `backup` in a prod-like environment",
    anchors=("CKV_AWS_133", "CKV2_AWS_8", "SRE-book:data-integrity"),
    docs=__doc__,
    check=check,
)
