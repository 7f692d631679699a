"""`kubernetes/monitoring/`: what the cluster's monitoring stack (prometheus-operator and the
Grafana dashboard sidecar, both in namespace `monitoring`) reads, outside the environments'
overlays because it lives in that namespace rather than an environment's:

- Secret `{stack}-alertmanager`: the same `alertmanager.yaml` as `alertmanager/alertmanager.yml`
  (every environment's routing tree), for the operator's `Alertmanager.spec.configSecret`;
- an ExternalSecret per notify credential, Secret `{stack}-notify-{secret}` with key `value`: the
  operator mounts each Secret of `Alertmanager.spec.secrets` at `/etc/alertmanager/secrets/<name>/`,
  so the config's `*_file` paths are rewritten to those mounts;
- a ConfigMap per Grafana dashboard, labelled `grafana_dashboard: "1"` for the sidecar.
"""

from __future__ import annotations

import json
from typing import Any

from stackc import ir
from stackc.targets import Document
from stackc.targets.kubernetes import env, secrets
from stackc.targets.kubernetes.monitoring import MONITORING_NAMESPACE
from stackc.targets.kubernetes.names import file_name, metadata
from stackc.targets.prometheus import names as prometheus_names
from stackc.targets.prometheus.alertmanager import emit_alertmanager
from stackc.writers import yaml as yaml_writer

FOLDER = "kubernetes/monitoring"
CONFIG_KEY = "alertmanager.yaml"
# The Grafana Helm chart's sidecar default (`sidecar.dashboards.label`).
DASHBOARD_LABEL = "grafana_dashboard"


def config_secret_name(stack: str) -> str:
    return f"{stack}-alertmanager"


def credential_secret_name(stack: str, secret: str) -> str:
    return f"{stack}-notify-{secret}"


def notify_secrets(models: dict[str, ir.EnvironmentModel]) -> dict[str, tuple[ir.EnvironmentModel, ir.Secret]]:
    """Secret name -> (the first environment declaring it, the secret) for every notify credential."""
    found: dict[str, tuple[ir.EnvironmentModel, ir.Secret]] = {}
    for model in models.values():
        assert model.observability is not None
        for notify in model.observability.notify.values():
            for ref in (notify.webhook, notify.key):
                if isinstance(ref, ir.Ref) and ref.name in model.secrets:
                    found.setdefault(ref.name, (model, model.secrets[ref.name]))
    return found


def _mounted(config: Any, stack: str) -> Any:
    """The config with each `*_file` path moved to where the operator mounts that Secret."""
    if isinstance(config, dict):
        out = {}
        for key, value in config.items():
            prefix = prometheus_names.SECRETS_DIR + "/"
            if key.endswith("_file") and isinstance(value, str) and value.startswith(prefix):
                secret = value[len(prefix) :]
                value = f"{prefix}{credential_secret_name(stack, secret)}/{env.VALUE_KEY}"
            out[key] = _mounted(value, stack)
        return out
    if isinstance(config, list):
        return [_mounted(item, stack) for item in config]
    return config


def _credential(model: ir.EnvironmentModel, secret: ir.Secret) -> dict[str, Any] | None:
    """An ExternalSecret copying `secret` into the monitoring namespace, or None for `env()` and
    `file()` secrets, which the deploy pipeline creates (docs/kubernetes.md), as for services."""
    if not isinstance(secret.source, (ir.VaultSource, ir.AwsSource)):
        return None
    return secrets.emit_fetched(model, secret, credential_secret_name(model.stack.name, secret.name))


def _dashboards(models: dict[str, ir.EnvironmentModel]) -> dict[str, dict[str, Any]]:
    try:
        from stackc.targets.grafana import dashboards
    except ImportError:
        return {}
    return dashboards(models)


def emit(models: dict[str, ir.EnvironmentModel]) -> list[Document]:
    """The documents of `kubernetes/monitoring/`, from every monitored environment."""
    watched = {name: model for name, model in models.items() if model.monitored}
    if not watched:
        return []
    first = next(iter(watched.values()))
    stack = first.stack.name
    objects: list[dict[str, Any]] = []
    config, _ = emit_alertmanager(watched)  # its diagnostics are the Prometheus target's to report
    objects.append(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": metadata(first, config_secret_name(stack)),
            "type": "Opaque",
            "stringData": {CONFIG_KEY: yaml_writer.dump(_mounted(config, stack))},
        }
    )
    for model, secret in notify_secrets(watched).values():
        credential = _credential(model, secret)
        if credential is not None:
            objects.append(credential)
    for file, dashboard in sorted(_dashboards(watched).items()):
        name = f"{stack}-dashboard-{file.removesuffix('.json')}"
        meta = metadata(first, name)
        meta["labels"][DASHBOARD_LABEL] = "1"
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": meta,
                "data": {file: json.dumps(dashboard, indent=2, sort_keys=False)},
            }
        )
    documents = []
    resources = []
    for obj in objects:
        file = file_name(obj["kind"], obj["metadata"]["name"])
        resources.append(file)
        documents.append(Document(f"{FOLDER}/{file}", obj))
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": MONITORING_NAMESPACE,
        "resources": resources,
    }
    documents.append(Document(f"{FOLDER}/kustomization.yaml", kustomization))
    return documents
