"""Long names: every name the language allows (a DNS label, up to 63 characters) makes objects the
API server accepts. Generated names with a suffix, and names Kubernetes limits further (a
StatefulSet's and a CronJob's, 52), are shortened with a hash of the whole name; selectors,
references and the rules that name objects follow.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from stackc.frontend import compile_source
from stackc.targets.kubernetes import environment_objects
from stackc.targets.kubernetes.names import fit
from stackc.targets.prometheus import platform

DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
LIMITS = {"StatefulSet": 52, "CronJob": 52, "Service": 63}

PROGRAM = """
stack names {{
  owner = "acme"
}}

environment prod {{}}

service {service} {{
  image = "ghcr.io/acme/api:1.0.0"
  ports = {{ http = 8080 }}
  volume data {{ path = "/data"  size = 1Gi }}
  metrics {{ path = "/metrics" }}
}}

service {bluegreen} {{
  image = "ghcr.io/acme/web:1.0.0"
  ports = {{ http = 8080 }}
  deploy {{ strategy = blue_green }}
}}

database {database} {{
  engine  = postgres
  version = "16.4"
  backup  {{ schedule = "0 3 * * *"  retain = 7d }}
}}

observability {{ metrics = prometheus }}
"""


def _labels(obj: dict[str, Any]) -> list[dict[str, str]]:
    found = [obj["metadata"].get("labels", {})]
    spec = obj.get("spec", {})
    for template in (spec.get("template"), spec.get("jobTemplate", {}).get("spec", {}).get("template")):
        if template:
            found.append(template["metadata"].get("labels", {}))
    found.append(spec.get("selector", {}).get("matchLabels", {}) if isinstance(spec.get("selector"), dict) else {})
    return found


def check(service: str, bluegreen: str, database: str) -> None:
    source = PROGRAM.format(service=service, bluegreen=bluegreen, database=database)
    compilation = compile_source(source.encode(), "platform.stack")
    assert not compilation.has_errors, [d.message for d in compilation.diagnostics if d.is_error]
    model = compilation.models["prod"]
    objects = environment_objects(model)
    keys = [(o["kind"], o["metadata"]["name"]) for o in objects]
    assert len(keys) == len(set(keys))
    by_key = dict(zip(keys, objects, strict=True))
    for obj in objects:
        name = obj["metadata"]["name"]
        assert len(name) <= LIMITS.get(obj["kind"], 253), (obj["kind"], name)
        if obj["kind"] in LIMITS:
            assert DNS_LABEL.match(name), name
        for labels in _labels(obj):
            for value in labels.values():
                assert len(value) <= 63, (obj["kind"], name, value)
    # References resolve: the governing Service of each StatefulSet, a Rollout's preview Service.
    for obj in objects:
        if obj["kind"] == "StatefulSet":
            assert ("Service", obj["spec"]["serviceName"]) in by_key
            pods = obj["spec"]["template"]["metadata"]["labels"]
            assert obj["spec"]["selector"]["matchLabels"].items() <= pods.items()
        if obj["kind"] == "Rollout":
            assert ("Service", obj["spec"]["strategy"]["blueGreen"]["previewService"]) in by_key
    # The cluster's rules name the objects that exist: the backup CronJob and the claims.
    rules = [r for g in platform.groups({"prod": model}, flavour="kubernetes")[0] for r in g["rules"]]
    cron_jobs = {n for kind, n in keys if kind == "CronJob"}
    for rule in rules:
        for cron_job in re.findall(r'cronjob="([^"]+)"', rule.get("expr", "")):
            assert cron_job in cron_jobs
    sets = {n for kind, n in keys if kind == "StatefulSet"}
    for _, pattern, claim in platform.kubernetes_claims(model):
        assert re.fullmatch(pattern, claim)
        assert any(claim.endswith(f"-{s}-0") for s in sets) or claim.endswith("-backups")


def test_the_longest_names_make_valid_objects() -> None:
    check("s" * 63, "b" * 63, "raw-readings-store-for-the-very-long-named-sensor-grid-team")


def test_short_names_are_kept() -> None:
    assert fit("api-headless") == "api-headless"
    assert fit("a" * 70) != fit("a" * 69 + "b") and len(fit("a" * 70)) == 63


names = st.from_regex(r"[a-z][a-z0-9]{0,10}(-[a-z0-9]{1,12}){0,5}", fullmatch=True).filter(lambda n: len(n) <= 63)


@settings(max_examples=25, deadline=None)
@given(names, names, names)
def test_any_legal_names_make_valid_objects(service: str, bluegreen: str, database: str) -> None:
    if len({service, bluegreen, database}) < 3:
        return
    check(service.ljust(63, "x")[: max(len(service), 40)], bluegreen, database)
