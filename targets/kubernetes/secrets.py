"""Secrets through external-secrets.io: a ClusterSecretStore per source kind, an ExternalSecret
per secret, the Password generator for `generate()`. No value is ever in a manifest (LANGUAGE.md
§3: the compiler never reads a secret's value).

Each declared secret becomes a Kubernetes Secret of the same name with its value under the key
`value`; a database's or queue's `{name}-credentials` Secret holds `username`, `password` and
`uri`. `env()` and `file()` secrets are not fetched by the cluster: the deploy pipeline (or, for
a laptop cluster, the developer) creates the Secret (docs/kubernetes.md).
"""

from __future__ import annotations

from typing import Any

from stackc import ir
from stackc.targets.kubernetes import engines, env
from stackc.targets.kubernetes.names import metadata
from stackc.values import Duration

ESO_API = "external-secrets.io/v1"
GENERATOR_API = "generators.external-secrets.io/v1alpha1"


def store_name(model: ir.EnvironmentModel, kind: str) -> str:
    # Cluster-scoped: prefixed with the stack so two stacks on one cluster do not collide.
    return f"{model.stack.name}-{kind}"


def refresh_interval(rotate: Duration | None, default: str) -> str:
    # external-secrets takes Go durations, which have no `d`: 30d -> 720h.
    if rotate is None:
        return default
    seconds = int(rotate.seconds)
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}m"
    return f"{max(1, seconds)}s"


def emit_cluster_secret_store(model: ir.EnvironmentModel, kind: str) -> dict[str, Any]:
    """The store for one source kind. The server address and the auth role are the cluster's;
    the values here are the defaults of the upstream Helm charts, patched in an overlay."""
    if kind == "vault":
        provider: dict[str, Any] = {
            "vault": {
                "server": "https://vault.vault.svc:8200",
                "version": "v2",
                "auth": {
                    "kubernetes": {
                        "mountPath": "kubernetes",
                        "role": model.stack.name,
                        "serviceAccountRef": {"name": "external-secrets", "namespace": "external-secrets"},
                    }
                },
            }
        }
    else:
        aws: dict[str, Any] = {"service": "SecretsManager"}
        if model.stack.region:
            aws["region"] = model.stack.region
        aws["auth"] = {"jwt": {"serviceAccountRef": {"name": "external-secrets", "namespace": "external-secrets"}}}
        provider = {"aws": aws}
    return {
        "apiVersion": ESO_API,
        "kind": "ClusterSecretStore",
        "metadata": metadata(model, store_name(model, kind)),
        "spec": {"provider": provider},
    }


def emit_password_generator(model: ir.EnvironmentModel, name: str, length: int) -> dict[str, Any]:
    # No symbols: the password goes into connection URIs unescaped.
    return {
        "apiVersion": GENERATOR_API,
        "kind": "Password",
        "metadata": metadata(model, name),
        "spec": {"length": length, "digits": max(1, length // 4), "symbols": 0, "noUpper": False, "allowRepeat": True},
    }


def _external_secret(model: ir.EnvironmentModel, name: str, refresh: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": ESO_API,
        "kind": "ExternalSecret",
        "metadata": metadata(model, name),
        "spec": {"refreshInterval": refresh, **spec},
    }


def _store_ref(model: ir.EnvironmentModel, kind: str) -> dict[str, str]:
    return {"kind": "ClusterSecretStore", "name": store_name(model, kind)}


def _generated(
    model: ir.EnvironmentModel, name: str, rotate: Duration | None, template: dict[str, str]
) -> dict[str, Any]:
    # refreshInterval 0 creates the value once; with `rotate`, a new one is generated each period.
    return _external_secret(
        model,
        name,
        refresh_interval(rotate, "0"),
        {
            "target": {"name": name, "creationPolicy": "Owner", "template": {"engineVersion": "v2", "data": template}},
            "dataFrom": [
                {"sourceRef": {"generatorRef": {"apiVersion": GENERATOR_API, "kind": "Password", "name": name}}}
            ],
        },
    )


def store_kind(source: ir.VaultSource | ir.AwsSource) -> str:
    return "vault" if isinstance(source, ir.VaultSource) else "aws"


def emit_fetched(model: ir.EnvironmentModel, secret: ir.Secret, target: str) -> dict[str, Any]:
    """The ExternalSecret that fetches a `vault()` or `aws()` secret into the Secret `target`
    (key `value`), refreshed every `rotate` (default 1h)."""
    source = secret.source
    assert isinstance(source, (ir.VaultSource, ir.AwsSource))
    remote: dict[str, str] = {"key": source.path if isinstance(source, ir.VaultSource) else source.name}
    if source.key:
        remote["property"] = source.key
    return _external_secret(
        model,
        target,
        refresh_interval(secret.rotate, "1h"),
        {
            "secretStoreRef": _store_ref(model, store_kind(source)),
            "target": {"name": target, "creationPolicy": "Owner"},
            "data": [{"secretKey": env.VALUE_KEY, "remoteRef": remote}],
        },
    )


def credentials_template(backing: ir.Database | ir.Queue) -> dict[str, str]:
    engine = engines.engine_of(backing)
    return {
        engines.USERNAME_KEY: engines.APP_USER,
        engines.PASSWORD_KEY: "{{ .password }}",
        engines.URI_KEY: engine.uri.replace("{host}", backing.name).replace("{name}", backing.name),
    }


def emit_secrets(model: ir.EnvironmentModel) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    stores: set[str] = set()
    backings = {b.credentials: b for b in [*model.databases.values(), *model.queues.values()]}
    for secret in model.secrets.values():
        source = secret.source
        if secret.implicit:
            backing = backings[secret.name]
            objects.append(emit_password_generator(model, secret.name, 32))
            objects.append(_generated(model, secret.name, secret.rotate, credentials_template(backing)))
        elif isinstance(source, ir.GenerateSource):
            objects.append(emit_password_generator(model, secret.name, source.length))
            objects.append(_generated(model, secret.name, secret.rotate, {env.VALUE_KEY: "{{ .password }}"}))
        elif isinstance(source, (ir.VaultSource, ir.AwsSource)):
            stores.add(store_kind(source))
            objects.append(emit_fetched(model, secret, secret.name))
        # env() and file(): a Secret the deploy pipeline creates (docs/kubernetes.md).
    for backing in backings.values():
        if backing.form != "managed":
            continue
        # The Terraform target stores generated credentials in AWS Secrets Manager under
        # `{stack}-{env}/{name}-credentials` (its `local.name`), as JSON with `username`,
        # `password` and `uri` (docs/kubernetes.md, docs/terraform.md).
        stores.add("aws")
        remote_key = f"{model.stack.name}-{model.environment.name}/{backing.credentials}"
        objects.append(
            _external_secret(
                model,
                backing.credentials,
                "1h",
                {
                    "secretStoreRef": _store_ref(model, "aws"),
                    "target": {"name": backing.credentials, "creationPolicy": "Owner"},
                    "data": [
                        {"secretKey": key, "remoteRef": {"key": remote_key, "property": key}}
                        for key in (engines.USERNAME_KEY, engines.PASSWORD_KEY, engines.URI_KEY)
                    ],
                },
            )
        )
    objects.extend(emit_cluster_secret_store(model, kind) for kind in sorted(stores))
    return objects
