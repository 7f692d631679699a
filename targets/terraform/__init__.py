"""The Terraform target: the cloud side of a stack as one root in `terraform/` (issue 10, docs/terraform.md).

One root serves every environment: a workspace per environment holds its state, and
`env/<env>.tfvars` its values (`Root.per_env`, `Root.toggle`). What is emitted:

- `versions.tf`, `backend.tf` (S3 with `encrypt` and the native `use_lockfile`, or local),
  `providers.tf`, `locals.tf`, `variables.tf`, `outputs.tf`, `env/<env>.tfvars`;
- `cloud = aws`: `kms.tf` (one customer-managed key), `secrets.tf` (`aws(...)` secrets),
  `databases.tf` (managed databases and queues), `backups.tf` (dump bucket), `iam.tf` (IRSA roles);
- `dns` set: `dns.tf` (gateway host records, Cloudflare tunnels).

A stack with `cloud = none` and `dns = none` has nothing for Terraform: no file, one info
diagnostic (E0490, info).
"""

from __future__ import annotations

from stackc.diagnostics import Diagnostic, Severity, Span
from stackc.targets import BuildContext, Document, TargetOutput
from stackc.writers import hcl

from .access import Grants, emit_kms_key, emit_secrets, emit_service_roles
from .backups import emit_backups
from .data import emit_managed
from .dns import emit_dns
from .root import CANNOT_EXPRESS, Root, Variable

# Pessimistic constraints: a major version of a provider renames resources (Cloudflare v4 → v5:
# `cloudflare_record` → `cloudflare_dns_record`), so only minor updates are taken.
PROVIDERS = {
    "aws": ("hashicorp/aws", "~> 6.0"),
    "cloudflare": ("cloudflare/cloudflare", "~> 5.0"),
    "random": ("hashicorp/random", "~> 3.7"),
}
# `use_lockfile` (S3-native state locking) needs Terraform 1.11.
REQUIRED_VERSION = ">= 1.11.0, < 2.0.0"
FOLDER = "terraform"
FILE_ORDER = ("kms.tf", "secrets.tf", "databases.tf", "backups.tf", "iam.tf", "dns.tf")


def emit(context: BuildContext) -> TargetOutput:
    root = Root(context.models)
    stack = root.stack
    diagnostics: list[Diagnostic] = []
    if stack.cloud == "none" and stack.dns == "none":
        return TargetOutput(diagnostics=[_nothing(stack.span, "the stack has `cloud = none` and `dns = none`")])
    root.variable(
        Variable(
            "environment",
            "string",
            f"stackc environment this state belongs to (one of: {', '.join(root.environments)}).",
            validations=[
                (
                    f"contains({_names(root.environments)}, var.environment)",
                    f"The environment must be one of: {', '.join(root.environments)}.",
                )
            ],
            values={env: env for env in root.environments},
        )
    )
    if stack.cloud == "aws":
        grants = Grants()
        provisioned = [
            emit_secrets(root, grants),
            emit_managed(root, grants, diagnostics),
            emit_backups(root),
        ]
        emit_service_roles(root, grants)
        if any(provisioned):
            root.providers.add("aws")
            emit_kms_key(root)
    if stack.dns != "none":
        emit_dns(root, diagnostics)
    if not any(root.files.values()):
        if not any(d.severity is Severity.ERROR for d in diagnostics):
            diagnostics.append(_nothing(stack.span, "the stack has nothing to provision in the cloud or DNS"))
        return TargetOutput(diagnostics=diagnostics)
    documents = [
        _document("versions.tf", "", [emit_versions(root)]),
        _document("backend.tf", *emit_backend(root)),
        _document("providers.tf", "", emit_providers(root)),
        _document("locals.tf", "", emit_locals(root)),
    ]
    for name in FILE_ORDER:
        if root.files.get(name):
            documents.append(_document(name, "", root.files[name]))
    documents.append(
        _document(
            "variables.tf",
            "Defaults are the prod-like (secure) values; env/<env>.tfvars relax them.",
            emit_variables(root),
        )
    )
    documents.append(
        _document("outputs.tf", "Endpoints and ARNs only: no output carries a secret value.", emit_outputs(root))
    )
    for env in context.selected:
        documents.append(
            _document(
                f"env/{env}.tfvars",
                f"Values of environment {env}; REPLACE-ME marks what only you know.",
                emit_tfvars(root, env),
            )
        )
    return TargetOutput(documents, diagnostics)


def _nothing(span: Span | None, reason: str) -> Diagnostic:
    return Diagnostic(
        CANNOT_EXPRESS,
        Severity.INFO,
        f"no Terraform emitted: {reason}",
        span,
        help="set `cloud = aws` or `dns` on the stack",
    )


def _names(names: list[str]) -> str:
    return "[" + ", ".join(hcl.quote(n) for n in names) + "]"


def _document(name: str, comment: str, items: list[hcl.Item]) -> Document:
    # The build writes the "generated" header line; a blank line separates it from the body.
    head = "".join(f"# {line}\n" for line in comment.splitlines()) if comment else ""
    text = "\n" + (head + "\n" if head else "") + hcl.dump(items)
    return Document(f"{FOLDER}/{name}", text, "text", "#")


def emit_versions(root: Root) -> hcl.Block:
    providers = {name: {"source": PROVIDERS[name][0], "version": PROVIDERS[name][1]} for name in sorted(root.providers)}
    return hcl.Block(
        "terraform",
        (),
        [
            hcl.Attribute("required_version", REQUIRED_VERSION),
            hcl.Block("required_providers", (), [hcl.Attribute(name, spec) for name, spec in providers.items()]),
        ],
    )


def emit_backend(root: Root) -> tuple[str, list[hcl.Item]]:
    stack = root.stack
    state = stack.state
    if state.call == "local":
        comment = (
            "state = local(): one state file per workspace under terraform.tfstate.d/<env>/.\n"
            "Local state holds generated credentials in plain text: keep it out of version control."
        )
        return comment, [
            hcl.Block("terraform", (), [hcl.Block("backend", ("local",), [hcl.Attribute("path", state.path)])])
        ]
    key = state.key or stack.name
    region = state.region or stack.region
    comment = (
        f'state = s3("{state.bucket}", key = "{key}"). One state per environment: `terraform workspace select <env>`\n'
        f"keeps it at env/<env>/{key}/terraform.tfstate (workspace_key_prefix). The state holds generated\n"
        "credentials, hence encrypt; use_lockfile locks with an S3 lock file (no DynamoDB table)."
    )
    if region is None:
        comment += '\nNo region in the stack: pass it with `terraform init -backend-config="region=…"`.'
    body: list[hcl.Item] = [
        hcl.Attribute("bucket", state.bucket),
        hcl.Attribute("key", f"{key}/terraform.tfstate"),
        *([hcl.Attribute("region", region)] if region else []),
        hcl.Attribute("workspace_key_prefix", "env"),
        hcl.Attribute("encrypt", True),
        hcl.Attribute("use_lockfile", True),
    ]
    return comment, [hcl.Block("terraform", (), [hcl.Block("backend", ("s3",), body)])]


def emit_providers(root: Root) -> list[hcl.Item]:
    stack = root.stack
    items: list[hcl.Item] = []
    if "aws" in root.providers:
        region = _region(root)
        tags: dict[str, hcl.Value] = dict(sorted(stack.labels.items()))
        tags |= {
            "stackc.dev/stack": stack.name,
            "stackc.dev/environment": hcl.ref("var.environment"),
            "stackc.dev/managed-by": "stackc",
        }
        items.append(
            hcl.Block(
                "provider",
                ("aws",),
                [hcl.Attribute("region", region), hcl.Block("default_tags", (), [hcl.Attribute("tags", tags)])],
            )
        )
    if "cloudflare" in root.providers:
        token = root.variable(
            Variable(
                "cloudflare_api_token",
                "string",
                "Cloudflare API token with DNS edit (and tunnel edit) permission; null reads CLOUDFLARE_API_TOKEN.",
                None,
                True,
                sensitive=True,
            )
        )
        items.append(
            hcl.Block(
                "provider",
                ("cloudflare",),
                [
                    hcl.Comment("Leave the variable null to read CLOUDFLARE_API_TOKEN from the environment."),
                    hcl.Attribute("api_token", token),
                ],
            )
        )
    return items


def _region(root: Root) -> hcl.Value:
    return root.stack.region or root.variable(
        Variable(
            "aws_region",
            "string",
            "AWS region of the stack (the stack sets none).",
            values=dict.fromkeys(root.environments, "REPLACE-ME"),
        )
    )


def emit_locals(root: Root) -> list[hcl.Item]:
    values: list[hcl.Item] = [hcl.Attribute("name", hcl.template(f"{root.stack.name}-", hcl.ref("var.environment")))]
    items: list[hcl.Item] = []
    if "aws" in root.providers:
        values += [
            hcl.Attribute("region", _region(root)),
            hcl.Attribute("account_id", hcl.ref("data.aws_caller_identity.current.account_id")),
            hcl.Attribute("partition", hcl.ref("data.aws_partition.current.partition")),
        ]
        items = [
            hcl.Block("data", ("aws_caller_identity", "current")),
            hcl.Block("data", ("aws_partition", "current")),
        ]
    return [hcl.Block("locals", (), values), *items]


def emit_variables(root: Root) -> list[hcl.Item]:
    ordered = [
        root.variables["environment"],
        *(v for name, v in sorted(root.variables.items()) if name != "environment"),
    ]
    blocks: list[hcl.Item] = []
    for variable in ordered:
        body: list[hcl.Item] = [
            hcl.Attribute("type", hcl.ref(variable.type)),
            hcl.Attribute("description", variable.description),
        ]
        if variable.has_default:
            body.append(hcl.Attribute("default", variable.default))
        if variable.sensitive:
            body.append(hcl.Attribute("sensitive", True))
        for condition, message in variable.validations:
            body.append(
                hcl.Block(
                    "validation",
                    (),
                    [hcl.Attribute("condition", hcl.ref(condition)), hcl.Attribute("error_message", message)],
                )
            )
        blocks.append(hcl.Block("variable", (variable.name,), body))
    return blocks


def emit_outputs(root: Root) -> list[hcl.Item]:
    outputs = list(root.outputs)
    if "aws_kms_key" in "".join(str(i) for i in root.files.get("kms.tf", [])):
        outputs.append(
            hcl.Block(
                "output",
                ("kms_key_arn",),
                [
                    hcl.Attribute(
                        "description", "KMS key that encrypts the stack's secrets, databases, queues, backups and logs."
                    ),
                    hcl.Attribute("value", hcl.ref("aws_kms_key.stack.arn")),
                ],
            )
        )
    return sorted(outputs, key=lambda block: block.labels)


def emit_tfvars(root: Root, env: str) -> list[hcl.Item]:
    values = [
        hcl.Attribute(name, variable.values[env])
        for name, variable in sorted(root.variables.items(), key=lambda item: (item[0] != "environment", item[0]))
        if env in variable.values
    ]
    return values
