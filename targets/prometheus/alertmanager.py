"""`observability.notify` / `escalate` -> `alertmanager/alertmanager.yml`.

Routing: a `notify` receives its `severity` and every higher one (LANGUAGE.md §3: the lowest
severity routed there), each route with `continue: true` so an alert reaches every receiver that
asks for it. One sub-tree per environment, because `observability` may differ between them.
Credentials are `*_file` paths under `names.SECRETS_DIR`, one file per secret, never inline.

Escalation: Alertmanager has none (alertmanager#2150, maintainer: "the responsibility of an
incident management system"); the emulation the maintainer names is a second route to the
escalation receiver with `group_wait` = `after`. It notifies after `after` whether or not someone
acknowledged (Alertmanager knows nothing of acknowledgements): it fires only if the alert still
fires then, and is resolved with it.
"""

from __future__ import annotations

from typing import Any

from stackc import ir
from stackc.diagnostics import Diagnostic, Severity
from stackc.targets.prometheus import names

# What a target cannot express (compiler/docs/codes/E0490.md).
CANNOT_EXPRESS = "E0490"
SEVERITIES = ("critical", "warning", "info")
# Receives what no `notify` asks for (e.g. `info` without an info receiver): documented sink.
UNROUTED = "unrouted"
SMTP_SMARTHOST = "localhost:25"
SLACK_TEXT = '{{ range .Alerts }}{{ .Annotations.summary }} {{ .Annotations.runbook_url }}{{ "\\n" }}{{ end }}'


def at_or_above(severity: str) -> list[str]:
    return list(SEVERITIES[: SEVERITIES.index(severity) + 1])


def _secret_file(ref: ir.Ref) -> str:
    return f"{names.SECRETS_DIR}/{ref.name}"


def receiver_config(notify: ir.Notify) -> dict[str, Any]:
    kind = notify.type or notify.name
    if kind == "slack":
        config: dict[str, Any] = {"api_url_file": _secret_file(notify.webhook), "send_resolved": True}
        if notify.channel:
            config["channel"] = names.template_literal(notify.channel)
        config["title"] = "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}"
        config["text"] = SLACK_TEXT
        return {"slack_configs": [config]}
    if kind == "pagerduty":
        return {
            "pagerduty_configs": [
                {
                    "routing_key_file": _secret_file(notify.key),
                    "severity": "{{ .CommonLabels.severity }}",
                    "description": "{{ .CommonAnnotations.summary }}",
                }
            ]
        }
    if kind == "email":
        return {"email_configs": [{"to": names.template_literal(notify.to or ""), "send_resolved": True}]}
    # webhook: a plain URL is not a credential. A secret one would need `url_file`, which
    # Alertmanager 0.25 (Debian's, the validator) rejects: that receiver stays empty and
    # `webhook_diagnostic` says so, rather than writing the secret inline.
    if isinstance(notify.url, ir.Ref):
        return {}
    return {"webhook_configs": [{"url": notify.url, "send_resolved": True}]}


def webhook_diagnostic(notify: ir.Notify, env: str) -> Diagnostic | None:
    if (notify.type or notify.name) != "webhook" or not isinstance(notify.url, ir.Ref):
        return None
    return Diagnostic(
        CANNOT_EXPRESS,
        Severity.WARNING,
        f"notify `{notify.name}` gets no webhook in alertmanager.yml: its URL is a secret and Alertmanager 0.25"
        " has no `url_file` for webhooks, so alerts routed to it are dropped",
        notify.spans.get("url", notify.span),
        help="use a plain `url` (a webhook URL that is not a credential), or another notify type",
        environments=(env,),
    )


def _receiver_names(models: dict[str, ir.EnvironmentModel]) -> dict[tuple[str, str], str]:
    """(environment, notify) -> receiver name: the notify's own name unless it differs by environment."""
    configs: dict[str, list[dict[str, Any]]] = {}
    for model in models.values():
        for notify in (model.observability.notify if model.observability else {}).values():
            config = receiver_config(notify)
            if config not in configs.setdefault(notify.name, []):
                configs[notify.name].append(config)
    out: dict[tuple[str, str], str] = {}
    for env, model in models.items():
        for notify in (model.observability.notify if model.observability else {}).values():
            name = notify.name if len(configs[notify.name]) == 1 else f"{notify.name}-{env}"
            out[(env, notify.name)] = f"{name}-notify" if name == UNROUTED else name
    return out


def emit_alertmanager(models: dict[str, ir.EnvironmentModel]) -> tuple[dict[str, Any], list[Diagnostic]]:
    names_of = _receiver_names(models)
    diagnostics: list[Diagnostic] = []
    receivers: dict[str, dict[str, Any]] = {UNROUTED: {"name": UNROUTED}}
    env_routes: list[dict[str, Any]] = []
    for env, model in models.items():
        observability = model.observability
        if observability is None or not observability.notify:
            continue
        routes: list[dict[str, Any]] = []
        for notify in observability.notify.values():
            name = names_of[(env, notify.name)]
            receivers.setdefault(name, {"name": name, **receiver_config(notify)})
            if (diagnostic := webhook_diagnostic(notify, env)) is not None:
                diagnostics.append(diagnostic)
            routes.append(
                {
                    "receiver": name,
                    "matchers": [f"severity=~{names.promql_string('|'.join(at_or_above(notify.severity)))}"],
                    "continue": True,
                }
            )
        if observability.escalate is not None:
            routes.append(
                {
                    "receiver": names_of[(env, observability.escalate.to.name)],
                    "matchers": ['severity="critical"'],
                    "group_wait": observability.escalate.after.text,
                    "continue": True,
                }
            )
        matchers = [f"environment={names.promql_string(env)}"]
        env_routes.append({"receiver": UNROUTED, "matchers": matchers, "routes": routes})
    config = {
        "global": {
            "resolve_timeout": "5m",
            # Email needs a relay: these are placeholders the operator overrides (docs/observability.md).
            "smtp_smarthost": SMTP_SMARTHOST,
            "smtp_from": "alertmanager@localhost",
        },
        "route": {
            "receiver": UNROUTED,
            "group_by": ["alertname", "service", "environment"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "4h",
            "routes": env_routes,
        },
        "receivers": [receivers[k] for k in [UNROUTED, *sorted(k for k in receivers if k != UNROUTED)]],
        "inhibit_rules": [
            {
                "source_matchers": ['severity="critical"'],
                "target_matchers": ['severity=~"warning|info"'],
                "equal": ["service", "environment"],
            }
        ],
    }
    return config, diagnostics
