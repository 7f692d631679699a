"""Run the catalogue over every environment: suppressions, severity overrides, unused allows.

Each policy runs on each environment's model. A finding is silenced by `allow CODE` in one of
the blocks it names (innermost first) or by `policy { allow CODE { on = [...] } }`; an allow
that silences nothing in any environment is itself reported (REL000). Copies of a finding in
several environments become one finding that names them (`merge_environments`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from stackc import ir
from stackc.diagnostics import Diagnostic, Severity, Span, did_you_mean, error, merge_environments
from stackc.policies import Finding, Policy, all_policies

UNUSED_ALLOW = "REL000"


@dataclass
class PolicyReport:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Findings an `allow` silenced, with its reason: SARIF carries them as suppressed results.
    suppressed: list[tuple[Diagnostic, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Selection:
    """`--select` / `--ignore` code prefixes, as ruff takes them."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def __contains__(self, code: str) -> bool:
        chosen = not self.select or any(code.startswith(p) for p in self.select)
        return chosen and not any(code.startswith(p) for p in self.ignore)


def check_policies(
    models: dict[str, ir.EnvironmentModel], environments: Sequence[str], selection: Selection | None = None
) -> PolicyReport:
    selection = selection or Selection()
    policies = all_policies()
    report = PolicyReport()
    found: list[Diagnostic] = []
    # Allow spans: where each allow is, what it allows, whether anything used it, and whether
    # its policy ran at all where it stands (a policy turned off cannot make an allow unused).
    allows: dict[Span, tuple[str, bool]] = {}
    used: set[Span] = set()
    for name, model in models.items():
        severities = _severities(model, policies, found)
        policy_allows = model.policy.allows if model.policy is not None else {}
        for allow in _all_allows(model):
            if allow.code not in policies:
                found.append(_unknown_code(allow.code, allow.span, policies, name))
                continue
            ran = allow.code in selection and severities.get(allow.code) != "off"
            before = allows.get(allow.span)  # type: ignore[arg-type]
            allows[allow.span] = (allow.code, ran or (before is not None and before[1]))  # type: ignore[index]
        identity = _identities(model)
        for policy in policies.values():
            if policy.code == UNUSED_ALLOW or policy.code not in selection:
                continue
            severity = severities.get(policy.code)
            if severity == "off":
                continue
            for finding in policy.check(model):
                level = Severity.parse(severity) if severity else (finding.severity or policy.severity)
                diagnostic = _diagnostic(policy, level, finding, name)
                allow = _suppressor(policy.code, finding, policy_allows, identity)
                if allow is None:
                    found.append(diagnostic)
                else:
                    used.add(allow.span)  # type: ignore[arg-type]
                    report.suppressed.append((diagnostic, allow.reason))
    found = _drop_partial(found, policies, len(models))
    found.extend(_unused_allows(allows, used, models, selection))
    report.diagnostics = merge_environments(found, list(environments))
    report.suppressed = _merge_suppressed(report.suppressed, environments)
    return report


def _drop_partial(found: list[Diagnostic], policies: dict[str, Policy], environments: int) -> list[Diagnostic]:
    """Findings of `only_if_everywhere` policies that did not fire in every environment go."""
    counts: dict[tuple, int] = {}
    for d in found:
        if d.code in policies and policies[d.code].only_if_everywhere:
            key = (d.code, d.span, d.message)
            counts[key] = counts.get(key, 0) + 1
    return [
        d
        for d in found
        if not (d.code in policies and policies[d.code].only_if_everywhere)
        or counts[(d.code, d.span, d.message)] >= environments
    ]


def _diagnostic(policy: Policy, level: Severity, finding: Finding, environment: str) -> Diagnostic:
    return Diagnostic(
        policy.code,
        level,
        finding.message,
        finding.span,
        note=finding.note,
        help=finding.help or f"see `stackc explain {policy.code}`",
        environments=(environment,),
    )


def _severities(model: ir.EnvironmentModel, policies: dict[str, Policy], found: list[Diagnostic]) -> dict[str, str]:
    if model.policy is None:
        return {}
    overrides = dict(model.policy.severity)
    for code in list(overrides):
        if code not in policies:
            found.append(_unknown_code(code, model.policy.span_of("severity"), policies, model.name))
            del overrides[code]
    return overrides


def _unknown_code(code: str, span: Span | None, policies: dict[str, Policy], environment: str) -> Diagnostic:
    suggestion = did_you_mean(code, policies)
    return error(
        "E0312",
        f"no policy `{code}`",
        span,
        note=f"did you mean `{suggestion}`?" if suggestion else None,
        help="`stackc explain --list` lists every policy code",
        environments=(environment,),
    )


def _all_allows(model: ir.EnvironmentModel) -> Iterator[ir.Allow | ir.PolicyAllow]:
    for block in _blocks(model):
        yield from block.allows.values()
    if model.policy is not None:
        yield from model.policy.allows.values()


def _blocks(model: ir.EnvironmentModel) -> Iterator[ir.Block]:
    yield model.stack
    yield model.environment
    yield from model.services.values()
    yield from model.templates.values()
    yield from model.databases.values()
    yield from model.queues.values()
    yield from (s for s in model.secrets.values() if not s.implicit)
    for gateway in model.gateways.values():
        yield gateway
        yield from gateway.routes.values()
    if model.observability is not None:
        yield model.observability
    if model.pipeline is not None:
        yield model.pipeline


def _identities(model: ir.EnvironmentModel) -> dict[int, tuple[str, str]]:
    """Block identity -> the (kind, name) a `policy { allow … { on = [kind.name] } }` names."""
    identity: dict[int, tuple[str, str]] = {id(model.environment): ("environment", model.name)}
    for kind, table in (
        ("service", model.services),
        ("template", model.templates),
        ("database", model.databases),
        ("queue", model.queues),
        ("secret", model.secrets),
        ("gateway", model.gateways),
    ):
        for name, block in table.items():
            identity[id(block)] = (kind, name)
    return identity


def _suppressor(
    code: str, finding: Finding, policy_allows: dict[str, ir.PolicyAllow], identity: dict[int, tuple[str, str]]
) -> ir.Allow | ir.PolicyAllow | None:
    for block in finding.within:
        allow = block.allows.get(code)  # type: ignore[attr-defined]
        if allow is not None:
            return allow
    allow = policy_allows.get(code)
    if allow is None:
        return None
    if not allow.on:
        return allow  # no `on`: the whole stack
    named = {identity.get(id(block)) for block in finding.within}
    return allow if any((ref.kind, ref.name) in named for ref in allow.on) else None


def _unused_allows(
    allows: dict[Span, tuple[str, bool]],
    used: set[Span],
    models: dict[str, ir.EnvironmentModel],
    selection: Selection,
) -> list[Diagnostic]:
    if UNUSED_ALLOW not in selection:
        return []
    severity = _override(models, UNUSED_ALLOW)
    if severity == "off":
        return []
    level = Severity.parse(severity) if severity else Severity.WARNING
    unused = []
    for span, (code, ran) in allows.items():
        if ran and span not in used:
            unused.append(
                Diagnostic(
                    UNUSED_ALLOW,
                    level,
                    f"`allow {code}` suppresses nothing",
                    span,
                    help=f"{code} does not fire here in any environment: remove the `allow`",
                )
            )
    return unused


def _override(models: dict[str, ir.EnvironmentModel], code: str) -> str | None:
    for model in models.values():
        if model.policy is not None and code in model.policy.severity:
            return model.policy.severity[code]
    return None


def _merge_suppressed(
    suppressed: list[tuple[Diagnostic, str]], environments: Sequence[str]
) -> list[tuple[Diagnostic, str]]:
    reasons = {(d.code, d.span, d.message): reason for d, reason in suppressed}
    merged = merge_environments([d for d, _ in suppressed], list(environments))
    return [(d, reasons[(d.code, d.span, d.message)]) for d in merged]


def policy_rules():
    """SARIF rules for the whole catalogue."""
    from stackc.render import RuleInfo

    return [RuleInfo(p.code, p.name, p.summary, p.docs.strip(), p.severity) for p in all_policies().values()]
