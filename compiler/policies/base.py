"""What a policy is: a documented, pure function over one environment's model.

A policy module holds its documentation as the module docstring (ruff's sections: `## What it
does`, `## Why is this bad?`, `## Example`, `Use instead:`, `## References`), and a module-level
`POLICY = Policy(...)` whose `check(env)` yields `Finding`s. `stackc explain`, the catalogue page
and the SARIF rules all print that one docstring.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from stackc import ir
from stackc.diagnostics import Severity, Span
from stackc.values import Ref, Text


@dataclass(frozen=True, slots=True)
class Finding:
    """One place where a policy fires in one environment."""

    message: str
    span: Span | None
    # The blocks whose `allow CODE { … }` silences this finding, innermost first: for a route,
    # the route then its gateway; for a service, the service (whose allows include its
    # templates', since `allow` blocks layer like any other block).
    within: tuple[ir.Block, ...] = ()
    note: str | None = None
    help: str | None = None
    # A finding graver (or milder) than the policy's default: SEC002 is a warning, but an
    # error for SYS_ADMIN. A `policy { severity = … }` override still wins.
    severity: Severity | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    code: str
    name: str
    severity: Severity
    # One line, as in POLICIES.md's "fires when" column.
    summary: str
    # The matching checks of other tools (Checkov, kube-score, kube-linter, Polaris, PSS, zizmor).
    anchors: tuple[str, ...]
    docs: str
    check: Callable[[ir.EnvironmentModel], Iterable[Finding]]
    # Report a finding only if it holds in every environment: "nothing uses this secret" is
    # not worth saying when prod uses it and dev does not.
    only_if_everywhere: bool = False

    @property
    def category(self) -> str:
        return self.code.rstrip("0123456789")

    @property
    def page(self) -> str:
        """What `stackc explain CODE` and the catalogue page print."""
        return (
            f"# {self.code} {self.name}\n\n"
            f"Default severity: {self.severity.label}. Fires when {self.summary}.\n"
            f"Corresponds to: {', '.join(self.anchors)}.\n\n{self.docs.strip()}\n"
        )


# -- queries several policies share ----------------------------------------------------------------


def env_refs(service: ir.Service) -> Iterator[Ref]:
    """Every reference in a service's `env`, whole values and interpolations alike."""
    for value in service.env.values():
        if isinstance(value, Ref):
            yield value
        elif isinstance(value, Text):
            yield from value.refs


def secret_users(env: ir.EnvironmentModel) -> dict[str, list[tuple[ir.Block, Span]]]:
    """Secret name -> the blocks that use it in this environment, with where."""
    users: dict[str, list[tuple[ir.Block, Span]]] = {}
    for service in env.services.values():
        for ref in env_refs(service):
            if ref.kind == "secret":
                users.setdefault(ref.name, []).append((service, ref.span))
            elif ref.kind in ("database", "queue") and ref.prop == "uri":
                backing = (env.databases if ref.kind == "database" else env.queues).get(ref.name)
                if backing is not None and backing.external is not None:
                    users.setdefault(backing.external.name, []).append((service, ref.span))
    for backing in (*env.databases.values(), *env.queues.values()):
        if backing.external is not None:
            users.setdefault(backing.external.name, []).append((backing, backing.external.span))
    if env.observability is not None:
        for notify in env.observability.notify.values():
            for ref in (notify.key, notify.webhook, notify.url):
                if isinstance(ref, Ref) and ref.kind == "secret":
                    users.setdefault(ref.name, []).append((notify, ref.span))
    return users


def routed_services(env: ir.EnvironmentModel) -> dict[str, list[tuple[ir.Gateway, ir.Route]]]:
    """Service name -> the gateway routes that reach it."""
    routed: dict[str, list[tuple[ir.Gateway, ir.Route]]] = {}
    for gateway in env.gateways.values():
        for route in gateway.routes.values():
            routed.setdefault(route.to.name, []).append((gateway, route))
    return routed
