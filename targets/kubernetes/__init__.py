"""The Kubernetes target: a kustomize base and one overlay per environment (issue 7).

`emit` computes every environment's objects in full (`environment_objects`), then `kustomize.split`
decides what is shared and what each overlay patches. The modules are one per kind of output:
`workloads` (pods, Deployments, StatefulSets, HPAs, PDBs), `backing` (container-form databases
and queues), `services`, `network`, `secrets`, `ingress`; `names` holds every derived name and
label. docs/kubernetes.md says what maps to what and which cluster add-ons the output expects.
"""

from __future__ import annotations

from typing import Any

from stackc import ir
from stackc.diagnostics import Diagnostic, Severity, merge_environments
from stackc.targets import BuildContext, TargetOutput
from stackc.targets.kubernetes import (
    alerting,
    backing,
    backups,
    engines,
    ingress,
    kustomize,
    monitoring,
    names,
    network,
    rollouts,
    secrets,
    services,
    workloads,
)
from stackc.targets.kubernetes.names import common_labels

# Capabilities the PSS *baseline* profile allows to be added (anchors-policy.md §2.0,
# capabilities_baseline); *restricted* allows only NET_BIND_SERVICE.
BASELINE_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)


def pod_security_level(model: ir.EnvironmentModel) -> str:
    """`restricted`, unless a service the user allowed to weaken it (SEC001 `user = 0`, SEC002 an
    added capability) could not start under it: admission would reject the pod that the allow
    was written for. Audit and warn stay `restricted`, so the cluster still reports it."""
    level = "restricted"
    for service in model.services.values():
        added = set(service.capabilities)
        if not added <= BASELINE_CAPABILITIES:
            return "privileged"
        if service.user == 0 or added - {"NET_BIND_SERVICE"}:
            level = "baseline"
    return level


def emit_namespace(model: ir.EnvironmentModel) -> dict[str, Any]:
    """The namespace enforces the *restricted* Pod Security Standard (POLICIES.md, last section),
    pinned to the Kubernetes version the stack targets so a cluster upgrade cannot tighten it
    under running workloads."""
    version = f"v{model.stack.kubernetes}"
    labels = {
        **common_labels(model),
        "pod-security.kubernetes.io/enforce": pod_security_level(model),
        "pod-security.kubernetes.io/enforce-version": version,
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/audit-version": version,
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": version,
    }
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": model.environment.namespace, "labels": labels},
    }


def emit_service_objects(model: ir.EnvironmentModel, service: ir.Service) -> list[dict[str, Any]]:
    """ServiceAccount, ConfigMap, Deployment or StatefulSet, Services, HPA and PDB of a service."""
    pod, plain = workloads.service_pod(model, service)
    replicas = workloads.static_replicas(model, service)
    low = workloads.min_replicas(model, service)
    pod.spread = low > 1
    annotations = workloads.checkov_skips(workloads.allowed_findings(model, service, "service"))
    objects = [workloads.emit_service_account(model, service.name, "service")]
    if plain:
        objects.append(workloads.emit_config_map(model, service, plain))
    if service.volumes:
        # Volumes make a service stateful (LANGUAGE.md §3): one claim per replica.
        claims = [(f"{service.name}-{v.name}", names.quantity(v.size)) for v in service.volumes.values()]
        objects.append(workloads.emit_stateful_set(model, pod, replicas, annotations, claims))
        target_kind = "StatefulSet"
    elif service.deploy.strategy in ("canary", "blue_green") and service.ports:
        objects.extend(rollouts.emit_rollout(model, service, pod, replicas, annotations))
        target_kind = "Rollout"
    else:
        # `rolling`, and a canary of a service without ports (no traffic to shift or measure).
        objects.append(workloads.emit_deployment(model, pod, replicas, annotations))
        target_kind = "Deployment"
    if service.ports:
        objects.append(services.emit_service(model, service.name, "service", service.ports))
        if service.volumes:
            objects.append(services.emit_headless_service(model, service.name, "service", service.ports))
    if service.autoscale is not None:
        api = rollouts.ROLLOUTS_API if target_kind == "Rollout" else "apps/v1"
        objects.append(workloads.emit_horizontal_pod_autoscaler(model, service, target_kind, api))
    if low > 1:
        objects.append(workloads.emit_pod_disruption_budget(model, service.name, "service"))
    if model.monitored:
        monitor = monitoring.emit_service_monitor(model, service)
        if monitor is not None:
            objects.append(monitor)
    return objects


def scraped_ports(model: ir.EnvironmentModel) -> dict[str, int]:
    if not model.monitored:
        return {}
    ports = {s.name: monitoring.metrics_port(s) for s in model.services.values()}
    return {name: port for name, port in ports.items() if port is not None}


def environment_objects(model: ir.EnvironmentModel, *, rules: bool = True) -> list[dict[str, Any]]:
    """Every object of one environment, complete, in a stable order. `rules=False` leaves out the
    PrometheusRules, the costly part, for callers that only look at workloads and routes."""
    objects = [emit_namespace(model)]
    for service in model.services.values():
        objects.extend(emit_service_objects(model, service))
    for item in [*model.databases.values(), *model.queues.values()]:
        if item.form == "container":
            objects.extend(backing.emit_backing(model, item))
    jobs = {backups.job_name(b): b for b in backups.backed_up(model)}
    for item in jobs.values():
        objects.extend(backups.emit_backup(model, item))
    objects.extend(secrets.emit_secrets(model))
    for gateway in model.gateways.values():
        objects.extend(ingress.emit_gateway(model, gateway))
    objects.extend(network.emit_network_policies(model, jobs, scraped_ports(model), monitoring.trace_port(model)))
    if rules and model.monitored:
        objects.extend(monitoring.emit_prometheus_rules(model))
    return objects


def built_images(model: ir.EnvironmentModel) -> list[str]:
    return [s.image_ref for s in model.services.values() if s.image is None]


def emit(context: BuildContext) -> TargetOutput:
    objects = {env: environment_objects(model) for env, model in context.models.items()}
    images = {env: built_images(model) for env, model in context.models.items()}
    documents = kustomize.split(objects, context.selected, context.models, images)
    documents.extend(alerting.emit(context.models))
    return TargetOutput(documents=documents, diagnostics=unsupported(context))


def unsupported(context: BuildContext) -> list[Diagnostic]:
    """What the cluster output cannot do, said where the stack asks for it (E0490)."""
    found = []
    for env, model in context.models.items():
        for queue in model.queues.values():
            if queue.backup is not None and queue.form != "managed" and engines.engine_of(queue).dump is None:
                found.append(
                    Diagnostic(
                        "E0490",
                        Severity.WARNING,
                        f"Kubernetes output has no backup job for a {queue.engine} queue",
                        queue.span_of("backup"),
                        help="a queue's messages are transient; back up what consumers persist instead",
                        environments=(env,),
                    )
                )
    return merge_environments(found, list(context.models))
