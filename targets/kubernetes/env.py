"""A service's `env` as Kubernetes delivers it: plain values to a ConfigMap, secrets as files.

LANGUAGE.md §5: `KEY = secret.X` mounts the secret read-only at `/run/secrets/X` and sets
`KEY_FILE=/run/secrets/X`; only `secrets_in_env = true` turns it into a `secretKeyRef` variable.
All of a service's secrets are items of one projected volume mounted at `/run/secrets`, so each
is a file at exactly that path (a plain Secret volume would be a folder) and still follows
rotation (a `subPath` mount would not).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stackc import ir
from stackc.targets.kubernetes import engines
from stackc.values import Ref, Text

SECRETS_DIR = "/run/secrets"
# The key under which a declared secret's value is stored in its Kubernetes Secret.
VALUE_KEY = "value"


@dataclass
class EnvPlan:
    plain: dict[str, str] = field(default_factory=dict)
    # KEY -> (Secret name, key in it, file name under /run/secrets)
    secret: dict[str, tuple[str, str, str]] = field(default_factory=dict)


def secret_of(model: ir.EnvironmentModel, ref: Ref) -> tuple[str, str]:
    """The Kubernetes Secret and key that hold a secret reference's value."""
    if ref.kind == "secret":
        return ref.name, VALUE_KEY
    backing = model.databases.get(ref.name) if ref.kind == "database" else model.queues.get(ref.name)
    assert backing is not None, ref
    if backing.external is not None:
        return backing.external.name, VALUE_KEY
    # Container form: the generated credentials; managed form: the credentials Terraform stores
    # in the cloud's secret manager, synced by an ExternalSecret of the same name (secrets.py).
    return backing.credentials, engines.URI_KEY


def backing_port(model: ir.EnvironmentModel, kind: str, name: str) -> int:
    backing = model.databases.get(name) if kind == "database" else model.queues.get(name)
    assert backing is not None
    return engines.engine_of(backing).port


def plain_value(model: ir.EnvironmentModel, ref: Ref) -> str:
    """The text of a non-secret reference (LANGUAGE.md §3 properties): services are reached by
    their Service name, which resolves inside the namespace."""
    if ref.kind == "service":
        service = model.services[ref.name]
        primary = service.primary_port
        port = primary[1] if primary else 0
        if ref.prop == "host":
            return service.name
        if ref.prop == "port":
            return str(port)
        if ref.prop == "url":
            return f"http://{service.name}:{port}"
        if ref.prop == "image":
            return service.image_ref
        if ref.prop and ref.prop.startswith("ports."):
            return str(service.ports[ref.prop.split(".", 1)[1]])
        return service.name
    if ref.kind in ("database", "queue"):
        if ref.prop == "port":
            return str(backing_port(model, ref.kind, ref.name))
        # `.name` and `.host`: a container-form engine is reached by its Service name. A managed or
        # external one's host is only inside its connection URI, a secret (docs/kubernetes.md).
        return ref.name
    return ref.dotted


def text_value(model: ir.EnvironmentModel, value: str | Ref | Text) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Ref):
        return plain_value(model, value)
    return "".join(p if isinstance(p, str) else plain_value(model, p) for p in value.parts)


def plan_env(model: ir.EnvironmentModel, service: ir.Service) -> EnvPlan:
    plan = EnvPlan()
    for key, value in sorted(service.env.items()):
        if isinstance(value, Ref) and value.is_secret:
            secret, secret_key = secret_of(model, value)
            plan.secret[key] = (secret, secret_key, secret)
        else:
            plan.plain[key] = text_value(model, value)
    return plan


def secret_volume(plan: EnvPlan) -> dict | None:
    """One projected volume with every secret of the service as a file named after the secret."""
    items: dict[tuple[str, str], str] = {}
    for secret, key, path in plan.secret.values():
        items[(secret, key)] = path
    if not items:
        return None
    return {
        "name": "secrets",
        "projected": {
            "defaultMode": 0o440,
            "sources": [
                {"secret": {"name": secret, "items": [{"key": key, "path": path}]}}
                for (secret, key), path in sorted(items.items())
            ],
        },
    }
