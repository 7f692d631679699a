"""Workloads: ServiceAccount, ConfigMap, Deployment or StatefulSet, HPA and PodDisruptionBudget.

Every pod passes the Pod Security Standards *restricted* profile and the Checkov Kubernetes
checks the hand-written reference passes (research/hardened-examples/k8s-hardened.yaml and
anchors-policy.md §2.1–2.2); the comments name the check each field is there for.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any

from stackc import ir
from stackc.targets.kubernetes import engines, env, monitoring, names
from stackc.targets.kubernetes.names import metadata, selector_labels

# Ephemeral storage is not in the language; these bounds are what the scratch emptyDirs and
# container logs need (Checkov does not check it, kube-score does: anchors-policy.md §2.3 item 12).
EPHEMERAL_REQUEST = "64Mi"
EPHEMERAL_LIMIT = "512Mi"
SCRATCH_SIZE = "256Mi"

# Checkov checks that each allowable policy corresponds to (POLICIES.md, last section): the
# `allow` reason is carried as a `checkov.io/skipN` annotation so one suppression serves both.
CHECKOV_CHECKS_BY_POLICY: dict[str, tuple[str, ...]] = {
    "SEC001": ("CKV_K8S_23", "CKV_K8S_40"),  # root-user: root containers, high uid
    "SEC002": ("CKV_K8S_25", "CKV_K8S_39"),  # added-capability: any added, SYS_ADMIN
    "SEC003": ("CKV_K8S_22",),  # writable-root-filesystem
    "SEC019": ("CKV_K8S_35",),  # secrets-in-environment: secretKeyRef
}


@dataclass
class Pod:
    """What differs between the pods stackc emits; the hardening around it is the same for all."""

    name: str
    component: str
    image: str
    user: int
    group: int
    read_only: bool = True
    capabilities: list[str] = field(default_factory=list)
    args: list[str] | None = None
    ports: dict[str, int] = field(default_factory=dict)
    env: list[dict[str, Any]] = field(default_factory=list)
    env_from: list[dict[str, Any]] = field(default_factory=list)
    tmpfs: list[str] = field(default_factory=lambda: ["/tmp"])
    mounts: list[dict[str, Any]] = field(default_factory=list)
    volumes: list[dict[str, Any]] = field(default_factory=list)
    probes: dict[str, Any] = field(default_factory=dict)
    requests: dict[str, str] = field(default_factory=dict)
    limits: dict[str, str] = field(default_factory=dict)
    spread: bool = False
    annotations: dict[str, str] = field(default_factory=dict)
    restart_policy: str | None = None


def checkov_skips(allows: dict[str, str]) -> dict[str, str]:
    """`checkov.io/skip1: CKV_K8S_23=<reason>` for each check an allowed finding covers."""
    out: dict[str, str] = {}
    pairs = sorted(
        {(check, reason) for code, reason in allows.items() for check in CHECKOV_CHECKS_BY_POLICY.get(code, ())}
    )
    for index, (check, reason) in enumerate(pairs, start=1):
        out[f"checkov.io/skip{index}"] = f"{check}={reason}"
    return out


def allowed_findings(
    model: ir.EnvironmentModel, block: ir.Service | ir.Database | ir.Queue, kind: str
) -> dict[str, str]:
    """Policy code -> reason, from the block's own `allow`s and `policy { allow … on = […] }`."""
    allows = {code: allow.reason for code, allow in block.allows.items()}
    if model.policy is not None:
        for code, allow in model.policy.allows.items():
            if any(ref.kind == kind and ref.name == block.name for ref in allow.on):
                allows.setdefault(code, allow.reason)
    return allows


def resources(pod: Pod) -> dict[str, Any]:
    # Requests and limits for cpu, memory and ephemeral storage: CKV_K8S_10..13 and
    # POLICIES.md's guarantee (Checkov silently skips a missing `requests`, so we never omit it).
    return {
        "requests": {**pod.requests, "ephemeral-storage": EPHEMERAL_REQUEST},
        "limits": {**pod.limits, "ephemeral-storage": EPHEMERAL_LIMIT},
    }


def container_security_context(pod: Pod) -> dict[str, Any]:
    capabilities: dict[str, Any] = {"drop": ["ALL"]}  # CKV_K8S_28/37, PSS capabilities_restricted
    if pod.capabilities:
        capabilities["add"] = sorted(pod.capabilities)
    return {
        "runAsNonRoot": pod.user != 0,
        "runAsUser": pod.user,
        "runAsGroup": pod.group,
        "allowPrivilegeEscalation": False,  # must be explicit: PSS and CKV_K8S_20 fail when unset
        "privileged": False,
        "readOnlyRootFilesystem": pod.read_only,
        "capabilities": capabilities,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def pod_security_context(pod: Pod) -> dict[str, Any]:
    # Pod-level seccomp decides CKV_K8S_31; fsGroup hands volumes to the non-root group.
    return {
        "runAsNonRoot": pod.user != 0,
        "runAsUser": pod.user,
        "runAsGroup": pod.group,
        "fsGroup": pod.group,
        "fsGroupChangePolicy": "OnRootMismatch",
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def scratch_volume_name(path: str) -> str:
    return "tmp-" + names.slug(path) if path != "/tmp" else "tmp"


def emit_container(pod: Pod) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": pod.name,
        "image": pod.image,
        # Always, also for tag-pinned images: CKV_K8S_15 and POLICIES.md's guarantee.
        "imagePullPolicy": "Always",
    }
    if pod.args is not None:
        # `command` in the language replaces the image's CMD, as Compose's `command` does: that
        # is Kubernetes' `args`; the image's ENTRYPOINT stays.
        container["args"] = list(pod.args)
    if pod.ports:
        container["ports"] = [
            {**({"name": names.port_name(n)} if names.port_name(n) else {}), "containerPort": p, "protocol": "TCP"}
            for n, p in pod.ports.items()
        ]
    if pod.env_from:
        container["envFrom"] = pod.env_from
    if pod.env:
        container["env"] = pod.env
    container["resources"] = resources(pod)
    container["securityContext"] = container_security_context(pod)
    container.update(pod.probes)
    mounts = [{"name": scratch_volume_name(p), "mountPath": p} for p in pod.tmpfs] + pod.mounts
    if mounts:
        container["volumeMounts"] = mounts
    return container


def emit_pod_template(model: ir.EnvironmentModel, pod: Pod) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "serviceAccountName": pod.name,
        "automountServiceAccountToken": False,  # CKV_K8S_38 reads only the pod spec
        "enableServiceLinks": False,  # no Docker-link variables leaking every Service's address
        "securityContext": pod_security_context(pod),
    }
    if pod.restart_policy:
        spec["restartPolicy"] = pod.restart_policy
    if pod.spread:
        selector = {"matchLabels": selector_labels(pod.name)}
        spec["topologySpreadConstraints"] = [
            {"maxSkew": 1, "topologyKey": key, "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": selector}
            for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
        ]
    spec["containers"] = [emit_container(pod)]
    # Only PSS-restricted volume types: emptyDir, secret, projected, configMap, PVC (PSS restrictedVolumes).
    volumes = [{"name": scratch_volume_name(p), "emptyDir": {"sizeLimit": SCRATCH_SIZE}} for p in pod.tmpfs]
    volumes += pod.volumes
    if volumes:
        spec["volumes"] = volumes
    template_meta: dict[str, Any] = {"labels": names.workload_labels(model, pod.name, pod.component)}
    if pod.annotations:
        template_meta["annotations"] = dict(sorted(pod.annotations.items()))
    return {"metadata": template_meta, "spec": spec}


def probes_from_health(service: ir.Service) -> dict[str, Any]:
    """LANGUAGE.md §5: readiness from `health`; liveness a cheaper, different handler (TCP on the
    same port) so a slow dependency never restarts pods; a `command` check's liveness runs the
    same command at three times the period and failure threshold; `start_period` is a startup
    probe. No `health`, no probes (REL001; Checkov CKV_K8S_8/9 then fail, as POLICIES.md allows)."""
    health = service.health
    if health is None:
        return {}
    timing = {
        "periodSeconds": names.seconds(health.interval),
        "timeoutSeconds": names.seconds(health.timeout),
        "failureThreshold": health.retries,
    }
    slow = {
        "periodSeconds": 3 * names.seconds(health.interval),
        "timeoutSeconds": names.seconds(health.timeout),
        "failureThreshold": 3 * health.retries,
    }
    if health.command is not None:
        ready: dict[str, Any] = {"exec": {"command": list(health.command)}}
        live = dict(ready)
        live_timing = slow
    else:
        port = health.port if health.http is not None else health.tcp
        assert isinstance(port, int), "ports are resolved to numbers by the front end"
        target = names.port_target(service, port)
        ready = (
            {"httpGet": {"path": health.http, "port": target}}
            if health.http is not None
            else {"tcpSocket": {"port": target}}
        )
        live = {"tcpSocket": {"port": target}}
        # A `tcp` check is already the cheapest handler: liveness differs in its timing instead.
        live_timing = timing if health.http is not None else slow
    probes: dict[str, Any] = {}
    if health.start_period.seconds > 0:
        period = names.seconds(health.interval)
        probes["startupProbe"] = {
            **live,
            "periodSeconds": period,
            "timeoutSeconds": names.seconds(health.timeout),
            "failureThreshold": max(1, math.ceil(health.start_period.seconds / period)) + health.retries,
        }
    probes["readinessProbe"] = {**ready, **timing}
    probes["livenessProbe"] = {**live, **live_timing}
    return probes


def engine_probes(engine: engines.Engine, secrets_dir: str) -> dict[str, Any]:
    command = [part.replace("{secrets}", secrets_dir) for part in engine.ready]
    return {
        "startupProbe": {
            "tcpSocket": {"port": engine.port_name},
            "periodSeconds": 5,
            "failureThreshold": engine.start_seconds // 5,
        },
        "readinessProbe": {
            "exec": {"command": command},
            "periodSeconds": 10,
            "timeoutSeconds": 5,
            "failureThreshold": 3,
        },
        "livenessProbe": {
            "tcpSocket": {"port": engine.port_name},
            "periodSeconds": 30,
            "timeoutSeconds": 5,
            "failureThreshold": 6,
        },
    }


def config_hash(data: dict[str, str]) -> str:
    # Pods roll when their configuration changes; the hash is of the data, so it is deterministic.
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def service_pod(model: ir.EnvironmentModel, service: ir.Service) -> tuple[Pod, dict[str, str]]:
    """The pod of a service, and its plain environment (for the ConfigMap)."""
    plan = env.plan_env(model, service)
    pod = Pod(
        name=service.name,
        component="service",
        image=service.image_ref,
        user=service.user,
        group=service.group,
        read_only=service.read_only,
        capabilities=list(service.capabilities),
        args=list(service.command) if service.command is not None else None,
        ports=dict(service.ports),
        tmpfs=list(service.tmpfs),
        probes=probes_from_health(service),
        requests={"cpu": service.resources.cpu.text, "memory": names.quantity(service.resources.memory)},
        limits={
            "cpu": service.resources.cpu_limit.text if service.resources.cpu_limit else service.resources.cpu.text,
            "memory": names.quantity(service.resources.memory_limit or service.resources.memory),
        },
    )
    if plan.plain:
        pod.env_from.append({"configMapRef": {"name": f"{service.name}-env"}})
        pod.annotations["stackc.dev/config-hash"] = config_hash(plan.plain)
    for key, (secret, secret_key, path) in sorted(plan.secret.items()):
        if service.secrets_in_env:
            # SEC019: the user chose environment variables; still never a literal value.
            pod.env.append({"name": key, "valueFrom": {"secretKeyRef": {"name": secret, "key": secret_key}}})
        else:
            pod.env.append({"name": f"{key}_FILE", "value": f"{env.SECRETS_DIR}/{path}"})
    if not service.secrets_in_env:
        volume = env.secret_volume(plan)
        if volume is not None:
            pod.volumes.append(volume)
            pod.mounts.append({"name": "secrets", "mountPath": env.SECRETS_DIR, "readOnly": True})
    for volume in service.volumes.values():
        pod.mounts.append({"name": f"{service.name}-{volume.name}", "mountPath": volume.path})
    for key, value in monitoring.tracing_env(model, service).items():
        pod.env.append({"name": key, "value": value})
    return pod, plan.plain


def static_replicas(model: ir.EnvironmentModel, service: ir.Service) -> int | None:
    """The Deployment's replicas, or None when an HPA owns the count (LANGUAGE.md §5)."""
    if service.autoscale is not None:
        return None
    return service.replicas if service.replicas is not None else model.environment.replicas


def min_replicas(model: ir.EnvironmentModel, service: ir.Service) -> int:
    if service.autoscale is None:
        return static_replicas(model, service) or 0
    # LANGUAGE.md §5: the HPA's minimum is at least 2 in prod-like environments.
    low = max(1, service.autoscale.min)
    return max(low, 2) if model.environment.prod_like else low


def emit_service_account(model: ir.EnvironmentModel, name: str, component: str) -> dict[str, Any]:
    # A dedicated account per workload, token not mounted (SEC025, CKV_K8S_41/42 on `default`).
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata(model, name, component),
        "automountServiceAccountToken": False,
    }


def emit_config_map(model: ir.EnvironmentModel, service: ir.Service, plain: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(model, f"{service.name}-env", "service"),
        "data": dict(sorted(plain.items())),
    }


def emit_deployment(
    model: ir.EnvironmentModel, pod: Pod, replicas: int | None, annotations: dict[str, str]
) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if replicas is not None:
        spec["replicas"] = replicas
    spec.update(
        {
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": selector_labels(pod.name)},
            # `rolling`: one extra pod at a time, never fewer than wanted (kube-score deployment-strategy).
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": emit_pod_template(model, pod),
        }
    )
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(model, pod.name, pod.component, annotations),
        "spec": spec,
    }


def emit_stateful_set(
    model: ir.EnvironmentModel,
    pod: Pod,
    replicas: int | None,
    annotations: dict[str, str],
    claims: list[tuple[str, str]],
) -> dict[str, Any]:
    """A StatefulSet with one volumeClaimTemplate per volume (name, size) and a headless Service."""
    spec: dict[str, Any] = {}
    if replicas is not None:
        spec["replicas"] = replicas
    spec.update(
        {
            "revisionHistoryLimit": 5,
            "serviceName": names.headless(pod.name),
            "podManagementPolicy": "OrderedReady",
            "selector": {"matchLabels": selector_labels(pod.name)},
            "updateStrategy": {"type": "RollingUpdate"},
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
            "template": emit_pod_template(model, pod),
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": claim, "labels": selector_labels(pod.name)},
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}},
                }
                for claim, size in claims
            ],
        }
    )
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": metadata(model, names.stateful_set(pod.name), pod.component, annotations),
        "spec": spec,
    }


def emit_pod_disruption_budget(model: ir.EnvironmentModel, name: str, component: str) -> dict[str, Any]:
    # AlwaysAllow: a crash-looping pod never blocks a node drain (kube-linter
    # pdb-unhealthy-pod-eviction-policy); maxUnavailable 1 is always below the replica count.
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(model, name, component),
        "spec": {
            "maxUnavailable": 1,
            "unhealthyPodEvictionPolicy": "AlwaysAllow",
            "selector": {"matchLabels": selector_labels(name)},
        },
    }


def emit_horizontal_pod_autoscaler(
    model: ir.EnvironmentModel, service: ir.Service, target_kind: str, target_api: str
) -> dict[str, Any]:
    autoscale = service.autoscale
    assert autoscale is not None
    metrics = []
    for resource, percent in (("cpu", autoscale.cpu), ("memory", autoscale.memory)):
        if percent is not None:
            metrics.append(
                {
                    "type": "Resource",
                    "resource": {
                        "name": resource,
                        "target": {"type": "Utilization", "averageUtilization": int(percent.value)},
                    },
                }
            )
    low = min_replicas(model, service)
    spec: dict[str, Any] = {
        "scaleTargetRef": {"apiVersion": target_api, "kind": target_kind, "name": service.name},
        "minReplicas": low,
        "maxReplicas": max(low, autoscale.max),
    }
    if metrics:
        spec["metrics"] = metrics
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata(model, service.name, "service"),
        "spec": spec,
    }
