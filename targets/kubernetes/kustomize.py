"""The kustomize tree: what every environment shares goes to `base/`, the rest to overlays.

Each environment's objects are computed in full first; the split is then mechanical, so
`kubectl kustomize overlays/<env>` renders exactly that environment's objects:
- an object present in every environment is in the base, as the first environment has it;
- where an environment's copy differs, its overlay carries a JSON 6902 patch with the difference
  (JSON patches, not strategic merge: they replace lists whole, which is what a generated list
  means, and need no knowledge of merge keys for custom resources);
- an object only some environments have (a Rollout in prod, a Deployment in dev; an ExternalSecret
  whose source differs in kind) is a resource file in the overlay's own folder;
- the namespace, the images' tags and static replica counts are the overlay's `namespace:`,
  `images:` and `replicas:` fields, where a reader of the overlay looks for them.
"""

from __future__ import annotations

import copy
from typing import Any

from stackc import ir
from stackc.targets import Document
from stackc.targets.kubernetes import names

Key = tuple[str, str]  # (kind, name)
# Kinds whose `spec.replicas` the overlay's `replicas:` field sets (kustomize's replicas fieldSpecs).
REPLICATED = ("Deployment", "StatefulSet")
# One per environment (its name is the namespace), so never shared through the base.
PER_ENVIRONMENT = ("Namespace",)
# Cluster-scoped custom resources. kustomize only knows the scope of built-in kinds, so its
# `namespace:` would give these a namespace too; a transformer (which runs after the built-in
# ones, `patches:` run before) takes it off again.
CLUSTER_SCOPED = ("ClusterIssuer", "ClusterSecretStore")
CLUSTER_SCOPED_FILE = "cluster-scoped.yaml"


def key_of(obj: dict[str, Any]) -> Key:
    return obj["kind"], obj["metadata"]["name"]


def _pointer(parts: list[str]) -> str:
    # RFC 6901: `~` is `~0` and `/` is `~1` (label keys such as app.kubernetes.io/name contain `/`).
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def json_patch(base: Any, target: Any, path: list[str] | None = None) -> list[dict[str, Any]]:
    """The JSON 6902 operations that turn `base` into `target`: dicts are compared key by key,
    anything else (lists included) is replaced whole."""
    path = path or []
    if isinstance(base, dict) and isinstance(target, dict):
        ops: list[dict[str, Any]] = []
        for key in base:
            if key not in target:
                ops.append({"op": "remove", "path": _pointer([*path, key])})
        for key, value in target.items():
            if key not in base:
                ops.append({"op": "add", "path": _pointer([*path, key]), "value": value})
            else:
                ops.extend(json_patch(base[key], value, [*path, key]))
        return ops
    if base != target:
        return [{"op": "replace", "path": _pointer(path), "value": target}]
    return []


def _target(obj: dict[str, Any]) -> dict[str, str]:
    group, _, version = obj["apiVersion"].rpartition("/")
    target = {"group": group, "version": version, "kind": obj["kind"], "name": obj["metadata"]["name"]}
    if not group:
        del target["group"]
    return target


def cluster_scoped_transformer() -> dict[str, Any]:
    return {
        "apiVersion": "builtin",
        "kind": "PatchTransformer",
        "metadata": {"name": "cluster-scoped"},
        "patch": '[{"op": "remove", "path": "/metadata/namespace"}]',
        "target": {"kind": "^(" + "|".join(CLUSTER_SCOPED) + ")$"},
    }


def split(
    objects: dict[str, list[dict[str, Any]]],
    selected: list[str],
    models: dict[str, ir.EnvironmentModel],
    built_images: dict[str, list[str]],
) -> list[Document]:
    """Documents for `kubernetes/base/` and `kubernetes/overlays/<env>/` from every environment's
    objects (`objects` covers all environments, so the base does not depend on `--env`)."""
    envs = list(objects)
    by_env: dict[str, dict[Key, dict[str, Any]]] = {e: {key_of(o): o for o in objects[e]} for e in envs}
    first = envs[0]
    shared = [key for key in by_env[first] if key[0] not in PER_ENVIRONMENT and all(key in by_env[e] for e in envs)]
    documents: list[Document] = []
    base_files: list[str] = []
    for key in shared:
        file = names.file_name(*key)
        base_files.append(file)
        documents.append(Document(f"kubernetes/base/{file}", by_env[first][key]))
    documents.append(
        Document(
            "kubernetes/base/kustomization.yaml",
            {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": base_files},
        )
    )
    shared_set = set(shared)
    for env in selected:
        model = models[env]
        folder = f"kubernetes/overlays/{env}"
        resources = ["../../base"]
        patches: list[dict[str, Any]] = []
        replicas: list[dict[str, Any]] = []
        for key, obj in by_env[env].items():
            spec = obj.get("spec", {})
            if key[0] in REPLICATED and "replicas" in spec:
                replicas.append({"name": key[1], "count": spec["replicas"]})
            if key not in shared_set:
                file = names.file_name(*key)
                resources.append(file)
                documents.append(Document(f"{folder}/{file}", obj))
                continue
            base = by_env[first][key]
            mine = obj
            if key[0] in REPLICATED and "replicas" in spec and "replicas" in base.get("spec", {}):
                # The count comes from `replicas:` below; the patch carries only real differences.
                mine = copy.deepcopy(obj)
                mine["spec"]["replicas"] = base["spec"]["replicas"]
            ops = json_patch(base, mine)
            if ops:
                file = f"patches/{names.file_name(*key)}"
                documents.append(Document(f"{folder}/{file}", ops))
                patches.append({"path": file, "target": _target(obj)})
        kustomization: dict[str, Any] = {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "namespace": model.environment.namespace,
            "resources": resources,
        }
        images = built_images.get(env, [])
        if images:
            # Built images get the environment's channel tag; the pipeline pins the pushed digest
            # with `kustomize edit set image NAME@sha256:…` before applying (anchors-policy.md §2.3 item 1).
            kustomization["images"] = [{"name": image, "newTag": env} for image in sorted(set(images))]
        if replicas:
            kustomization["replicas"] = replicas
        if patches:
            kustomization["patches"] = patches
        if any(kind in CLUSTER_SCOPED for kind, _ in by_env[env]):
            kustomization["transformers"] = [CLUSTER_SCOPED_FILE]
            documents.append(Document(f"{folder}/{CLUSTER_SCOPED_FILE}", cluster_scoped_transformer()))
        documents.append(Document(f"{folder}/kustomization.yaml", kustomization))
    return documents
