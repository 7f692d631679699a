"""NetworkPolicies: default deny, then exactly the edges the stack declares (LANGUAGE.md §5).

Allowed: each `uses` edge in both halves (egress from the user, ingress to the used), DNS egress
for every pod, the ingress controller to routed services, and egress to the address of a managed
or external database or queue. Nothing else: the property test in tests/test_kubernetes.py checks
every rule against the model.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from stackc import ir
from stackc.targets.kubernetes import engines, tunnel
from stackc.targets.kubernetes.names import metadata, selector_labels

INGRESS_CONTROLLER_NAMESPACE = "ingress-nginx"
MONITORING_NAMESPACE = "monitoring"
# Managed and external databases live outside the cluster at an address only the connection URI
# knows. The rule allows the engine's port to any address; an overlay narrows it by patching
# this CIDR (docs/kubernetes.md).
EXTERNAL_CIDR = "0.0.0.0/0"

DNS_PEER = {"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}
DNS_PORTS = [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]


def _tcp(ports: list[int]) -> list[dict[str, Any]]:
    return [{"port": p, "protocol": "TCP"} for p in sorted(set(ports))]


def workload_ports(model: ir.EnvironmentModel, kind: str, name: str) -> list[int]:
    if kind == "service":
        return list(model.services[name].ports.values())
    backing = model.databases.get(name) if kind == "database" else model.queues.get(name)
    assert backing is not None
    return [engines.engine_of(backing).port]


def emit_default_deny(model: ir.EnvironmentModel) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(model, "default-deny"),
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    }


def emit_network_policies(
    model: ir.EnvironmentModel,
    backups: dict[str, ir.Database | ir.Queue],
    scraped: dict[str, int],
    trace_port: int | None = None,
) -> list[dict[str, Any]]:
    """The default deny and one policy per workload. `backups` maps a backup job to the database
    it dumps (an edge like `uses`); `scraped` maps a service to its metrics port, which
    Prometheus reaches from its namespace (prometheus-operator's ServiceMonitor); with
    `trace_port`, every service sends spans to the trace backend in that namespace."""
    ingress: dict[str, list[dict[str, Any]]] = defaultdict(list)
    egress: dict[str, list[dict[str, Any]]] = defaultdict(list)
    workloads: list[str] = []
    for service in model.services.values():
        workloads.append(service.name)
        for ref in service.uses:
            backing = model.databases.get(ref.name) if ref.kind == "database" else model.queues.get(ref.name)
            if backing is not None and backing.form != "container":
                port = engines.engine_of(backing).port
                egress[service.name].append({"to": [{"ipBlock": {"cidr": EXTERNAL_CIDR}}], "ports": _tcp([port])})
                continue
            ports = workload_ports(model, ref.kind, ref.name)
            if not ports:
                continue  # a service without ports cannot be connected to
            egress[service.name].append(
                {"to": [{"podSelector": {"matchLabels": selector_labels(ref.name)}}], "ports": _tcp(ports)}
            )
            ingress[ref.name].append(
                {"from": [{"podSelector": {"matchLabels": selector_labels(service.name)}}], "ports": _tcp(ports)}
            )
    for backing in [*model.databases.values(), *model.queues.values()]:
        if backing.form == "container":
            workloads.append(backing.name)
    routed: dict[str, set[int]] = defaultdict(set)
    for gateway in model.gateways.values():
        if gateway.tunnel != "none":
            continue
        for route in gateway.routes.values():
            service = model.services[route.to.name]
            port = route.port if isinstance(route.port, int) else (service.primary_port or ("", 0))[1]
            if port:
                routed[service.name].add(port)
    for gateway in model.gateways.values():
        if gateway.tunnel == "none":
            continue
        # The tunnel connector reaches the routed services and Cloudflare's edge, nothing else.
        connector = tunnel.deployment_name(gateway)
        workloads.append(connector)
        for route in gateway.routes.values():
            service = model.services[route.to.name]
            port = route.port if isinstance(route.port, int) else (service.primary_port or ("", 0))[1]
            if not port:
                continue
            to = {"podSelector": {"matchLabels": selector_labels(service.name)}}
            egress[connector].append({"to": [to], "ports": _tcp([port])})
            peer = {"podSelector": {"matchLabels": selector_labels(connector)}}
            ingress[service.name].append({"from": [peer], "ports": _tcp([port])})
        edge = [{"port": port, "protocol": protocol} for port, protocol in tunnel.EDGE_PORTS]
        egress[connector].append({"to": [{"ipBlock": {"cidr": EXTERNAL_CIDR}}], "ports": edge})
    for name, ports in sorted(routed.items()):
        peer = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": INGRESS_CONTROLLER_NAMESPACE}}}
        ingress[name].append({"from": [peer], "ports": _tcp(list(ports))})
    for job, backing in backups.items():
        workloads.append(job)
        port = engines.engine_of(backing).port
        if backing.form == "container":
            egress[job].append(
                {"to": [{"podSelector": {"matchLabels": selector_labels(backing.name)}}], "ports": _tcp([port])}
            )
            ingress[backing.name].append(
                {"from": [{"podSelector": {"matchLabels": selector_labels(job)}}], "ports": _tcp([port])}
            )
        else:
            egress[job].append({"to": [{"ipBlock": {"cidr": EXTERNAL_CIDR}}], "ports": _tcp([port])})
    monitoring = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": MONITORING_NAMESPACE}}}
    for name, port in sorted(scraped.items()):
        ingress[name].append({"from": [monitoring], "ports": _tcp([port])})
    if trace_port is not None:
        for service in model.services.values():
            egress[service.name].append({"to": [monitoring], "ports": _tcp([trace_port])})
    policies = [emit_default_deny(model)]
    for name in workloads:
        spec: dict[str, Any] = {
            "podSelector": {"matchLabels": selector_labels(name)},
            "policyTypes": ["Ingress", "Egress"],
        }
        if ingress[name]:
            spec["ingress"] = ingress[name]
        spec["egress"] = [*egress[name], {"to": [DNS_PEER], "ports": DNS_PORTS}]
        policies.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": metadata(model, name),
                "spec": spec,
            }
        )
    return policies
