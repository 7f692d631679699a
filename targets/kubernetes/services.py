"""Kubernetes Services: one per workload with ports, plus the headless one a StatefulSet needs."""

from __future__ import annotations

from typing import Any

from stackc import ir
from stackc.targets.kubernetes import names
from stackc.targets.kubernetes.names import metadata, selector_labels


def service_ports(ports: dict[str, int]) -> list[dict[str, Any]]:
    # The Service listens on the container's own port, so `${service.x.port}` is right for
    # clients inside the cluster as well as in Compose.
    out = []
    for name, number in ports.items():
        port: dict[str, Any] = {"name": names.port_name(name) or f"p{number}", "port": number, "protocol": "TCP"}
        port["targetPort"] = names.port_name(name) or number
        out.append(port)
    return out


def emit_service(
    model: ir.EnvironmentModel, name: str, component: str, ports: dict[str, int], service_name: str | None = None
) -> dict[str, Any]:
    """The Service of workload `name`, named `service_name` (default: the workload's name)."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(model, service_name or name, component),
        "spec": {"type": "ClusterIP", "selector": selector_labels(name), "ports": service_ports(ports)},
    }


def emit_headless_service(
    model: ir.EnvironmentModel, name: str, component: str, ports: dict[str, int]
) -> dict[str, Any]:
    """The governing Service of a StatefulSet: stable per-pod DNS names (`{name}-0.{name}-headless`)."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(model, names.headless(name), component),
        "spec": {
            "clusterIP": "None",
            "publishNotReadyAddresses": False,
            "selector": selector_labels(name),
            "ports": service_ports(ports),
        },
    }
