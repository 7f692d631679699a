"""Names, labels and small value conversions shared by the Kubernetes emitters.

Every generated name is derived here, so that names never collide (LANGUAGE.md §5: a service's
volume `v` is `{service}-v`, a database's data volume `{name}-data`, its credentials
`{name}-credentials`) and so that a selector and the labels it selects can never drift apart.
"""

from __future__ import annotations

import hashlib
import math
import re
from decimal import Decimal
from typing import Any

from stackc import ir
from stackc.values import Duration, Size

# Kubernetes port names are IANA service names: at most 15 characters, lowercase letters,
# digits and `-`, at least one letter (k8s.io/apimachinery validation.IsValidPortName).
_PORT_NAME = re.compile(r"(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?\Z")

NAME_LABEL = "app.kubernetes.io/name"
INSTANCE_LABEL = "app.kubernetes.io/instance"


# Kubernetes length limits: a label value and a Service name are DNS labels (63); a StatefulSet's
# pods carry `controller-revision-hash: <name>-<10-character hash>` and a CronJob's Jobs a suffix
# of 11, so both names stop at 52.
LABEL_LIMIT = 63
CONTROLLER_LIMIT = 52


def fit(name: str, limit: int = LABEL_LIMIT) -> str:
    """`name` when it fits in `limit` characters; else its beginning and a hash of all of it, so
    that a legal but long stack name still makes objects the API server accepts, the same ones on
    every build, and two long names that share a beginning stay apart."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return name[: limit - len(digest) - 1].rstrip("-") + "-" + digest


def headless(name: str) -> str:
    """The governing Service of the StatefulSet of `name`."""
    return fit(f"{name}-headless")


def preview(name: str) -> str:
    """The preview Service of a blue/green Rollout."""
    return fit(f"{name}-preview")


def stateful_set(name: str) -> str:
    return fit(name, CONTROLLER_LIMIT)


def common_labels(model: ir.EnvironmentModel) -> dict[str, str]:
    """`part-of` and `managed-by`, then `stack.labels` as given (LANGUAGE.md §3: prefixed generated
    keys never collide with the user's)."""
    labels = {"app.kubernetes.io/part-of": model.stack.name, "app.kubernetes.io/managed-by": "stackc"}
    labels.update(sorted(model.stack.labels.items()))
    return labels


def selector_labels(name: str) -> dict[str, str]:
    # Selectors are immutable on Deployments and StatefulSets: keep them to the one stable label.
    return {NAME_LABEL: fit(name)}


def workload_labels(model: ir.EnvironmentModel, name: str, component: str) -> dict[str, str]:
    # `instance` = metadata.name: Polaris metadataAndInstanceMismatched (anchors-policy.md §2.2).
    return {
        NAME_LABEL: fit(name),
        INSTANCE_LABEL: fit(name),
        "app.kubernetes.io/component": component,
        **common_labels(model),
    }


def metadata(
    model: ir.EnvironmentModel,
    name: str,
    component: str | None = None,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Object metadata without a namespace: the overlay's `namespace:` sets it on every namespaced
    object, so one base serves every environment. Checkov CKV_K8S_21 therefore only passes on the
    rendered overlay, which is what is applied and scanned (anchors-policy.md §2.3 item 6)."""
    meta: dict[str, Any] = {"name": name}
    meta["labels"] = workload_labels(model, name, component) if component else common_labels(model)
    if annotations:
        meta["annotations"] = annotations
    return meta


def port_name(name: str) -> str | None:
    """The port's name when Kubernetes accepts it as one, else None (probes then use the number)."""
    return name if _PORT_NAME.match(name) else None


def port_target(service: ir.Service, number: int) -> int | str:
    """A probe's port: the container port's name where it has a valid one (kube-linter
    liveness-port and friends match probes to named ports), else the number."""
    for name, value in service.ports.items():
        if value == number and port_name(name):
            return name
    return number


def seconds(duration: Duration) -> int:
    """Whole seconds, at least 1: probe and timeout fields are integers with a minimum of 1."""
    return max(1, math.ceil(duration.seconds))


def quantity(size: Size) -> str:
    """A size as a Kubernetes quantity: the user's text when it already is one (`256Mi`)."""
    return size.text if re.fullmatch(r"[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)", size.text) else str(size.bytes)


def nginx_size(size: Size) -> str:
    # nginx sizes take k/m/g suffixes meaning KiB/MiB/GiB; anything else as plain bytes.
    for suffix, unit in (("g", 1024**3), ("m", 1024**2), ("k", 1024)):
        if size.bytes % unit == 0:
            return f"{size.bytes // unit}{suffix}"
    return str(size.bytes)


def decimal_text(value: Decimal) -> str:
    """`99.9`, `0.999`, `70`: a decimal without exponent or trailing zeros."""
    return format(value.normalize(), "f")


def slug(path: str) -> str:
    """A DNS-label-safe fragment of a route path: `/` -> `root`, `/api/v1` -> `api-v1`."""
    text = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")
    return text[:40].strip("-") or "root"


def file_name(kind: str, name: str) -> str:
    """`deployment-api.yaml`: kind and name in the file name (CLI.md output layout)."""
    return f"{kind.lower()}-{name}.yaml"
