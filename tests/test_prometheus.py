"""The Prometheus/Alertmanager target on every example with observability, against the real tools (issue 9).

Every example (`examples/*/platform.stack`, a copy of the spec's shop example) and the test
programs below are built with the prometheus target; the output must pass `promtool check rules`,
`promtool test rules` (the generated unit tests), `promtool check config` and `amtool
check-config`, and `amtool config routes test` must send each severity to exactly the receivers
the stack file names. Properties no validator checks are checked here too.

A validator that is missing fails the test when `CI=true` and skips it otherwise.
"""

from __future__ import annotations

import http.server
import json
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from building import build_target
from stackc import ir
from stackc.targets import BuildContext
from stackc.targets.prometheus import emit, platform, slo
from stackc.targets.prometheus.alertmanager import SEVERITIES, UNROUTED
from validators import require

ROOT = Path(__file__).resolve().parent.parent
SPEC_SHOP = ROOT.parent / "shared" / "spec" / "examples" / "shop.stack"

# 28d and 7d windows, latency SLOs at 250ms and 1s, an objective too low for a page to fire at
# all, every receiver type, a secret and a plain webhook URL, user strings YAML and Go templates
# would misread, and an escalation with a short `after`.
PROBE_STACK = r"""
stack probe {
  owner = "acme"
}

environment prod {
  replicas = 1
}

secret pd-key { source = env("PD_KEY") }
secret hook-url { source = env("HOOK_URL") }
secret slack-hook { source = env("SLACK_HOOK") }

service api {
  image = "ghcr.io/acme/api:1.0.0"
  ports = { http = 8080, metrics = 9102 }
  metrics { path = "/internal/metrics"  port = metrics }
  slo availability { objective = 99.95%  window = 28d }
  slo latency { objective = 99%  threshold = 250ms  window = 7d }
  slo slow { objective = 90%  threshold = 1s }
}

service worker-two {
  image = "ghcr.io/acme/worker:1.0.0"
  ports = { http = 8081 }
  slo availability { objective = 75% }
  slo daily { objective = 99%  window = 24h }
}

observability {
  notify slack { webhook = secret.slack-hook  channel = "#ops: \"quoted\" {{ x }} é"  severity = info }
  notify pagerduty { key = secret.pd-key  severity = critical }
  notify email { to = "on-call+probe@example.com"  severity = warning }
  notify hook { type = webhook  url = secret.hook-url  severity = critical }
  notify plain { type = webhook  url = "http://127.0.0.1:9/hook"  severity = warning }
  escalate { after = 1m  to = notify.plain }
}
"""

# Thresholds of the 28d, 99.95% SLO: factor × 0.0005 with factors 13.44, 5.6, 2.8 and 0.9333.
PROBE_28D_THRESHOLDS = {"0.00672", "0.0028", "0.0014", "0.00046665"}


def run(*args: str, cwd: Path) -> str:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def build(source: Path, out: Path) -> tuple[dict[str, ir.EnvironmentModel], dict[str, bytes]]:
    return build_target("prometheus", source, out)


def sources(tmp: Path) -> list[tuple[str, Path]]:
    found = [
        (p.parent.name, p)
        for p in sorted((ROOT / "examples").glob("*/platform.stack"))
        if "observability" in p.read_text()
    ]
    if SPEC_SHOP.is_file():
        # A copy: nothing is ever written into /work/shared.
        (tmp / "spec-shop").mkdir()
        copy = tmp / "spec-shop" / "shop.stack"
        shutil.copyfile(SPEC_SHOP, copy)
        found.append(("spec-shop", copy))
    (tmp / "probe").mkdir()
    (tmp / "probe" / "platform.stack").write_text(PROBE_STACK)
    found.append(("probe", tmp / "probe" / "platform.stack"))
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, ir.EnvironmentModel], dict]]:
    tmp = tmp_path_factory.mktemp("prometheus")
    out = {}
    for name, source in sources(tmp):
        folder = tmp / "out" / name
        models, files = build(source, folder)
        out[name] = (folder, models, files)
    return out


def load(folder: Path, path: str) -> Any:
    return yaml.safe_load((folder / path).read_text())


def rules_files(folder: Path) -> list[Path]:
    return sorted((folder / "prometheus" / "rules").glob("*.yaml"))


def loaded_rules_files(folder: Path) -> list[Path]:
    """The rule files prometheus.yml loads: not the Kubernetes flavour (its PrometheusRules' source)."""
    return [p for p in rules_files(folder) if not p.name.endswith("-kubernetes.rules.yaml")]


# -- validators ------------------------------------------------------------------------------------


def test_examples_present(built: dict) -> None:
    assert {"shop", "probe"} <= set(built)


def test_promtool_check_and_test_rules(built: dict) -> None:
    promtool = require("promtool")
    for folder, _, _ in built.values():
        run(promtool, "check", "rules", *map(str, rules_files(folder)), cwd=folder)
    tests = [
        (folder, path)
        for folder, _, _ in built.values()
        for path in (folder / "prometheus" / "tests").glob("*.test.yaml")
    ]
    assert {folder for folder, _ in tests} == {folder for folder, _, _ in built.values()}
    # One promtool per test file, in parallel: each evaluates every rule of its file at every step.
    with ThreadPoolExecutor(max_workers=8) as pool:
        outputs = list(pool.map(lambda item: run(promtool, "test", "rules", str(item[1]), cwd=item[0]), tests))
    assert all("SUCCESS" in output for output in outputs)


def test_promtool_check_config(built: dict) -> None:
    promtool = require("promtool")
    for folder, models, _ in built.values():
        configs = sorted((folder / "prometheus").glob("*/prometheus.yml"))
        assert len(configs) == len(models)
        for config in configs:
            # `check config` also loads the rule files it names, so they must resolve.
            output = run(promtool, "check", "config", str(config), cwd=folder)
            assert f"{len(loaded_rules_files(folder))} rule files found" in output


def test_amtool_check_config(built: dict) -> None:
    amtool = require("amtool")
    for folder, _, _ in built.values():
        run(amtool, "check-config", str(folder / "alertmanager" / "alertmanager.yml"), cwd=folder)


def expected_receivers(model: ir.EnvironmentModel, severity: str) -> set[str]:
    """What LANGUAGE.md §3 says: a notify receives its severity and higher; escalate gets criticals."""
    assert model.observability is not None
    order = list(SEVERITIES)
    out = {n.name for n in model.observability.notify.values() if order.index(severity) <= order.index(n.severity)}
    if severity == "critical" and model.observability.escalate is not None:
        out.add(model.observability.escalate.to.name)
    return out or {UNROUTED}


def test_every_severity_reaches_exactly_its_receivers(built: dict) -> None:
    amtool = require("amtool")
    for folder, models, _ in built.values():
        config = folder / "alertmanager" / "alertmanager.yml"
        for env, model in models.items():
            for severity in SEVERITIES:
                result = subprocess.run(
                    [amtool, "config", "routes", "test", f"--config.file={config}", f"severity={severity}",
                     f"environment={env}", "service=api"],
                    capture_output=True, text=True, timeout=60, check=False,
                )  # fmt: skip
                got = set(result.stdout.strip().split(","))
                assert got == expected_receivers(model, severity), (env, severity, result.stdout)


# -- properties ------------------------------------------------------------------------------------


def test_every_slo_has_recordings_alerts_and_tests(built: dict) -> None:
    for folder, models, _ in built.values():
        stack = next(iter(models.values())).stack.name
        groups = load(folder, f"prometheus/rules/{stack}-slo.rules.yaml")["groups"]
        tests = load(folder, f"prometheus/tests/{stack}-slo.test.yaml")["tests"]
        tested = {t["alertname"] for group in tests for t in group.get("alert_rule_test", [])}
        fired = {
            (t["alertname"], e["exp_labels"]["environment"])
            for group in tests
            for t in group.get("alert_rule_test", [])
            for e in t.get("exp_alerts", [])
        }
        for env, model in models.items():
            for service in model.services.values():
                for s in service.slos.values():
                    group = next(g for g in groups if g["name"] == f"slo-{env}-{service.name}-{s.name}")
                    records = {r["record"] for r in group["rules"] if "record" in r}
                    for window in (*slo.WINDOWS, slo.slo_window(s)):
                        assert f"slo:sli_error:ratio_rate{window}" in records
                    assert "slo:error_budget_remaining:ratio" in records
                    page, ticket = slo.alert_names(service, s)
                    alerts = {r["alert"]: r for r in group["rules"] if "alert" in r}
                    assert set(alerts) == {page, ticket}
                    assert alerts[page]["labels"]["severity"] == "critical"
                    assert alerts[ticket]["labels"]["severity"] == "warning"
                    for rule in alerts.values():
                        assert re.fullmatch(r"[A-Z][A-Za-z0-9]*", rule["alert"])
                        assert rule["labels"]["service"] == service.name
                        assert rule["labels"]["environment"] == env
                        assert set(rule["annotations"]) == {"summary", "description", "runbook_url"}
                        assert (folder / rule["annotations"]["runbook_url"]).is_file()
                    assert {page, ticket} <= tested
                    # Both fire in a test, unless the objective is too low for a ratio to exceed it.
                    if slo.can_fire(s, slo.PAGE):
                        assert (page, env) in fired
                    if slo.can_fire(s, slo.TICKET):
                        assert (ticket, env) in fired


def alert_cases(tests: list[dict[str, Any]]) -> tuple[set[tuple[str, str, str]], set[str]]:
    """From promtool test groups: (alert, service, environment) of every case that expects an alert
    to fire, and the alert names some case expects to stay quiet."""
    checks = [t for group in tests for t in group.get("alert_rule_test", [])]
    fired = {
        (t["alertname"], e["exp_labels"]["service"], e["exp_labels"]["environment"])
        for t in checks
        for e in t["exp_alerts"]
    }
    return fired, {t["alertname"] for t in checks if not t["exp_alerts"]}


def test_every_scraped_service_has_platform_alerts_and_tests(built: dict) -> None:
    for folder, models, _ in built.values():
        stack = next(iter(models.values())).stack.name
        groups = {g["name"]: g for g in load(folder, f"prometheus/rules/{stack}-platform.rules.yaml")["groups"]}
        tests = load(folder, f"prometheus/tests/{stack}-platform.test.yaml")["tests"]
        fired, quiet = alert_cases(tests)
        for env, model in models.items():
            jobs = load(folder, f"prometheus/{env}/prometheus.yml")["scrape_configs"]
            for job in jobs:
                if job["job_name"] not in model.services:
                    continue  # an exporter (tests/test_prometheus_platform.py)
                service = model.services[job["job_name"]]
                alerts = {r["alert"]: r for r in groups[f"platform-{env}-{service.name}"]["rules"]}
                expected = {"TargetDown", "HighErrorRate"}
                if any(s.threshold is not None for s in service.slos.values()):
                    expected.add("HighLatencyP95")
                assert expected <= set(alerts)
                for name in expected:
                    rule = alerts[name]
                    assert rule["labels"]["service"] == service.name and rule["labels"]["environment"] == env
                    assert (folder / rule["annotations"]["runbook_url"]).is_file()
                    # A case where it fires, one where it must not.
                    assert (name, service.name, env) in fired and name in quiet


def test_thresholds_are_exact_decimals(built: dict) -> None:
    for folder, _, _ in built.values():
        for path in rules_files(folder):
            for group in yaml.safe_load(path.read_text())["groups"]:
                for rule in group["rules"]:
                    for number in re.findall(r"> ([0-9.eE+-]+)", rule["expr"]):
                        # No exponent, no `0.30000000000000004`-style tails.
                        assert re.fullmatch(r"\d+(\.\d{1,10})?", number), number
                        assert Decimal(number) == Decimal(number).normalize() or "." not in number
    folder = built["probe"][0]
    text = (folder / "prometheus/rules/probe-slo.rules.yaml").read_text()
    availability = [
        r["expr"]
        for g in yaml.safe_load(text)["groups"]
        if g["name"] == "slo-prod-api-availability"
        for r in g["rules"]
        if "alert" in r
    ]
    assert set(re.findall(r"> ([0-9.]+)", " ".join(availability))) == PROBE_28D_THRESHOLDS


def test_burn_factors_scale_with_the_window() -> None:
    thirty = ir.Slo(objective=ir.Percent.parse("99.9%"), window=ir.Duration.parse("30d"))
    factors = [slo.burn_factor(thirty, long, share) for long, _, share in (*slo.PAGE, *slo.TICKET)]
    assert factors == [Decimal("14.4"), Decimal(6), Decimal(3), Decimal(1)]
    twenty_eight = ir.Slo(objective=ir.Percent.parse("99.9%"), window=ir.Duration.parse("28d"))
    factors = [slo.burn_factor(twenty_eight, long, share) for long, _, share in (*slo.PAGE, *slo.TICKET)]
    assert factors == [Decimal("13.44"), Decimal("5.6"), Decimal("2.8"), Decimal("0.9333")]


def test_user_strings_round_trip(built: dict) -> None:
    folder, models, _ = built["probe"]
    model = models["prod"]
    assert model.observability is not None
    config = load(folder, "alertmanager/alertmanager.yml")
    receivers = {r["name"]: r for r in config["receivers"]}
    assert set(receivers) == {UNROUTED, *model.observability.notify}
    # `channel` and `to` are Go templates in Alertmanager: what it renders must be the user's text.
    amtool = require("amtool")
    empty = folder / "empty.tmpl"
    empty.write_text("")
    for name, configs, key in (("slack", "slack_configs", "channel"), ("email", "email_configs", "to")):
        template = receivers[name][configs][0][key]
        rendered = run(
            amtool, "template", "render", f"--template.glob={empty}", f"--template.text={template}", cwd=folder
        )
        assert rendered == getattr(model.observability.notify[name], "channel" if name == "slack" else "to")
    rules = load(folder, "prometheus/rules/probe-slo.rules.yaml")
    generated = {r["alert"]: r for g in rules["groups"] for r in g["rules"] if "alert" in r}
    for env, m in models.items():
        for service in m.services.values():
            for s in service.slos.values():
                for alert, _ in slo.alerts(service, env, s):
                    assert generated[alert.name]["annotations"] == alert.annotations
    # Platform alerts share names across services: match on name, service and environment.
    rules = load(folder, "prometheus/rules/probe-platform.rules.yaml")
    by_subject = {
        (r["alert"], r["labels"]["service"], r["labels"]["environment"]): r
        for g in rules["groups"]
        for r in g["rules"]
        if "alert" in r
    }
    for alert in platform.groups(models)[1]:
        rule = by_subject[(alert.name, alert.service, alert.environment)]
        assert rule["annotations"] == alert.annotations and rule["labels"] == alert.labels


def test_credentials_are_files_never_inline(built: dict) -> None:
    folder, models, _ = built["probe"]
    text = (folder / "alertmanager/alertmanager.yml").read_text()
    receivers = {r["name"]: r for r in yaml.safe_load(text)["receivers"]}
    assert receivers["slack"]["slack_configs"][0]["api_url_file"] == "/etc/alertmanager/secrets/slack-hook"
    assert receivers["pagerduty"]["pagerduty_configs"][0]["routing_key_file"] == "/etc/alertmanager/secrets/pd-key"
    # A secret webhook URL cannot be a file in Alertmanager 0.25: no config, and a diagnostic says so.
    assert set(receivers["hook"]) == {"name"}
    assert receivers["plain"]["webhook_configs"][0]["url"] == "http://127.0.0.1:9/hook"
    assert not re.search(r"\b(api_url|routing_key|service_key):", text)  # only the *_file forms
    context = BuildContext(models, list(models), "platform.stack")
    warnings = [d for d in emit(context).diagnostics if d.code == "E0490"]
    assert [d.message.split(":")[0] for d in warnings] == ["notify `hook` gets no webhook in alertmanager.yml"]


def test_escalation_route_waits(built: dict) -> None:
    folder, _, _ = built["probe"]
    config = load(folder, "alertmanager/alertmanager.yml")
    routes = config["route"]["routes"][0]["routes"]
    escalation = [r for r in routes if "group_wait" in r]
    assert escalation == [
        {"receiver": "plain", "matchers": ['severity="critical"'], "group_wait": "1m", "continue": True}
    ]
    assert config["inhibit_rules"][0]["equal"] == ["service", "environment"]


def test_scrape_jobs_cover_every_slo_service(built: dict) -> None:
    folder, _, _ = built["probe"]
    jobs = {j["job_name"]: j for j in load(folder, "prometheus/prod/prometheus.yml")["scrape_configs"]}
    assert jobs["api"]["metrics_path"] == "/internal/metrics"
    assert jobs["api"]["static_configs"][0]["targets"] == ["api:9102"]
    assert jobs["api"]["static_configs"][0]["labels"] == {"service": "api", "environment": "prod"}
    assert jobs["worker-two"]["static_configs"][0]["targets"] == ["worker-two:8081"]


def test_every_service_a_rule_reads_is_scraped(built: dict) -> None:
    for folder, models, _ in built.values():
        for env, model in models.items():
            jobs = {j["job_name"] for j in load(folder, f"prometheus/{env}/prometheus.yml")["scrape_configs"]}
            assert {s.name for s in model.services.values() if s.slos} <= jobs


def test_deterministic(tmp_path: Path) -> None:
    (tmp_path / "probe").mkdir()
    source = tmp_path / "probe" / "platform.stack"
    source.write_text(PROBE_STACK)
    _, first = build(source, tmp_path / "a")
    _, second = build(source, tmp_path / "b")
    assert first == second


# -- end to end: the real Alertmanager on loopback -------------------------------------------------

# Plain webhook URLs, filled in with the port of the test's HTTP server.
E2E_STACK = """
stack e2e {
  owner = "acme"
}

service api {
  image = "ghcr.io/acme/api:1.0.0"
  ports = { http = 8080 }
  slo availability { objective = 99.9% }
}

observability {
  notify pager { type = webhook  url = "http://127.0.0.1:PORT/pager"  severity = critical }
  notify chat { type = webhook  url = "http://127.0.0.1:PORT/chat"  severity = warning }
  notify oncall { type = webhook  url = "http://127.0.0.1:PORT/oncall"  severity = critical }
  escalate { after = 4s  to = notify.oncall }
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_alertmanager_routes_each_severity_end_to_end(tmp_path: Path) -> None:

    binary = require("prometheus-alertmanager") if shutil.which("alertmanager") is None else require("alertmanager")
    received: list[tuple[float, str, str]] = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            for alert in body["alerts"]:
                received.append((time.monotonic(), self.path.strip("/"), alert["labels"]["severity"]))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    (tmp_path / "e2e").mkdir()
    source = tmp_path / "e2e" / "platform.stack"
    source.write_text(E2E_STACK.replace("PORT", str(server.server_address[1])))
    build(source, tmp_path / "out")
    config = tmp_path / "out" / "alertmanager" / "alertmanager.yml"
    # Only the root's 30s group_wait is shortened, so the test waits seconds; routes stay as generated.
    config.write_text(config.read_text().replace('group_wait: "30s"', 'group_wait: "1s"'))
    port = free_port()
    process = subprocess.Popen(
        [binary, f"--config.file={config}", f"--storage.path={tmp_path / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/api/v2/alerts"
        wait_ready(f"http://127.0.0.1:{port}/-/ready", process)
        # One alert per severity, each for its own service so inhibition does not interfere.
        alerts = [
            {"labels": {"alertname": "E2E", "severity": s, "service": f"svc-{s}", "environment": "default"}}
            for s in SEVERITIES
        ]
        posted = time.monotonic()
        request = urllib.request.Request(
            url, json.dumps(alerts).encode(), {"Content-Type": "application/json"}, method="POST"
        )
        urllib.request.urlopen(request, timeout=5)
        time.sleep(9)
    finally:
        process.terminate()
        process.wait(timeout=10)
        server.shutdown()
    got = sorted((path, severity) for _, path, severity in received)
    # critical: both critical receivers and the warning one at once, `oncall` again on escalation;
    # warning: `chat` only; info: nobody (it ends at the `unrouted` receiver).
    assert got == [
        ("chat", "critical"), ("chat", "warning"), ("oncall", "critical"), ("oncall", "critical"), ("pager", "critical")
    ]  # fmt: skip
    oncall = sorted(t - posted for t, path, _ in received if path == "oncall")
    assert oncall[0] < 3.5 <= oncall[1], oncall


def wait_ready(url: str, process: subprocess.Popen) -> None:

    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            assert process.poll() is None, process.stderr.read() if process.stderr else "exited"
            assert time.monotonic() < deadline, f"{url} not ready"
            time.sleep(0.2)


def test_prometheus_loads_every_rule_group(built: dict, tmp_path: Path) -> None:

    binary = require("prometheus")
    folder, models, _ = built["shop"]
    expected = {g["name"] for path in loaded_rules_files(folder) for g in yaml.safe_load(path.read_text())["groups"]}
    env = next(iter(models))
    port = free_port()
    process = subprocess.Popen(
        [binary, f"--config.file={folder / 'prometheus' / env / 'prometheus.yml'}",
         f"--storage.tsdb.path={tmp_path / 'tsdb'}", f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        wait_ready(f"http://127.0.0.1:{port}/-/ready", process)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/rules", timeout=5) as response:
            groups = json.load(response)["data"]["groups"]
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert {g["name"] for g in groups} == expected
    assert all(rule["health"] != "err" for g in groups for rule in g["rules"])
