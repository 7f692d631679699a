"""The Kubernetes target on every example, against the real validators (issue 7).

Every example (`examples/*/platform.stack` and copies of the spec's examples) is built with the
kubernetes target; every overlay is rendered with `kubectl kustomize`; the rendered objects of
core kinds validate with `kubernetes-validate --strict` against `stack.kubernetes`; Checkov's
kubernetes framework finds nothing but the failures POLICIES.md allows; and properties that no
validator checks (PSS restricted, network allow rules, secrets never in env) are checked here.

A validator that is missing fails the test when `CI=true` and skips it otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from building import build_target
from shared import SPEC_EXAMPLES
from stackc import ir
from stackc.frontend import compile_source
from stackc.targets import BuildContext
from stackc.targets.kubernetes import emit
from stackc.targets.kubernetes.kustomize import json_patch
from validators import require

ROOT = Path(__file__).resolve().parent.parent
SPEC_ENTRIES = ("shop.stack", "minimal.stack", "split/platform.stack")

# Kinds kubernetes-validate has schemas for; custom resources are skipped explicitly.
CORE_KINDS = {
    "Namespace",
    "ServiceAccount",
    "ConfigMap",
    "Service",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PersistentVolumeClaim",
    "PodDisruptionBudget",
    "HorizontalPodAutoscaler",
    "NetworkPolicy",
    "Ingress",
}
CUSTOM_KINDS = {
    "ExternalSecret",
    "ClusterSecretStore",
    "Password",
    "ClusterIssuer",
    "Rollout",
    "AnalysisTemplate",
    "ServiceMonitor",
    "PrometheusRule",
}
POD_KINDS = {"Deployment", "StatefulSet", "Rollout", "CronJob"}

# A stack whose every allowable finding is allowed: the `allow` reasons must become Checkov skips.
ALLOWED_STACK = """
stack allowed {
  owner = "acme"
}

secret token { source = generate() }

service legacy {
  image = "example/legacy:1.2.3"
  ports = { http = 8080 }
  user = 0
  read_only = false
  capabilities = [CHOWN]
  secrets_in_env = true
  env = { TOKEN = secret.token }
  health { http = "/ready" }
  allow SEC001 { reason = "the vendor image must start as root" }
  allow SEC002 { reason = "chowns its spool directory" }
  allow SEC003 { reason = "writes all over its root filesystem" }
  allow SEC019 { reason = "reads the token from the environment only" }
}
"""

# A gateway behind a Cloudflare tunnel, a service with a volume, a blue/green service and a
# container-form Postgres with a backup.
TUNNEL_STACK = """
stack tunneled {
  owner = "acme"
  domain = "example.com"
}

environment prod {
  approval = true
}

database books {
  engine = postgres
  version = "17.11"
  backup { retain = 3d }
}

service app {
  image = "example/app:2.0.1"
  ports = { http = 8080 }
  env = { DATABASE_URL = database.books.uri, MODE = "blue" }
  uses = [database.books]
  health { tcp = http  start_period = 20s }
  deploy { strategy = blue_green }
  slo availability { objective = 99.5% }
  volume cache { path = "/var/cache/app"  size = 2Gi }
}

service front {
  image = "example/front:2.0.1"
  ports = { http = 8080 }
  uses = [service.app]
  health { http = "/healthz" }
  deploy { strategy = blue_green }
  slo availability { objective = 99.5% }
}

gateway edge {
  tls = cloudflare()
  tunnel = cloudflare
  route "/" { to = service.front }
}
"""

# Strings that a careless emitter would turn into other YAML types or structure.
ESCAPING_STACK = r"""
stack esc {
  owner = "acme"
}

service web {
  image = "nginxinc/nginx-unprivileged:1.29.5-alpine"
  ports = { http = 8080 }
  health { http = "/" }
  env = {
    A = "yes"
    B = "0755"
    C = "a: b # c"
    D = "- item"
    E = "line one\nline two"
    F = "{{ .password }}"
    G = "*alias"
    H = "${service.web.url}"
    I = ""
    J = "'quoted' \"double\""
  }
}

gateway edge {
  tls = off
  headers = { Content-Security-Policy = "default-src 'self'; frame-ancestors 'none'", X-Odd = "on" }
  route "/" { to = service.web }
}
"""


@dataclass
class Built:
    name: str
    source: Path
    out: Path
    models: dict[str, ir.EnvironmentModel]
    files: dict[str, bytes]
    rendered: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    rendered_text: dict[str, str] = field(default_factory=dict)


def build(source: Path, out: Path) -> tuple[dict[str, ir.EnvironmentModel], dict[str, bytes]]:
    return build_target("kubernetes", source, out)


def example_sources(tmp: Path) -> list[tuple[str, Path]]:
    sources = [(p.parent.name, p) for p in sorted((ROOT / "examples").glob("*/platform.stack"))]
    if SPEC_EXAMPLES.is_dir():
        # Copies: nothing is ever written into /work/shared.
        copy = tmp / "spec-examples"
        shutil.copytree(SPEC_EXAMPLES, copy)
        for entry in SPEC_ENTRIES:
            if (copy / entry).exists():
                sources.append(("spec-" + entry.replace("/", "-").removesuffix(".stack"), copy / entry))
    for name, text in (("allowed", ALLOWED_STACK), ("escaping", ESCAPING_STACK), ("tunnel", TUNNEL_STACK)):
        folder = tmp / name
        folder.mkdir()
        (folder / "platform.stack").write_text(text)
        sources.append((name, folder / "platform.stack"))
    return sources


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    tmp = tmp_path_factory.mktemp("k8s")
    result = {}
    for name, source in example_sources(tmp):
        out = tmp / "out" / name
        models, files = build(source, out)
        result[name] = Built(name, source, out, models, files)
    return result


@pytest.fixture(scope="module")
def rendered(built: dict[str, Built]) -> dict[str, Built]:
    kubectl = require("kubectl")
    for item in built.values():
        for env in item.models:
            overlay = item.out / "kubernetes" / "overlays" / env
            proc = subprocess.run([kubectl, "kustomize", str(overlay)], capture_output=True, text=True, timeout=120)
            assert proc.returncode == 0, f"{item.name}/{env}: {proc.stderr}"
            item.rendered_text[env] = proc.stdout
            item.rendered[env] = [d for d in yaml.safe_load_all(proc.stdout) if d]
    return built


@pytest.fixture(scope="module")
def checkov_results(rendered: dict[str, Built], tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    """One Checkov run per example over its rendered overlays (plain files, not the kustomize
    folder, which Checkov would hand to its `kustomize` framework)."""
    checkov = require("checkov")
    results: dict[str, list[dict]] = {}
    for item in rendered.values():
        folder = tmp_path_factory.mktemp(f"checkov-{item.name}")
        for env, text in item.rendered_text.items():
            (folder / f"{env}.yaml").write_text(text)
        proc = subprocess.run(
            # Without --quiet: its JSON then leaves out `skipped_checks`, which the allow test reads.
            [checkov, "-d", str(folder), "--framework", "kubernetes", "--skip-download", "-o", "json"],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_PARALLELIZATION_TYPE": "none"},
        )
        assert proc.returncode in (0, 1), proc.stderr
        report = json.loads(proc.stdout) if proc.stdout.strip() else {}
        reports = report if isinstance(report, list) else [report]
        results[item.name] = [r for r in reports if r]
    return results


def pod_specs(doc: dict[str, Any]) -> list[dict[str, Any]]:
    if doc["kind"] == "CronJob":
        return [doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]]
    if doc["kind"] in POD_KINDS:
        return [doc["spec"]["template"]["spec"]]
    return []


def skipped_checks(doc: dict[str, Any]) -> set[str]:
    annotations = doc["metadata"].get("annotations", {})
    return {v.split("=", 1)[0] for k, v in annotations.items() if k.startswith("checkov.io/skip")}


# -- rendering and validation --------------------------------------------------------------------


def test_every_environment_renders(rendered: dict[str, Built]) -> None:
    for item in rendered.values():
        assert set(item.rendered) == set(item.models)
        for env, docs in item.rendered.items():
            namespace = item.models[env].environment.namespace
            kinds = {d["kind"] for d in docs}
            if item.name != "allowed":
                namespace_doc = next(d for d in docs if d["kind"] == "Namespace")
                assert namespace_doc["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
            assert "Namespace" in kinds and "NetworkPolicy" in kinds, (item.name, env)
            for doc in docs:
                assert doc["kind"] in CORE_KINDS | CUSTOM_KINDS, doc["kind"]
                if doc["kind"] not in ("Namespace", "ClusterIssuer", "ClusterSecretStore"):
                    assert doc["metadata"].get("namespace") == namespace, (item.name, env, doc["metadata"])
                else:
                    assert "namespace" not in doc["metadata"]


def test_cli_writes_the_same_tree(built: dict[str, Built], tmp_path: Path) -> None:
    """`stackc build FILE -o DIR --target kubernetes` writes exactly what the tests validate."""
    from stackc.cli import main

    item = built["shop"]
    assert main(["build", str(item.source), "-o", str(tmp_path), "--target", "kubernetes"]) == 0
    written = {
        p.relative_to(tmp_path).as_posix(): p.read_bytes() for p in (tmp_path / "kubernetes").rglob("*") if p.is_file()
    }
    assert written == item.files
    assert {p.split("/")[2] for p in written if p.startswith("kubernetes/overlays/")} == set(item.models)


def supported_versions() -> set[str]:
    try:
        from kubernetes_validate.utils import all_versions
    except ImportError:
        return set()
    return {".".join(v.split(".")[:2]) for v in all_versions()}


def test_core_objects_validate_strictly(rendered: dict[str, Built], tmp_path: Path) -> None:
    validator = require("kubernetes-validate")
    known = supported_versions()
    for item in rendered.values():
        for env, docs in item.rendered.items():
            version = item.models[env].stack.kubernetes
            assert not known or version in known, f"kubernetes-validate has no schemas for {version}: {sorted(known)}"
            version = version if version.count(".") == 2 else version + ".0"
            core = [d for d in docs if d["kind"] in CORE_KINDS]
            path = tmp_path / f"{item.name}-{env}.yaml"
            path.write_text(yaml.safe_dump_all(core))
            proc = subprocess.run(
                [validator, "--strict", "-k", version, "--quiet", "--no-warn", str(path)],
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert proc.returncode == 0, f"{item.name}/{env}: {proc.stdout}{proc.stderr}"


def test_checkov_finds_only_allowed_failures(rendered: dict[str, Built], checkov_results: dict[str, list]) -> None:
    for item in rendered.values():
        by_resource: dict[str, dict[str, Any]] = {}
        for docs in item.rendered.values():
            for doc in docs:
                by_resource[
                    f"{doc['kind']}.{doc['metadata'].get('namespace', 'default')}.{doc['metadata']['name']}"
                ] = doc
        reports = checkov_results[item.name]
        assert reports, f"{item.name}: Checkov reported nothing"
        for report in reports:
            assert report["summary"]["parsing_errors"] == 0, item.name
            for failure in report["results"]["failed_checks"]:
                check, resource = failure["check_id"], failure["resource"]
                doc = by_resource.get(resource)
                assert doc is not None, f"{item.name}: unexpected resource {resource} failed {check}"
                containers = [c for spec in pod_specs(doc) for c in spec["containers"]]
                if check == "CKV_K8S_43":
                    # Tag-pinned images; digests come from the pipeline (POLICIES.md).
                    assert all("@sha256:" not in c["image"] for c in containers), resource
                elif check in ("CKV_K8S_8", "CKV_K8S_9"):
                    # A service without `health` (REL001).
                    assert any("readinessProbe" not in c for c in containers), resource
                else:
                    pytest.fail(f"{item.name}: {resource} fails {check} ({failure['check_name']})")
        if item.name == "allowed":
            namespace = next(d for d in item.rendered["default"] if d["kind"] == "Namespace")
            labels = namespace["metadata"]["labels"]
            # Root cannot start under `restricted`: enforce baseline, keep auditing restricted.
            assert labels["pod-security.kubernetes.io/enforce"] == "baseline"
            assert labels["pod-security.kubernetes.io/audit"] == "restricted"
            skipped = {s["check_id"] for r in reports for s in r["results"]["skipped_checks"]}
            assert {"CKV_K8S_22", "CKV_K8S_23", "CKV_K8S_25", "CKV_K8S_35", "CKV_K8S_40"} <= skipped


# -- properties ------------------------------------------------------------------------------------

PSS_VOLUMES = {
    "configMap",
    "downwardAPI",
    "emptyDir",
    "projected",
    "secret",
    "csi",
    "persistentVolumeClaim",
    "ephemeral",
}


def test_every_pod_is_pss_restricted(rendered: dict[str, Built]) -> None:
    """The restricted profile as PSA checks it (anchors-policy.md §2.0) plus POLICIES.md's own
    guarantees, except where the user allowed a finding (and Checkov is told so)."""
    for item in rendered.values():
        for env, docs in item.rendered.items():
            for doc in docs:
                skips = skipped_checks(doc)
                for spec in pod_specs(doc):
                    where = f"{item.name}/{env}/{doc['kind']}/{doc['metadata']['name']}"
                    assert spec["automountServiceAccountToken"] is False, where
                    assert spec["serviceAccountName"] not in ("", "default"), where
                    for host in ("hostNetwork", "hostPID", "hostIPC"):
                        assert not spec.get(host), where
                    pod_context = spec["securityContext"]
                    assert pod_context["seccompProfile"]["type"] == "RuntimeDefault", where
                    for volume in spec.get("volumes", []):
                        assert set(volume) - {"name"} <= PSS_VOLUMES, where
                    for container in spec["containers"] + spec.get("initContainers", []):
                        context = container["securityContext"]
                        assert context["allowPrivilegeEscalation"] is False, where
                        assert not context.get("privileged"), where
                        assert "ALL" in context["capabilities"]["drop"], where
                        assert container["imagePullPolicy"] == "Always", where
                        assert all("hostPort" not in p for p in container.get("ports", [])), where
                        for kind in ("requests", "limits"):
                            assert set(container["resources"][kind]) >= {"cpu", "memory", "ephemeral-storage"}, where
                        if "CKV_K8S_23" not in skips:
                            assert pod_context["runAsNonRoot"] is True and context["runAsNonRoot"] is True, where
                            assert context["runAsUser"] >= 10000 and context["runAsGroup"] >= 10000, where
                            assert pod_context["fsGroup"] >= 10000, where
                        if "CKV_K8S_25" not in skips:
                            assert set(context["capabilities"].get("add", [])) <= {"NET_BIND_SERVICE"}, where
                        if "CKV_K8S_22" not in skips:
                            assert context["readOnlyRootFilesystem"] is True, where
                        probes = [p for p in ("readinessProbe", "livenessProbe") if p in container]
                        if len(probes) == 2:
                            # kube-score pod-probes-identical: readiness and liveness differ.
                            assert container["readinessProbe"] != container["livenessProbe"], where


def allowed_peers(model: ir.EnvironmentModel) -> set[tuple[str, str, str, int]]:
    """(direction, workload, peer, port) that the model allows: `uses` edges in both halves,
    backup jobs to their database, the ingress controller to routed services and Prometheus to
    metrics ports. `peer` is a pod name, `ns:<namespace>` or `cidr:<block>`."""
    from stackc.targets.kubernetes import backups, engines, monitoring, network, tunnel

    allowed: set[tuple[str, str, str, int]] = set()

    def ports_of(kind: str, name: str) -> list[int]:
        return network.workload_ports(model, kind, name)

    for service in model.services.values():
        for ref in service.uses:
            backing = model.databases.get(ref.name) if ref.kind == "database" else model.queues.get(ref.name)
            if backing is not None and backing.form != "container":
                allowed.add(("egress", service.name, f"cidr:{network.EXTERNAL_CIDR}", engines.engine_of(backing).port))
                continue
            for port in ports_of(ref.kind, ref.name):
                allowed.add(("egress", service.name, ref.name, port))
                allowed.add(("ingress", ref.name, service.name, port))
    for backing in backups.backed_up(model):
        job, port = backups.job_name(backing), engines.engine_of(backing).port
        if backing.form == "container":
            allowed.add(("egress", job, backing.name, port))
            allowed.add(("ingress", backing.name, job, port))
        else:
            allowed.add(("egress", job, f"cidr:{network.EXTERNAL_CIDR}", port))
    for gateway in model.gateways.values():
        connector = tunnel.deployment_name(gateway)
        for route in gateway.routes.values():
            service = model.services[route.to.name]
            port = route.port if isinstance(route.port, int) else service.primary_port[1]  # type: ignore[index]
            if gateway.tunnel == "none":
                allowed.add(("ingress", service.name, "ns:ingress-nginx", port))
            else:
                allowed.add(("egress", connector, service.name, port))
                allowed.add(("ingress", service.name, connector, port))
        if gateway.tunnel != "none":
            allowed.update(("egress", connector, f"cidr:{network.EXTERNAL_CIDR}", p) for p, _ in tunnel.EDGE_PORTS)
    if model.observability is not None and model.observability.metrics == "prometheus":
        for service in model.services.values():
            port = monitoring.metrics_port(service)
            if port is not None:
                allowed.add(("ingress", service.name, "ns:monitoring", port))
    trace_port = monitoring.trace_port(model)
    if trace_port is not None:
        for service in model.services.values():
            allowed.add(("egress", service.name, "ns:monitoring", trace_port))
    return allowed


def peer_name(peer: dict[str, Any]) -> str:
    if "ipBlock" in peer:
        return f"cidr:{peer['ipBlock']['cidr']}"
    if "namespaceSelector" in peer and "podSelector" not in peer:
        return "ns:" + peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
    assert "namespaceSelector" not in peer, peer
    return peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]


DNS_RULE = {
    "to": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
    "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
}


def test_network_policies_allow_only_declared_edges(rendered: dict[str, Built]) -> None:
    for item in rendered.values():
        for env, docs in item.rendered.items():
            model = item.models[env]
            allowed = allowed_peers(model)
            policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
            deny = [p for p in policies if p["metadata"]["name"] == "default-deny"]
            assert deny and deny[0]["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
            found: set[tuple[str, str, str, int]] = set()
            for policy in policies:
                if policy is deny[0]:
                    continue
                workload = policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
                for direction, peers_key in (("ingress", "from"), ("egress", "to")):
                    for rule in policy["spec"].get(direction, []):
                        if direction == "egress" and rule == DNS_RULE:
                            continue
                        for peer in rule[peers_key]:
                            for port in rule["ports"]:
                                edge = (direction, workload, peer_name(peer), port["port"])
                                assert edge in allowed, f"{item.name}/{env}: {edge} is not declared"
                                found.add(edge)
            # Both halves of every edge are there: nothing declared is blocked.
            assert found == allowed, f"{item.name}/{env}: missing {allowed - found}"


def test_no_environment_variable_carries_a_secret(rendered: dict[str, Built]) -> None:
    for item in rendered.values():
        for env, docs in item.rendered.items():
            model = item.models[env]
            config_maps = {d["metadata"]["name"]: d.get("data", {}) for d in docs if d["kind"] == "ConfigMap"}
            for doc in docs:
                for spec in pod_specs(doc):
                    for container in spec["containers"]:
                        service = model.services.get(container["name"])
                        in_env = service is not None and service.secrets_in_env
                        for source in container.get("envFrom", []):
                            assert "secretRef" not in source
                        for variable in container.get("env", []):
                            if "valueFrom" in variable:
                                assert in_env and "secretKeyRef" in variable["valueFrom"], (item.name, variable)
                        if service is None:
                            continue
                        secret_keys = {
                            k
                            for k, v in service.env.items()
                            if not isinstance(v, str) and getattr(v, "is_secret", False)
                        }
                        plain = config_maps.get(f"{service.name}-env", {})
                        names = {v["name"]: v for v in container.get("env", [])}
                        for key in secret_keys:
                            assert key not in plain, (item.name, key)
                            if in_env:
                                assert "secretKeyRef" in names[key]["valueFrom"]
                            else:
                                assert names[f"{key}_FILE"]["value"].startswith("/run/secrets/"), (item.name, key)


def test_rollouts_and_autoscalers(rendered: dict[str, Built]) -> None:
    """`canary`/`blue_green` -> Rollout, `rolling` -> Deployment; with `autoscale` no static
    replicas and an HPA minimum of at least 2 in prod-like environments (LANGUAGE.md §5)."""
    for item in rendered.values():
        for env, docs in item.rendered.items():
            model = item.models[env]
            by_key = {(d["kind"], d["metadata"]["name"]): d for d in docs}
            for service in model.services.values():
                kinds = {k for (k, n) in by_key if n == service.name}
                if service.volumes:
                    workload = by_key[("StatefulSet", service.name)]
                elif service.deploy.strategy != "rolling" and service.ports:
                    workload = by_key[("Rollout", service.name)]
                    assert "Deployment" not in kinds
                else:
                    workload = by_key[("Deployment", service.name)]
                if service.autoscale is not None:
                    assert "replicas" not in workload["spec"]
                    hpa = by_key[("HorizontalPodAutoscaler", service.name)]
                    assert hpa["spec"]["scaleTargetRef"]["kind"] == workload["kind"]
                    if model.environment.prod_like:
                        assert hpa["spec"]["minReplicas"] >= 2
                else:
                    assert workload["spec"]["replicas"] == service.replicas
                replicas = workload["spec"].get("replicas") or by_key.get(
                    ("HorizontalPodAutoscaler", service.name), {}
                ).get("spec", {}).get("minReplicas", 1)
                if replicas > 1:
                    pdb = by_key[("PodDisruptionBudget", service.name)]
                    assert pdb["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow"
                    assert workload["spec"]["template"]["spec"]["topologySpreadConstraints"]


# -- escaping and determinism --------------------------------------------------------------------


def test_strings_survive_yaml_and_kustomize(rendered: dict[str, Built]) -> None:
    item = rendered["escaping"]
    docs = item.rendered["default"]
    data = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "web-env")["data"]
    assert data == {
        "A": "yes",
        "B": "0755",
        "C": "a: b # c",
        "D": "- item",
        "E": "line one\nline two",
        "F": "{{ .password }}",
        "G": "*alias",
        "H": "http://web:8080",
        "I": "",
        "J": "'quoted' \"double\"",
    }
    headers = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "edge-headers")["data"]
    assert headers["X-Odd"] == "on"
    assert "X-Frame-Options" not in headers  # the CSP sets frame-ancestors
    ingress = next(d for d in docs if d["kind"] == "Ingress")
    assert not any(k.endswith("-snippet") for k in ingress["metadata"]["annotations"])


def test_build_is_deterministic(built: dict[str, Built], tmp_path: Path) -> None:
    for item in built.values():
        _, again = build(item.source, tmp_path / item.name)
        assert again == item.files, item.name


def apply_json_patch(doc: Any, ops: list[dict[str, Any]]) -> Any:
    import copy

    doc = copy.deepcopy(doc)
    for op in ops:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        if not parts:
            doc = op["value"]
            continue
        parent = doc
        for part in parts[:-1]:
            parent = parent[part]
        if op["op"] == "remove":
            del parent[parts[-1]]
        else:
            parent[parts[-1]] = op["value"]
    return doc


@pytest.mark.parametrize(
    ("base", "target"),
    [
        ({"a": 1, "b": {"c": [1, 2]}}, {"a": 1, "b": {"c": [2]}}),
        (
            {"metadata": {"labels": {"app.kubernetes.io/name": "x"}}},
            {"metadata": {"labels": {"app.kubernetes.io/name": "y"}}},
        ),
        ({"a": {"b": 1, "c": 2}}, {"a": {"c": 3, "d~x": 4}}),
        ({"spec": {"replicas": 2}}, {"spec": {}}),
    ],
)
def test_json_patch_turns_base_into_target(base: dict[str, Any], target: dict[str, Any]) -> None:
    assert apply_json_patch(base, json_patch(base, target)) == target


BACKUP_STACK = """\
stack shop { owner = "acme" }

database ledger {
  engine  = mysql
  version = "8.4.3"
  backup  { schedule = "30 2 * * *"  retain = 3d }
}

database orders {
  engine  = postgres
  version = "16.4"
  backup  { schedule = "0 3 * * *" }
}
"""


def test_every_engine_with_a_backup_gets_a_dump_cron_job(tmp_path: Path) -> None:
    source = tmp_path / "platform.stack"
    source.write_text(BACKUP_STACK)
    _, files = build(source, tmp_path / "out")
    jobs = {}
    for data in files.values():
        for doc in yaml.safe_load_all(data):
            if isinstance(doc, dict) and doc.get("kind") == "CronJob":
                container = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
                jobs[doc["metadata"]["name"]] = (doc["spec"]["schedule"], " ".join(container["args"]))
    assert jobs["ledger-backup"][0] == "30 2 * * *" and "mysqldump" in jobs["ledger-backup"][1]
    assert "MYSQL_PWD=" in jobs["ledger-backup"][1], "the password must not be on the command line"
    assert jobs["orders-backup"][0] == "0 3 * * *" and "pg_dump" in jobs["orders-backup"][1]


def test_a_queue_backup_the_cluster_cannot_run_is_reported_not_dropped() -> None:
    source = b'stack s { owner = "a" }\nqueue jobs {\n  engine = rabbitmq\n  version = "3.13.7"\n'
    compilation = compile_source(source + b"  backup { retain = 3d }\n}\n", "platform.stack")
    output = emit(BuildContext(compilation.models, list(compilation.models), "platform.stack"))
    assert [(d.code, d.span.line) for d in output.diagnostics if d.span] == [("E0490", 5)]
