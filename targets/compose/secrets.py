"""Secrets as Compose `secrets:`, and `secrets.sh`, the helper that fills their files.

Compose reads a secret from a variable of the deploying shell (`environment:`) or from a file
(`file:`), and mounts it at `/run/secrets/NAME`. The sources map so:

- `env(VAR)`: `environment: VAR`.
- `file(PATH)`: `file:` PATH, relative to the stack file (see `names.from_stack_dir`).
- `generate()`, `vault()`, `aws()`: `file: ./secrets/<env>/NAME`, a git-ignored file that
  `sh secrets.sh <env>` creates: random letters and digits, `vault kv get`, `aws secretsmanager
  get-secret-value`. The compiler never reads or writes a secret's value (LANGUAGE.md §3).
- A database's or queue's `.uri`: the `external` secret; for the container form
  `secrets/<env>/NAME.uri`, which the helper builds from the generated password; for the
  managed form a file the user fills with the connection string Terraform stored.
"""

from __future__ import annotations

from stackc import ir
from stackc.values import Ref

from . import names
from .engines import ENGINES
from .escape import shell_quote
from .scope import Scope, SecretFile


def secret_for(scope: Scope, ref: Ref) -> str:
    """The Compose secret that delivers `secret.X` or `database.X.uri`, declared in `scope`."""
    if ref.kind == "secret":
        return declare_secret(scope, ref.name)
    backing: ir.Database | ir.Queue = (
        scope.model.databases[ref.name] if ref.kind == "database" else scope.model.queues[ref.name]
    )
    if backing.form == "external":
        assert backing.external is not None
        return declare_secret(scope, backing.external.name)
    if backing.form == "container":
        return declare_uri(scope, backing)
    what = (
        f"the connection string of the managed {ref.kind} `{backing.name}` "
        "(Terraform stores it in the cloud's secret manager)"
    )
    return scope.needs_secret_file(SecretFile(names.uri_secret(backing.name), "manual", (what,)))


def declare_secret(scope: Scope, name: str) -> str:
    source = scope.model.secrets[name].source
    if isinstance(source, ir.EnvSource):
        scope.secrets.setdefault(name, {"environment": source.variable})
    elif isinstance(source, ir.FileSource):
        scope.secrets.setdefault(name, {"file": names.from_stack_dir(source.path)})
    elif isinstance(source, ir.GenerateSource):
        scope.needs_secret_file(SecretFile(name, "generate", (str(source.length),)))
    elif isinstance(source, ir.VaultSource):
        scope.needs_secret_file(SecretFile(name, "vault", (source.path, source.key or "")))
    else:
        scope.needs_secret_file(SecretFile(name, "aws", (source.name, source.key or "")))
    return name


def declare_uri(scope: Scope, backing: ir.Database | ir.Queue) -> str:
    """The connection string of a container-form database or queue, built from its password."""
    credentials = declare_secret(scope, backing.credentials)
    prefix, suffix = ENGINES[backing.engine].uri_parts(backing.name)
    return scope.needs_secret_file(SecretFile(names.uri_secret(backing.name), "uri", (credentials, prefix, suffix)))


def render_helper(files: dict[str, dict[str, SecretFile]]) -> str:
    """`secrets.sh`: for each environment, the commands that fill its secret files."""
    environments = list(files)
    lines = [*_HELPER_HEAD.format(choices=" ".join(environments)).splitlines()]
    lines.append('case "$environment" in')
    for environment, secrets in files.items():
        lines.append(f"  {environment})")
        ordered = sorted(secrets.values(), key=lambda s: ("generate", "vault", "aws", "uri", "manual").index(s.action))
        lines.extend(f"    {_helper_line(secret)}" for secret in ordered)
        lines.append("    ;;")
    lines.append('  *) echo "$usage" >&2; exit 2 ;;')
    lines.append("esac")
    lines.extend(_HELPER_TAIL.splitlines())
    return "\n".join(lines) + "\n"


def _helper_line(secret: SecretFile) -> str:
    words = [secret.name, *secret.args]
    if secret.action == "generate":
        return f"fill {shell_quote(secret.name)} generate {shell_quote(secret.args[0])}"
    if secret.action == "vault":
        return f"fill {' '.join(shell_quote(w) for w in [secret.name, 'vault_secret', *secret.args])}"
    if secret.action == "aws":
        return f"fill {' '.join(shell_quote(w) for w in [secret.name, 'aws_secret', *secret.args])}"
    return f"{secret.action} {' '.join(shell_quote(w) for w in words)}"


_HELPER_HEAD = """\
# Fills the secret files that the Compose files read from secrets/<environment>/ (docs/compose.md).
#   usage: sh secrets.sh ENVIRONMENT
# A file that exists is kept: delete it to generate or fetch it again. The connection strings of
# container databases and queues are rebuilt from their passwords on every run. Needs `vault`,
# `aws` and `jq` only for secrets that come from there.
set -eu
cd "$(dirname "$0")"
usage="usage: sh secrets.sh ENVIRONMENT (one of: {choices})"
[ "$#" -eq 1 ] || {{ echo "$usage" >&2; exit 2; }}
environment=$1
case " {choices} " in *" $environment "*) ;; *) echo "$usage" >&2; exit 2 ;; esac
umask 077
missing=""

# The folder is 0700, so other users of this machine cannot read the files; each file is 0644
# because Docker bind-mounts it into the container as it is, where the service's uid (10001,
# not yours) must read it. Docker itself does not need to enter the folder as that user.
mkdir -p "secrets/$environment"
chmod 700 secrets "secrets/$environment"

save() {{
  printf '%s' "$2" > "secrets/$environment/$1.tmp"
  chmod 644 "secrets/$environment/$1.tmp"
  mv "secrets/$environment/$1.tmp" "secrets/$environment/$1"
}}
fill() {{
  name=$1
  shift
  if [ -s "secrets/$environment/$name" ]; then return 0; fi
  value=$("$@")
  save "$name" "$value"
}}
generate() {{ LC_ALL=C tr -dc 'A-Za-z0-9' < /dev/urandom | head -c "$1"; }}
vault_secret() {{
  if [ -n "$2" ]; then vault kv get -field="$2" "$1"; else vault kv get -format=json "$1" | jq -c .data.data; fi
}}
aws_secret() {{
  value=$(aws secretsmanager get-secret-value --secret-id "$1" --query SecretString --output text)
  if [ -n "$2" ]; then printf '%s' "$value" | jq -j --arg key "$2" '.[$key]'; else printf '%s' "$value"; fi
}}
uri() {{ save "$1" "$3$(cat "secrets/$environment/$2")$4"; }}
manual() {{
  if [ ! -s "secrets/$environment/$1" ]; then
    missing="$missing
  secrets/$environment/$1: $2"
  fi
}}
"""

_HELPER_TAIL = """\
if [ -n "$missing" ]; then
  printf 'Write these files, then run this again:%s\\n' "$missing" >&2
  exit 1
fi
echo "secrets/$environment is complete"
"""
