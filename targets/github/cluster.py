"""The steps that talk to a cluster, shared by `deploy.yml` and `preview.yml`.

Every value a script needs arrives through `env:` (user text escaped with `literal`), so each
script below is fixed text that shellcheck sees and no expression ever reaches a `run:`. Object
names and namespaces come from the Kubernetes target itself (`environment_objects`), so the
workflow waits for and rolls back exactly the objects that `kubectl apply -k` created.

Scripts run under `bash -eo pipefail` (the workflows' `defaults`). The cluster credentials are
files under `$RUNNER_TEMP` (mode 600), which every later script points kubectl and the AWS CLI at.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from stackc import ir
from stackc.diagnostics import Diagnostic, Severity
from stackc.targets.kubernetes import environment_objects
from stackc.targets.kubernetes.alerting import credential_secret_name, notify_secrets
from stackc.targets.kubernetes.monitoring import MONITORING_NAMESPACE

from .expressions import literal
from .jobs import registry_login

# The output folder (the stack file's `deploy/`) as ci.py's config scan names it.
KUBERNETES = "deploy/kubernetes"
# A kustomization of stackc's own beside the overlays: it takes one overlay as its base and pins
# the images to this commit (and, for previews, sets the namespace and hosts). Kustomize allows a
# base outside the kustomization's folder, and relative paths keep its load restrictions intact.
PINNED = f"{KUBERNETES}/stackc-pinned"
SHELL = {"run": {"shell": "bash"}}
PRELUDE = (
    'export KUBECONFIG="${RUNNER_TEMP}/kubeconfig"\n'
    'export AWS_SHARED_CREDENTIALS_FILE="${RUNNER_TEMP}/aws-credentials"\n'
)
# Every kind `kubectl rollout status` can follow; Argo Rollouts are followed by polling instead
# (no `kubectl argo rollouts` plugin on the runner, and no verified release to install).
ROLLING_KINDS = {"Deployment": "deployment", "StatefulSet": "statefulset"}
# A host name a URL can hold as it is; a gateway host that is anything else gets no smoke test.
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOSTNAME = re.compile(rf"(?=.{{1,253}}\Z)({_LABEL}\.)*{_LABEL}")


@dataclass(frozen=True)
class Workloads:
    """What one environment runs, as `kind/name` for kubectl."""

    rolling: list[str]  # Deployments and StatefulSets
    rollouts: list[str]  # Argo Rollouts (canary, blue_green)
    undo: list[str]  # rolling workloads to return to their previous revision on failure
    abort: list[str]  # Rollouts to abort on failure

    @staticmethod
    def of(model: ir.EnvironmentModel, objects: list[dict[str, Any]]) -> Workloads:
        rolling, rollouts, undo, abort = [], [], [], []
        for obj in objects:
            kind, name = obj["kind"], obj["metadata"]["name"]
            service = model.services.get(name)
            # `deploy { rollback = false }` leaves a failed rollout where it stopped, for debugging.
            rollback = service is None or service.deploy.rollback
            if kind in ROLLING_KINDS:
                rolling.append(f"{ROLLING_KINDS[kind]}/{name}")
                if rollback:
                    undo.append(f"{ROLLING_KINDS[kind]}/{name}")
            elif kind == "Rollout":
                rollouts.append(name)
                if rollback:
                    abort.append(name)
        return Workloads(rolling, rollouts, undo, abort)


def cluster_objects(model: ir.EnvironmentModel) -> list[dict[str, Any]]:
    """The environment's objects as the Kubernetes target makes them (less its rules, which no
    step reads): computed once per job and handed to each step that looks at them."""
    return environment_objects(model, rules=False)


def lines(items: list[str]) -> str:
    return literal("".join(f"{item}\n" for item in items))


def wait_seconds(timeout_minutes: int) -> int:
    """The rollout wait's share of the job's limit: 60%, at least a minute. The rest is left for
    credentials, apply, smoke tests and the rollback, which must run before the job is cut off."""
    return max(60, math.floor(timeout_minutes * 60 * 0.6))


def credentials(model: ir.EnvironmentModel) -> dict[str, Any]:
    """Cluster access for the job's GitHub environment, never a repository-wide secret: with
    `stack.cloud = aws` an OIDC token is exchanged for the environment's deploy role (variables
    `AWS_ROLE_ARN`, `EKS_CLUSTER`, and `AWS_REGION` when the stack has no `region`); otherwise the
    environment's secret `KUBECONFIG` is written to a file only the runner user can read."""
    if model.stack.cloud == "aws":
        region = literal(model.stack.region) if model.stack.region else "${{ vars.AWS_REGION }}"
        return {
            "name": "Cluster credentials (AWS OIDC)",
            "id": "aws-oidc",
            "env": {
                "AWS_ROLE_ARN": "${{ vars.AWS_ROLE_ARN }}",
                "EKS_CLUSTER": "${{ vars.EKS_CLUSTER }}",
                "AWS_REGION": region,
            },
            "run": AWS_OIDC,
        }
    return {
        "name": "Cluster credentials (KUBECONFIG secret)",
        "id": "kubeconfig",
        "env": {"KUBECONFIG_DATA": "${{ secrets.KUBECONFIG }}"},
        "run": KUBECONFIG_FILE,
    }


AWS_OIDC = (
    PRELUDE
    + """umask 077
if [ -z "${AWS_ROLE_ARN}" ] || [ -z "${EKS_CLUSTER}" ] || [ -z "${AWS_REGION}" ]; then
  echo "::error::set AWS_ROLE_ARN, EKS_CLUSTER (and AWS_REGION) as variables of this GitHub environment"
  exit 1
fi
token=$(curl --fail --silent --show-error \\
  -H "Authorization: bearer ${ACTIONS_ID_TOKEN_REQUEST_TOKEN}" \\
  "${ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sts.amazonaws.com" | jq -r .value)
echo "::add-mask::${token}"
credentials=$(aws sts assume-role-with-web-identity \\
  --role-arn "${AWS_ROLE_ARN}" \\
  --role-session-name "stackc-${GITHUB_RUN_ID}" \\
  --web-identity-token "${token}" \\
  --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
read -r key secret session <<< "${credentials}"
echo "::add-mask::${secret}"
echo "::add-mask::${session}"
aws configure set aws_access_key_id "${key}"
aws configure set aws_secret_access_key "${secret}"
aws configure set aws_session_token "${session}"
aws eks update-kubeconfig --name "${EKS_CLUSTER}" --region "${AWS_REGION}"
"""
)

KUBECONFIG_FILE = (
    PRELUDE
    + """umask 077
if [ -z "${KUBECONFIG_DATA}" ]; then
  echo "::error::set the secret KUBECONFIG in this GitHub environment"
  exit 1
fi
printf '%s\\n' "${KUBECONFIG_DATA}" > "${KUBECONFIG}"
"""
)

# Writes the pinned kustomization from the environment (JSON is YAML): the overlay as its base,
# every built image at the digest CI pushed as `sha-<commit>`, and for a preview its own namespace
# and the Ingress hosts and references that carry the overlay's namespace or host.
PIN = """python3 - <<'PY'
import json
import os
import subprocess
import sys


def digest(image):
    # The digest CI pushed for this commit: a tag can be moved, a digest names one image forever.
    reference = image + ":sha-" + os.environ["GITHUB_SHA"]
    command = ["docker", "buildx", "imagetools", "inspect", reference, "--format", "{{json .Manifest}}"]
    found = subprocess.run(command, capture_output=True, text=True)
    if found.returncode != 0:
        print("::error::" + reference + " is not in the registry: deploy a commit whose CI pushed its images")
        sys.stderr.write(found.stderr)
        sys.exit(1)
    return json.loads(found.stdout)["digest"]


kustomization = {
    "apiVersion": "kustomize.config.k8s.io/v1beta1",
    "kind": "Kustomization",
    "resources": ["../overlays/" + os.environ["OVERLAY"]],
    "images": [{"name": image, "digest": digest(image)} for image in json.loads(os.environ["IMAGES"])],
}
namespace = os.environ.get("PREVIEW_NAMESPACE", "")
if namespace:
    kustomization["namespace"] = namespace
    patches = {}
    for edit in json.loads(os.environ["PREVIEW_EDITS"]):
        if edit["host"]:
            value = os.environ["PREVIEW_HOST_PREFIX"] + edit["value"]
        else:
            value = namespace + edit["value"][len(os.environ["OVERLAY_NAMESPACE"]) :]
        patches.setdefault(edit["name"], []).append({"op": "replace", "path": edit["path"], "value": value})
    kustomization["patches"] = [
        {"target": {"kind": "Ingress", "name": name}, "patch": json.dumps(ops)} for name, ops in patches.items()
    ]
os.makedirs(os.environ["PINNED"], exist_ok=True)
with open(os.path.join(os.environ["PINNED"], "kustomization.yaml"), "w", encoding="utf-8") as file:
    json.dump(kustomization, file, indent=2)
PY
"""

# The revision each rolling workload runs before the apply, so that a rollback returns to exactly
# that (an undo without `--to-revision` would also step back workloads this deploy did not change).
RECORD = """: > "${RUNNER_TEMP}/revisions"
while IFS= read -r workload; do
  [ -n "${workload}" ] || continue
  revision=""
  case "${workload}" in
    deployment/*)
      revision=$(kubectl get "${workload}" -n "${NAMESPACE}" --ignore-not-found \\
        -o jsonpath='{.metadata.annotations.deployment\\.kubernetes\\.io/revision}')
      ;;
    statefulset/*)
      current=$(kubectl get "${workload}" -n "${NAMESPACE}" --ignore-not-found -o jsonpath='{.status.currentRevision}')
      if [ -n "${current}" ]; then
        revision=$(kubectl get controllerrevision "${current}" -n "${NAMESPACE}" -o jsonpath='{.revision}')
      fi
      ;;
  esac
  if [ -n "${revision}" ]; then
    printf '%s %s\\n' "${workload}" "${revision}" >> "${RUNNER_TEMP}/revisions"
  fi
done <<< "${UNDO}"
# A Rollout's pod template before the apply: what a failed deploy puts back.
while IFS= read -r rollout; do
  [ -n "${rollout}" ] || continue
  template=$(kubectl get rollout "${rollout}" -n "${NAMESPACE}" --ignore-not-found -o jsonpath='{.spec.template}')
  if [ -n "${template}" ]; then
    printf '%s' "${template}" > "${RUNNER_TEMP}/rollout-${rollout}.json"
  fi
done <<< "${ABORT}"
"""

APPLY = 'kubectl apply -k "${PINNED}"\n'

WAIT = (
    PRELUDE
    + """deadline=$((SECONDS + WAIT_SECONDS))
while IFS= read -r workload; do
  [ -n "${workload}" ] || continue
  remaining=$((deadline - SECONDS))
  if [ "${remaining}" -lt 1 ]; then remaining=1; fi
  kubectl rollout status "${workload}" -n "${NAMESPACE}" --timeout="${remaining}s"
done <<< "${WORKLOADS}"
while IFS= read -r rollout; do
  [ -n "${rollout}" ] || continue
  while :; do
    state=$(kubectl get rollout "${rollout}" -n "${NAMESPACE}" \\
      -o jsonpath='{.metadata.generation} {.status.observedGeneration} {.status.phase}')
    read -r generation observed phase <<< "${state}"
    if [ "${observed}" = "${generation}" ]; then
      case "${phase}" in
        Healthy) echo "rollout ${rollout} is Healthy"; break ;;
        Degraded) echo "::error::rollout ${rollout} is Degraded (failed analysis or progress deadline)"; exit 1 ;;
      esac
    fi
    if [ "${SECONDS}" -ge "${deadline}" ]; then
      echo "::error::rollout ${rollout} is not Healthy after ${WAIT_SECONDS}s (phase: ${phase:-unknown})"
      exit 1
    fi
    sleep 10
  done
done <<< "${ROLLOUTS}"
"""
)

ROLLBACK = (
    PRELUDE
    + """status=0
if [ -f "${RUNNER_TEMP}/revisions" ]; then
  while read -r workload revision; do
    echo "rolling back ${workload} to revision ${revision}"
    kubectl rollout undo "${workload}" -n "${NAMESPACE}" --to-revision="${revision}" || status=1
  done < "${RUNNER_TEMP}/revisions"
fi
while IFS= read -r rollout; do
  [ -n "${rollout}" ] || continue
  phase=$(kubectl get rollout "${rollout}" -n "${NAMESPACE}" --ignore-not-found -o jsonpath='{.status.phase}')
  if [ -n "${phase}" ] && [ "${phase}" != "Healthy" ]; then
    echo "aborting rollout ${rollout} (${phase}): traffic returns to the stable version"
    kubectl patch rollout "${rollout}" -n "${NAMESPACE}" --subresource=status --type=merge \\
      -p '{"status":{"abort":true}}' || status=1
  fi
  # Then the template it ran before, whether the new one failed its analysis or passed it and
  # failed the smoke test: the stable ReplicaSet matches it, so Argo Rollouts returns to it.
  saved="${RUNNER_TEMP}/rollout-${rollout}.json"
  if [ -f "${saved}" ]; then
    current=$(kubectl get rollout "${rollout}" -n "${NAMESPACE}" --ignore-not-found -o jsonpath='{.spec.template}')
    if [ "${current}" != "$(cat "${saved}")" ]; then
      echo "restoring the previous pod template of rollout ${rollout}"
      kubectl patch rollout "${rollout}" -n "${NAMESPACE}" --type=json \\
        -p "[{\\"op\\": \\"replace\\", \\"path\\": \\"/spec/template\\", \\"value\\": $(cat "${saved}")}]" || status=1
    fi
  fi
done <<< "${ABORT}"
exit "${status}"
"""
)

# The environment's `env(VAR)` secrets become Secrets from the GitHub environment's secret VAR
# (the value goes through stdin, never a command line; server-side apply keeps no copy in an
# annotation). `file()` secrets are local: the job only checks that someone created them.
SECRETS = (
    PRELUDE
    + """while read -r name variable; do
  [ -n "${name}" ] || continue
  holder="STACKC_SECRET_${variable}"
  if [ -z "${!holder:-}" ]; then
    echo "::error::set the secret ${variable} in this GitHub environment: the value of secret ${name}"
    exit 1
  fi
  printf '%s' "${!holder}" \\
    | kubectl create secret generic "${name}" -n "${NAMESPACE}" --from-file=value=/dev/stdin --dry-run=client -o yaml \\
    | kubectl apply --server-side --field-manager=stackc-deploy -f -
done <<< "${FROM_ENVIRONMENT}"
while IFS= read -r name; do
  [ -n "${name}" ] || continue
  if ! kubectl get secret "${name}" -n "${NAMESPACE}" > /dev/null 2>&1; then
    echo "::error::secret ${name} comes from file(), which only a developer's machine has:" \\
      "create it in ${NAMESPACE} or give it an env() or vault() source"
    exit 1
  fi
done <<< "${LOCAL}"
"""
)

SMOKE = """while IFS= read -r url; do
  [ -n "${url}" ] || continue
  echo "GET ${url}"
  curl --fail --silent --show-error --output /dev/null --max-time 10 --retry 5 --retry-all-errors "${url}"
done <<< "${URLS}"
"""


def built_images(model: ir.EnvironmentModel) -> list[str]:
    return sorted({s.image_ref for s in model.services.values() if s.build is not None})


def images(model: ir.EnvironmentModel) -> str:
    return literal(json.dumps(built_images(model)))


def registry_logins(model: ir.EnvironmentModel) -> list[dict[str, Any]]:
    """Read access to the registries of the built images, to look up the digests the apply pins:
    GHCR with the job's token (`packages: read`); another registry with the GitHub environment's
    own `REGISTRY_USERNAME` and `REGISTRY_PASSWORD` secrets."""
    registries = sorted({image.split("/", 1)[0] for image in built_images(model)})
    return [registry_login(r, f"Log in to {literal(r)} (read)", "login-ghcr-read") for r in registries]


def apply_step(
    model: ir.EnvironmentModel, namespace: str, preview: bool, objects: list[dict[str, Any]]
) -> dict[str, Any]:
    env: dict[str, str] = {
        "OVERLAY": literal(model.name),
        "NAMESPACE": namespace,
        "PINNED": PINNED,
        "IMAGES": images(model),
    }
    if not preview:
        workloads = Workloads.of(model, objects)
        env["UNDO"] = lines(workloads.undo)
        env["ABORT"] = lines(workloads.abort)
    else:
        env |= {
            "PREVIEW_NAMESPACE": namespace,
            "OVERLAY_NAMESPACE": literal(model.environment.namespace or ""),
            "PREVIEW_HOST_PREFIX": "${{ steps.preview.outputs.host_prefix }}",
            "PREVIEW_EDITS": literal(json.dumps(preview_edits(model, objects))),
        }
    # A preview has nothing to roll back to: the revisions are recorded for deploys only.
    script = PRELUDE + PIN + ("" if preview else RECORD) + APPLY
    return {"name": f"Apply overlays/{literal(model.name)} at this commit", "id": "apply", "env": env, "run": script}


# What GitHub accepts as a secret's name.
SECRET_NAME = re.compile(r"(?!GITHUB_)[A-Za-z_][A-Za-z0-9_]*\Z", re.IGNORECASE)


def _pod_specs(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = obj.get("spec", {})
    if obj["kind"] == "CronJob":
        return [spec["jobTemplate"]["spec"]["template"]["spec"]]
    template = spec.get("template")
    return [template["spec"]] if isinstance(template, dict) and "spec" in template else []


def mounted_secrets(model: ir.EnvironmentModel, objects: list[dict[str, Any]]) -> list[ir.Secret]:
    """The declared secrets the environment's pods read: items of their volumes (the Kubernetes
    target mounts secrets as projected or secret volumes) and `secretKeyRef` variables."""
    found: set[str] = set()
    for obj in objects:
        for pod in _pod_specs(obj):
            for volume in pod.get("volumes", []):
                if "secret" in volume:
                    found.add(volume["secret"]["secretName"])
                for source in volume.get("projected", {}).get("sources", []):
                    if "secret" in source:
                        found.add(source["secret"]["name"])
            for container in [*pod.get("initContainers", []), *pod.get("containers", [])]:
                for variable in container.get("env", []):
                    reference = variable.get("valueFrom", {}).get("secretKeyRef")
                    if reference:
                        found.add(reference["name"])
    return [secret for name, secret in model.secrets.items() if name in found]


def from_environment(named: list[tuple[str, ir.Secret]], env: dict[str, str]) -> list[str]:
    """`<Secret name> <VAR>` lines for the `env(VAR)` secrets among (Secret name, secret), each
    VAR's value added to the step's `env` as `STACKC_SECRET_<VAR>` from the GitHub environment's
    secret VAR (a VAR GitHub cannot name is reported by `secret_name_diagnostics`)."""
    pairs = []
    for name, secret in named:
        if isinstance(secret.source, ir.EnvSource) and SECRET_NAME.match(secret.source.variable):
            variable = secret.source.variable
            pairs.append(f"{name} {variable}")
            env[f"STACKC_SECRET_{variable}"] = f"${{{{ secrets.{variable} }}}}"
    return pairs


def secrets_step(model: ir.EnvironmentModel, namespace: str, objects: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Creates the environment's `env()` secrets in the cluster, checks its `file()` ones exist."""
    env: dict[str, str] = {"NAMESPACE": namespace}
    mounted = mounted_secrets(model, objects)
    pairs = from_environment([(secret.name, secret) for secret in mounted], env)
    local = [secret.name for secret in mounted if isinstance(secret.source, ir.FileSource)]
    if not pairs and not local:
        return None
    env |= {"FROM_ENVIRONMENT": lines(pairs), "LOCAL": lines(local)}
    return {"name": "Secrets from the GitHub environment", "id": "secrets", "env": env, "run": SECRETS}


MONITORING_FOLDER = "deploy/kubernetes/monitoring"


def monitoring_step(model: ir.EnvironmentModel) -> dict[str, Any] | None:
    """`kubernetes/monitoring/` (Alertmanager's config Secret, the dashboards) applied to the
    environment's cluster, after the notify credentials that come from `env()` are created there."""
    if not model.monitored:
        return None
    env: dict[str, str] = {"NAMESPACE": MONITORING_NAMESPACE}
    credentials = notify_secrets({model.name: model}).items()
    pairs = from_environment([(credential_secret_name(model.stack.name, n), s) for n, (_, s) in credentials], env)
    env |= {"FROM_ENVIRONMENT": lines(pairs), "LOCAL": "", "FOLDER": MONITORING_FOLDER}
    run = SECRETS + 'kubectl apply --server-side --field-manager=stackc-deploy -k "${FOLDER}"\n'
    return {"name": "Monitoring configuration", "id": "monitoring", "env": env, "run": run}


def secret_name_diagnostics(models: dict[str, ir.EnvironmentModel]) -> list[Diagnostic]:
    """`env(VAR)` secrets whose VAR cannot name a GitHub secret: the deploy cannot create them."""
    found = []
    for env, model in models.items():
        for secret in mounted_secrets(model, cluster_objects(model)):
            source = secret.source
            if isinstance(source, ir.EnvSource) and not SECRET_NAME.match(source.variable):
                found.append(
                    Diagnostic(
                        "E0490",
                        Severity.WARNING,
                        f"the deploy workflow cannot create secret `{secret.name}`: `{source.variable}` is not"
                        " a GitHub secret name",
                        secret.span_of("source"),
                        help="use letters, digits and `_`, not starting with a digit or `GITHUB_`",
                        environments=(env,),
                    )
                )
    return found


def wait_step(
    model: ir.EnvironmentModel, namespace: str, timeout: int, objects: list[dict[str, Any]]
) -> dict[str, Any]:
    workloads = Workloads.of(model, objects)
    seconds = wait_seconds(timeout)
    return {
        "name": f"Wait for the rollout (at most {seconds}s)",
        "id": "rollout",
        "env": {
            "NAMESPACE": namespace,
            "WAIT_SECONDS": str(seconds),
            "WORKLOADS": lines(workloads.rolling),
            "ROLLOUTS": lines(workloads.rollouts),
        },
        "run": WAIT,
    }


def rollback_step(
    model: ir.EnvironmentModel, namespace: str, objects: list[dict[str, Any]]
) -> dict[str, Any] | None:
    workloads = Workloads.of(model, objects)
    if not workloads.undo and not workloads.abort:
        return None
    return {
        "name": "Roll back",
        # Also when the job is cancelled (its time limit) halfway; only once something was applied.
        "if": "(failure() || cancelled()) && (steps.apply.outcome == 'success' || steps.apply.outcome == 'failure')",
        "env": {"NAMESPACE": namespace, "ABORT": lines(workloads.abort)},
        "run": ROLLBACK,
    }


def smoke_urls(model: ir.EnvironmentModel) -> list[str]:
    """One URL per gateway route with a plain host name: `https://` unless `tls = off`. A route with
    `strip_prefix` to a service with an HTTP health check is probed at that check (the route's own
    root often has no page); the path is percent-encoded, so a URL never holds a space or newline."""
    urls = []
    for gateway in model.gateways.values():
        if gateway.host is None or not HOSTNAME.fullmatch(gateway.host):
            continue
        scheme = "http" if gateway.tls == "off" else "https"
        for route in gateway.routes.values():
            path = route.path
            service = model.services.get(route.to.name)
            if route.strip_prefix and service is not None and service.health is not None and service.health.http:
                path = path.rstrip("/") + "/" + service.health.http.lstrip("/")
            urls.append(f"{scheme}://{gateway.host}{quote(path, safe='/-._~!$&()*+,;=:@%')}")
    return urls


def smoke_step(model: ir.EnvironmentModel) -> dict[str, Any] | None:
    urls = smoke_urls(model)
    if not urls:
        return None
    return {"name": "Smoke-test the gateway routes", "id": "smoke", "env": {"URLS": lines(urls)}, "run": SMOKE}


def preview_edits(model: ir.EnvironmentModel, objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """JSON-pointer places in the overlay's Ingresses to change for a preview: hosts (prefixed with
    `pr-<number>.`, so pull requests never share a host) and values that name the overlay's namespace
    (the ingress-nginx `custom-headers` reference)."""
    namespace = model.environment.namespace or ""
    edits: list[dict[str, Any]] = []
    for obj in objects:
        if obj["kind"] != "Ingress":
            continue
        name = obj["metadata"]["name"]
        for key, value in obj["metadata"].get("annotations", {}).items():
            if namespace and value.startswith(f"{namespace}/"):
                path = "/metadata/annotations/" + key.replace("~", "~0").replace("/", "~1")
                edits.append({"name": name, "path": path, "value": value, "host": False})
        for i, rule in enumerate(obj["spec"].get("rules", [])):
            if "host" in rule:
                edits.append({"name": name, "path": f"/spec/rules/{i}/host", "value": rule["host"], "host": True})
        for i, tls in enumerate(obj["spec"].get("tls", [])):
            for j, host in enumerate(tls.get("hosts", [])):
                edits.append({"name": name, "path": f"/spec/tls/{i}/hosts/{j}", "value": host, "host": True})
    return edits
