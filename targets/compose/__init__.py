"""The Docker Compose target (issue 4; what maps to what: docs/compose.md).

Documents, relative to the output folder (CLI.md layout):

- `compose/compose.yaml`: what every environment shares; `compose/compose.<env>.yaml`: the
  rest, per selected environment (`split`). Run an environment with
  `docker compose -f compose/compose.yaml -f compose/compose.<env>.yaml up`.
- `compose/nginx/<gateway>.conf` when a gateway's configuration is the same in every
  environment, else `compose/nginx/<gateway>.<env>.conf`.
- `compose/monitoring/{loki,jaeger}.<env>.yaml`, `compose/monitoring/alloy.<env>.alloy`: the
  configuration of the monitoring services that have no other target writing it (`monitoring`).
- `compose/secrets.sh` and `compose/secrets/.gitignore` when a secret comes from a file the
  compiler cannot take from the deploying shell (`secrets`).

Shared files are computed from every environment, whatever `--env` selects, so that a partial
build writes the same `compose.yaml` as a full one.
"""

from __future__ import annotations

from stackc.diagnostics import Diagnostic
from stackc.targets import BuildContext, Document, TargetOutput

from . import names
from .environment import emit_environment
from .nginx import render_gateway
from .scope import SecretFile
from .secrets import render_helper
from .split import split

SECRETS_GITIGNORE = "# Secret values: never commit them.\n*\n!.gitignore\n"


def emit(context: BuildContext) -> TargetOutput:
    diagnostics: list[Diagnostic] = []
    nginx_documents, nginx_paths = _emit_nginx(context, diagnostics)
    documents: dict[str, dict] = {}
    secret_files: dict[str, dict[str, SecretFile]] = {}
    monitoring_files: list[Document] = []
    for environment, model in context.models.items():
        output = emit_environment(model, nginx_paths[environment])
        documents[environment] = output.document
        if environment in context.selected:
            monitoring_files.extend(
                Document(f"{names.COMPOSE_DIR}/{path}", content, form, comment)  # type: ignore[arg-type]
                for path, (form, content, comment) in output.files.items()
            )
        diagnostics.extend(output.diagnostics)
        if output.secret_files:
            secret_files[environment] = output.secret_files
    base, overrides = split(documents)
    result = TargetOutput(diagnostics=_merge(diagnostics))
    result.documents.append(Document(f"{names.COMPOSE_DIR}/compose.yaml", base))
    result.documents.extend(
        Document(f"{names.COMPOSE_DIR}/compose.{environment}.yaml", overrides[environment])
        for environment in context.selected
    )
    result.documents.extend(
        document for environment, document in nginx_documents if environment is None or environment in context.selected
    )
    result.documents.extend(monitoring_files)
    if secret_files:
        result.documents.append(Document(f"{names.COMPOSE_DIR}/secrets.sh", render_helper(secret_files), "text"))
        result.documents.append(Document(f"{names.COMPOSE_DIR}/secrets/.gitignore", SECRETS_GITIGNORE, "text"))
    return result


def _emit_nginx(
    context: BuildContext, diagnostics: list[Diagnostic]
) -> tuple[list[tuple[str | None, Document]], dict[str, dict[str, str]]]:
    """Each gateway's configuration per environment (None: shared by all), and the paths the
    Compose files refer to; one shared file when the configuration is the same everywhere."""
    paths: dict[str, dict[str, str]] = {environment: {} for environment in context.models}
    documents: list[tuple[str | None, Document]] = []
    gateways = dict.fromkeys(g for model in context.models.values() for g in model.gateways)
    for gateway in gateways:
        texts: dict[str, str] = {}
        for environment, model in context.models.items():
            if gateway in model.gateways:
                rendered = render_gateway(model, model.gateways[gateway])
                texts[environment] = rendered.text
                diagnostics.extend(rendered.diagnostics)
        shared = len(set(texts.values())) == 1 and len(texts) == len(context.models)
        for environment in texts:
            paths[environment][gateway] = f"nginx/{gateway}.conf" if shared else f"nginx/{gateway}.{environment}.conf"
        if shared:
            text = next(iter(texts.values()))
            documents.append((None, Document(f"{names.COMPOSE_DIR}/nginx/{gateway}.conf", text, "text")))
        else:
            documents.extend(
                (environment, Document(f"{names.COMPOSE_DIR}/{paths[environment][gateway]}", text, "text"))
                for environment, text in texts.items()
            )
    return documents, paths


def _merge(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """One finding per place and message, listing the environments it holds in."""
    merged: dict[tuple, Diagnostic] = {}
    for diagnostic in diagnostics:
        key = (diagnostic.code, diagnostic.severity, diagnostic.message, diagnostic.span, diagnostic.help)
        if key in merged:
            environments = merged[key].environments + tuple(
                e for e in diagnostic.environments if e not in merged[key].environments
            )
            merged[key] = diagnostic.in_environments(environments)
        else:
            merged[key] = diagnostic
    return list(merged.values())
