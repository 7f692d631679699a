"""The Grafana target on every example and on test programs (issue 10, docs/grafana.md).

Every example (`examples/*/platform.stack`, a copy of the spec's shop example) and the programs
below are built with the grafana and the prometheus targets. Each dashboard must load with
grafana-foundation-sdk's model, have unique panel ids and a valid, non-overlapping grid, reference
only provisioned data sources, and read only metrics the Prometheus target records or its scrape
jobs collect; its PromQL must parse (`promtool check rules`, skipped without promtool unless
`CI=true`).
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from building import build_target
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shared import SPEC_SHOP
from stackc import ir
from stackc.frontend import compile_source
from stackc.targets.grafana import (
    DASHBOARDS_DIR,
    DASHBOARDS_PROVIDER_FILE,
    DATASOURCES_FILE,
    TYPES,
    dashboards,
    provisioning_files,
)
from stackc.targets.grafana import queries as grafana_queries
from stackc.targets.prometheus import platform as prometheus_platform
from stackc.targets.prometheus import slo as prometheus_slo
from stackc.targets.prometheus.config import EXPORTERS, emit_prometheus_config, job_metrics
from validators import require

with warnings.catch_warnings():
    # The SDK's notice that it prefers the v2 resource model; the target writes Classic JSON on purpose.
    warnings.simplefilter("ignore", DeprecationWarning)
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.cog.plugins import register_default_plugins
    from grafana_foundation_sdk.models.dashboard import Dashboard

ROOT = Path(__file__).resolve().parent.parent

# Two environments, a service with a `metrics` block and two SLOs, one scraped through its SLO
# alone with a name long enough to need a hashed uid, one with no port (not scraped: saturation
# only), Loki and Zipkin.
PROBE_STACK = r"""
stack probe-stack-with-a-long-name {
  owner = "acme"
}

environment staging {
  replicas = 1
}

environment prod {
  replicas = 2
}

service api {
  image = "ghcr.io/acme/api:1.0.0"
  ports = { http = 8080, metrics = 9102 }
  metrics { path = "/internal/metrics"  port = metrics }
  slo availability { objective = 99.95%  window = 28d }
  slo latency { objective = 99%  threshold = 250ms  window = 7d }
}

service checkout-service-with-a-name-long-enough-to-hash {
  image = "ghcr.io/acme/checkout:1.0.0"
  ports = { http = 8081 }
  slo availability { objective = 99.5% }
}

service worker {
  image = "ghcr.io/acme/worker:1.0.0"
}

observability {
  logs   = loki
  traces = zipkin
  notify email { to = "oncall@example.com"  severity = critical }
}
"""

# Logs without metrics: service dashboards with logs only, no overview or SLO dashboard.
LOGS_ONLY_STACK = r"""
stack logsonly {
  owner = "acme"
}

environment prod {
  replicas = 1
}

service api {
  image = "ghcr.io/acme/api:1.0.0"
  ports = { http = 8080 }
}

observability {
  metrics = none
  logs    = loki
}
"""

NO_DASHBOARDS_STACK = r"""
stack quiet {
  owner = "acme"
}

environment prod {
  replicas = 1
}

service api {
  image = "ghcr.io/acme/api:1.0.0"
  ports = { http = 8080 }
  slo availability { objective = 99.9% }
}

observability {
  logs       = loki
  dashboards = none
}
"""

# The metrics contract of a scraped service (docs/observability.md), plus `up` from its job.
CONTRACT = {"http_requests_total", "http_request_duration_seconds_bucket", "up"}
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_METRIC = re.compile(r"([A-Za-z_:][A-Za-z0-9_:]*)\s*\{")
_BARE_METRIC = re.compile(r"label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*[,)]")
_SERVICE = re.compile(r'(?<![A-Za-z0-9_])service="((?:[^"\\]|\\.)*)"')
_SLO = re.compile(r'(?<![A-Za-z0-9_])slo="((?:[^"\\]|\\.)*)"')


def write(tmp: Path, name: str, text: str) -> Path:
    (tmp / name).mkdir()
    path = tmp / name / "platform.stack"
    path.write_text(text)
    return path


def sources(tmp: Path) -> list[tuple[str, Path]]:
    found = [(p.parent.name, p) for p in sorted((ROOT / "examples").glob("*/platform.stack"))]
    if SPEC_SHOP.is_file():
        # A copy: nothing is ever written into /work/shared.
        (tmp / "spec-shop").mkdir()
        copy = tmp / "spec-shop" / "shop.stack"
        shutil.copyfile(SPEC_SHOP, copy)
        found.append(("spec-shop", copy))
    found.append(("probe", write(tmp, "probe", PROBE_STACK)))
    found.append(("logs-only", write(tmp, "logs-only", LOGS_ONLY_STACK)))
    found.append(("no-dashboards", write(tmp, "no-dashboards", NO_DASHBOARDS_STACK)))
    return found


class Built:
    """A program built with the grafana target, and what the Prometheus target makes of it.

    The Prometheus side comes from the functions its `emit` calls for rules and scrape jobs, so
    these tests do not depend on the rest of that target (runbooks, Alertmanager).
    """

    def __init__(self, source: Path, folder: Path) -> None:
        self.source = source
        self.models, self.files = build_target("grafana", source, folder)
        monitored = {
            env: m
            for env, m in self.models.items()
            if m.observability is not None and m.observability.metrics == "prometheus"
        }
        self.rules = [rule for module in (prometheus_slo, prometheus_platform) for group in module.groups(monitored)[0]
                      for rule in group["rules"]]  # fmt: skip
        self.configs = [emit_prometheus_config(m, []) for m in monitored.values()]

    @property
    def boards(self) -> dict[str, dict[str, Any]]:
        prefix = DASHBOARDS_DIR + "/"
        return {p[len(prefix) :]: json.loads(d) for p, d in self.files.items() if p.startswith(prefix)}

    def provisioned(self) -> dict[str, str]:
        """uid -> type of every provisioned data source."""
        data = yaml.safe_load(self.files[DATASOURCES_FILE])
        return {source["uid"]: source["type"] for source in data["datasources"]}

    def recorded(self) -> set[str]:
        return {rule["record"] for rule in self.rules if "record" in rule}

    def alerting(self) -> bool:
        return any("alert" in rule for rule in self.rules)

    def jobs(self) -> set[str]:
        """Services some environment's Prometheus scrapes itself (their metrics endpoint, not an exporter)."""
        return {job["job_name"] for config in self.configs for job in config["scrape_configs"]
                if job["job_name"] not in EXPORTERS}  # fmt: skip

    def prefixes(self) -> set[str]:
        """The metric-name prefixes some scrape job yields."""
        return {p for config in self.configs for found in job_metrics(config).values() for p in found}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    tmp = tmp_path_factory.mktemp("grafana")
    return {name: Built(source, tmp / "out" / name) for name, source in sources(tmp)}


def with_grafana(built: dict[str, Built]) -> dict[str, Built]:
    return {name: b for name, b in built.items() if b.files}


def panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel, rows included, and the panels of collapsed rows."""
    out = []
    for panel in board.get("panels", []):
        out.append(panel)
        out.extend(panel.get("panels", []))
    return out


def exprs(board: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """(panel or variable, query) for every query a dashboard runs."""
    out = [(p, t["expr"]) for p in panels(board) for t in p.get("targets", []) if "expr" in t]
    out.extend((v, v["query"]) for v in board["templating"]["list"] if isinstance(v.get("query"), str))
    return out


def datasource_refs(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        found = [node["datasource"]] if isinstance(node.get("datasource"), dict) else []
        return found + [r for value in node.values() for r in datasource_refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in datasource_refs(value)]
    return []


def unquote(literal: str) -> str:
    """A PromQL double-quoted string's value, for the escapes the target writes."""
    escapes = {"\\": "\\", '"': '"', "n": "\n"}
    out, i = [], 0
    body = literal[1:-1]
    while i < len(body):
        if body[i] == "\\":
            if body[i + 1] == "x":
                out.append(chr(int(body[i + 2 : i + 4], 16)))
                i += 4
                continue
            out.append(escapes[body[i + 1]])
            i += 2
            continue
        out.append(body[i])
        i += 1
    return "".join(out)


# -- what is generated ---------------------------------------------------------------------------


def test_examples_present(built: dict[str, Built]) -> None:
    assert {"shop", "probe", "logs-only", "no-dashboards"} <= set(built)
    assert {"shop", "probe", "logs-only"} <= set(with_grafana(built))


def test_files_per_stack(built: dict[str, Built]) -> None:
    for name, b in with_grafana(built).items():
        assert DATASOURCES_FILE in b.files and DASHBOARDS_PROVIDER_FILE in b.files, name
        services = {s for m in b.models.values() for s in m.services}
        metrics = any(m.observability and m.observability.metrics == "prometheus" for m in b.models.values())
        slos = any(s.slos for m in b.models.values() for s in m.services.values())
        expected = {f"service-{s}.json" for s in services}
        if metrics:
            expected.add("overview.json")
        if metrics and slos:
            expected.add("slo.json")
        assert set(b.boards) == expected, name


def test_no_dashboards_when_none(built: dict[str, Built]) -> None:
    assert built["no-dashboards"].files == {}
    for name, b in built.items():
        if all(m.observability is None for m in b.models.values()):
            assert b.files == {}, name


def test_shop_dashboards(built: dict[str, Built]) -> None:
    boards = built["shop"].boards
    api = boards["service-api.json"]
    titles = [p["title"] for p in panels(api)]
    assert {"Request rate", "Error ratio (5xx)", "Latency", "CPU", "Memory", "Instances up", "Logs"} <= set(titles)
    slo = boards["slo.json"]
    assert [v["name"] for v in slo["templating"]["list"]] == ["environment", "service", "slo"]
    burn = next(p for p in panels(slo) if p["title"] == "Burn rates")
    assert [t["legendFormat"] for t in burn["targets"]] == ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]
    assert all("/ on (service, environment, slo) (1 - slo:objective:ratio" in t["expr"] for t in burn["targets"])
    overview = boards["overview.json"]
    assert any('ALERTS{alertstate="firing"' in expr for _, expr in exprs(overview))


def test_logs_panel_only_with_loki(built: dict[str, Built]) -> None:
    for name, b in with_grafana(built).items():
        loki = any(m.observability and m.observability.logs == "loki" for m in b.models.values())
        for file, board in b.boards.items():
            logs = [p for p in panels(board) if p.get("type") == "logs"]
            if file.startswith("service-"):
                assert bool(logs) == loki, (name, file)
                service = file.removeprefix("service-").removesuffix(".json")
                for panel in logs:
                    assert panel["targets"][0]["expr"] == f'{{service="{service}",environment="$environment"}}'


def test_trace_datasources(built: dict[str, Built]) -> None:
    assert "jaeger" in built["shop"].provisioned()
    probe = built["probe"].provisioned()
    assert "zipkin" in probe and "jaeger" not in probe
    assert set(built["logs-only"].provisioned()) == {"loki"}
    loki = next(s for s in yaml.safe_load(built["probe"].files[DATASOURCES_FILE])["datasources"] if s["uid"] == "loki")
    # `$$` so that Grafana's environment expansion leaves its own `${__value.raw}` alone.
    assert loki["jsonData"]["derivedFields"][0] == {
        "name": "TraceID",
        "matcherRegex": r'(?:trace_?id|traceID)["=: ]+"?(\w+)',
        "url": "$${__value.raw}",
        "datasourceUid": "zipkin",
    }


def test_provisioning_files(built: dict[str, Built]) -> None:
    for name, b in with_grafana(built).items():
        data = yaml.safe_load(b.files[DATASOURCES_FILE])
        assert data["apiVersion"] == 1
        defaults = [s["uid"] for s in data["datasources"] if s["isDefault"]]
        assert len(defaults) == 1, name
        for source in data["datasources"]:
            assert TYPES[source["uid"]] == source["type"] and source["access"] == "proxy"
        provider = yaml.safe_load(b.files[DASHBOARDS_PROVIDER_FILE])
        stack = next(iter(b.models.values())).stack.name
        assert provider["providers"][0]["folder"] == stack
        assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"


# -- each dashboard ------------------------------------------------------------------------------


def test_dashboards_load_with_the_sdk(built: dict[str, Built]) -> None:
    register_default_plugins()
    for name, b in with_grafana(built).items():
        for file, data in b.boards.items():
            board = Dashboard.from_json(data)
            assert board.title == data["title"] and board.uid == data["uid"]
            # The model holds everything the file says: encoding it again gives the same JSON.
            assert json.loads(JSONEncoder(sort_keys=True).encode(board)) == data, (name, file)
            assert data["schemaVersion"] == 42


def test_panel_ids_unique(built: dict[str, Built]) -> None:
    for b in with_grafana(built).values():
        for file, board in b.boards.items():
            ids = [p["id"] for p in panels(board)]
            assert len(ids) == len(set(ids)) and all(isinstance(i, int) and i > 0 for i in ids), file


def test_grid_positions_valid_and_disjoint(built: dict[str, Built]) -> None:
    for b in with_grafana(built).values():
        for file, board in b.boards.items():
            taken: dict[tuple[int, int], int] = {}
            for panel in board["panels"]:
                pos = panel["gridPos"]
                assert pos["x"] >= 0 and pos["y"] >= 0 and pos["w"] >= 1 and pos["h"] >= 1, (file, panel["id"])
                assert pos["x"] + pos["w"] <= 24, (file, panel["id"])
                if panel["type"] == "row":
                    assert (pos["x"], pos["w"], pos["h"]) == (0, 24, 1)
                for x in range(pos["x"], pos["x"] + pos["w"]):
                    for y in range(pos["y"], pos["y"] + pos["h"]):
                        assert (x, y) not in taken, (file, panel["id"], taken[(x, y)])
                        taken[(x, y)] = panel["id"]


def test_datasource_uids_are_provisioned(built: dict[str, Built]) -> None:
    for name, b in with_grafana(built).items():
        provisioned = b.provisioned()
        for file, board in b.boards.items():
            refs = datasource_refs(board)
            assert refs, file
            for ref in refs:
                assert provisioned.get(ref["uid"]) == ref["type"], (name, file, ref)
            for panel in panels(board):
                if panel["type"] != "row":
                    assert isinstance(panel.get("datasource"), dict), (file, panel["title"])


def test_dashboard_uids_unique_and_valid(built: dict[str, Built]) -> None:
    for b in with_grafana(built).values():
        uids = [board["uid"] for board in b.boards.values()]
        assert len(uids) == len(set(uids))
        for uid in uids:
            assert re.fullmatch(r"[A-Za-z0-9_-]{1,40}", uid), uid
    long_name = built["probe"].boards["service-checkout-service-with-a-name-long-enough-to-hash.json"]
    assert re.fullmatch(r"probe-stack-with-a-long-name-[0-9a-f]{10}", long_name["uid"]), long_name["uid"]


def test_every_metric_is_produced(built: dict[str, Built]) -> None:
    """Recording rules the Prometheus target writes; contract metrics of services it scrapes; cAdvisor's."""
    for name, b in with_grafana(built).items():
        recorded, jobs = b.recorded(), b.jobs()
        for file, board in b.boards.items():
            for owner, expr in exprs(board):
                if owner.get("datasource", {}).get("type") == "loki" or owner.get("type") == "logs":
                    continue
                bare = _STRING.sub('""', expr)
                metrics = set(_METRIC.findall(bare)) | set(_BARE_METRIC.findall(bare))
                assert metrics, (file, expr)
                services = {unquote(f'"{s}"') for s in _SERVICE.findall(expr)}
                for metric in metrics:
                    where = (name, file, expr)
                    if ":" in metric:
                        assert metric in recorded, where
                    elif metric == "ALERTS":
                        assert b.alerting(), where
                    elif metric in CONTRACT:
                        assert services <= jobs, where
                        assert services or metric == "up", where
                    else:
                        raise AssertionError(f"{metric} is neither recorded nor scraped: {where}")


def test_promql_parses(built: dict[str, Built], tmp_path: Path) -> None:
    """Every query, variables substituted, as a recording rule `promtool check rules` accepts."""
    promtool = require("promtool")
    rules = []
    weird = 'we"ird\\ $environment\nname é'
    extra = [grafana_queries.error_ratio(weird), grafana_queries.budget_remaining_of(weird, weird)]
    for b in with_grafana(built).values():
        for board in b.boards.values():
            for owner, expr in exprs(board):
                if owner.get("type") == "logs" or expr.startswith("label_values("):
                    continue
                extra.append(expr)
    for i, expr in enumerate(dict.fromkeys(extra)):
        for variable, value in (("$__rate_interval", "2m"), ("$environment", "prod"), ("$service", "api")):
            expr = expr.replace(variable, value)
        rules.append({"record": f"grafana:check:{i}", "expr": expr.replace("$slo", "availability")})
    path = tmp_path / "queries.rules.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "grafana", "rules": rules}]}))
    result = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# -- properties ----------------------------------------------------------------------------------


def test_deterministic(built: dict[str, Built], tmp_path: Path) -> None:
    for name, b in with_grafana(built).items():
        _, again = build_target("grafana", b.source, tmp_path / name)
        assert again == b.files, name


def test_dashboards_function_matches_files(built: dict[str, Built]) -> None:
    """The data other targets (Kubernetes ConfigMaps) get is what the files hold."""
    for b in with_grafana(built).values():
        assert dashboards(b.models) == b.boards
        assert set(provisioning_files(b.models)) == {DATASOURCES_FILE, DASHBOARDS_PROVIDER_FILE}


@functools.cache
def _probe_model() -> ir.EnvironmentModel:
    compilation = compile_source(PROBE_STACK.encode(), "probe.stack")
    assert not compilation.has_errors
    return compilation.models["prod"]


def _renamed(stack: str, names: list[tuple[str, str]]) -> dict[str, ir.EnvironmentModel]:
    """The probe's prod environment with `api` copied under each (service, SLO) name."""
    model = _probe_model()
    api = model.services["api"]
    slo = api.slos["availability"]
    services = {
        service: api.model_copy(update={"name": service, "slos": {name: slo.model_copy(update={"name": name})}})
        for service, name in names
    }
    stack_block = model.stack.model_copy(update={"name": stack})
    return {"prod": model.model_copy(update={"services": services, "stack": stack_block})}


_NAMES = st.text(min_size=1, max_size=24)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    stack=_NAMES,
    names=st.lists(st.tuples(_NAMES, _NAMES), min_size=1, max_size=3, unique_by=lambda pair: pair[0]),
)
def test_user_names_land_literally(stack: str, names: list[tuple[str, str]]) -> None:
    boards = dashboards(_renamed(stack, names))
    services = {service for service, _ in names}
    titles = {board["title"] for board in boards.values()}
    assert {f"{stack} / {service}" for service in services} <= titles
    assert f"{stack} / overview" in titles
    uids = [board["uid"] for board in boards.values()]
    assert len(set(uids)) == len(uids) == len(services) + 2
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,40}", uid) for uid in uids)
    quoted: set[str] = set()
    slos: set[str] = set()
    for board in boards.values():
        for _, expr in exprs(board):
            # A user's `$` would be a Grafana variable: it is always escaped.
            assert not re.search(r"\$(?!environment\b|service\b|slo\b|__rate_interval\b)", expr), expr
            quoted.update(unquote(f'"{s}"') for s in _SERVICE.findall(expr))
            slos.update(unquote(f'"{s}"') for s in _SLO.findall(expr))
    assert quoted - {"$service"} == services
    assert slos - {"$slo"} == {slo for _, slo in names}
    slo_titles = {p["title"] for p in panels(boards["slo.json"])}
    assert {f"{service} / {slo}" for service, slo in names} <= slo_titles
