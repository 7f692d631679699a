"""Index the top-level blocks: what kinds exist, how many, named how (LANGUAGE.md §1, §3)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from stackc import ir
from stackc.diagnostics import Diagnostic, Label, Span, did_you_mean, error
from stackc.syntax import tree as t


@dataclass(frozen=True, slots=True)
class Kind:
    model: type[ir.Block]
    labelled: bool
    # Names become container, Kubernetes and DNS names.
    dns_label: bool
    at_most_one: bool = False


KINDS: dict[str, Kind] = {
    "stack": Kind(ir.Stack, True, True, at_most_one=True),
    "environment": Kind(ir.Environment, True, True),
    "template": Kind(ir.Service, True, False),
    "service": Kind(ir.Service, True, True),
    "database": Kind(ir.Database, True, True),
    "queue": Kind(ir.Queue, True, True),
    "secret": Kind(ir.Secret, True, True),
    "gateway": Kind(ir.Gateway, True, True),
    "observability": Kind(ir.Observability, False, False, at_most_one=True),
    "pipeline": Kind(ir.Pipeline, False, False, at_most_one=True),
    "policy": Kind(ir.Policy, False, False, at_most_one=True),
}
# Services, databases and queues all become containers and Kubernetes Services: one namespace.
_WORKLOADS = ("service", "database", "queue")
_DNS_LABEL = re.compile(r"[a-z]([a-z0-9-]{0,61}[a-z0-9])?\Z")


@dataclass
class Declarations:
    by_kind: dict[str, dict[str, t.Block]] = field(default_factory=lambda: {k: {} for k in KINDS})
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def names(self, kind: str) -> list[str]:
        return list(self.by_kind.get(kind, {}))

    def single(self, kind: str) -> t.Block | None:
        return next(iter(self.by_kind[kind].values()), None)


def declare(blocks: list[t.Block], entry: str, broken: set[tuple[str, str]] = frozenset()) -> Declarations:  # type: ignore[assignment]
    decls = Declarations()
    workloads: dict[str, t.Block] = {}
    for block in blocks:
        kind_name = block.type.value
        kind = KINDS.get(kind_name)
        if kind is None:
            decls.diagnostics.append(_unknown_kind(block))
            continue
        if kind.labelled != bool(block.labels) or len(block.labels) > 1:
            decls.diagnostics.append(_label_count(block, kind))
            if not block.labels:
                continue
        name = block.labels[0].value if kind.labelled else kind_name
        if kind.dns_label and not is_dns_label(name):
            decls.diagnostics.append(bad_name(block.labels[0].span, kind_name, name))
        table = decls.by_kind[kind_name]
        if kind.at_most_one and table:
            first = next(iter(table.values()))
            decls.diagnostics.append(
                error(
                    "E0310",
                    f"`{kind_name}` may appear only once",
                    _name_span(block),
                    labels=(Label(_name_span(first), "first declared here"),),
                    help="merge the two blocks into one",
                )
            )
            continue
        if name in table:
            first = table[name]
            what = f"`{kind_name}`" if not kind.labelled or kind.at_most_one else f"{kind_name} `{name}`"
            decls.diagnostics.append(
                error(
                    "E0202",
                    f"{what} is declared twice" if not kind.at_most_one else f"{what} may appear only once",
                    _name_span(block),
                    labels=(Label(_name_span(first), "first declared here"),),
                    help="merge the two, or give one another name"
                    if kind.labelled and not kind.at_most_one
                    else "merge the two blocks into one",
                )
            )
            continue
        if kind_name in _WORKLOADS:
            if name in workloads:
                first = workloads[name]
                decls.diagnostics.append(
                    error(
                        "E0202",
                        f"`{name}` is declared as a {first.type.value} and as a {kind_name}",
                        _name_span(block),
                        labels=(Label(_name_span(first), "first declared here"),),
                        help="services, databases and queues share one set of names: they become "
                        "containers and Kubernetes Services",
                    )
                )
                continue
            workloads[name] = block
        table[name] = block
    if not decls.by_kind["stack"] and not any(kind == "stack" for kind, _ in broken):
        decls.diagnostics.append(
            error(
                "E0310",
                "no `stack` block: a stack needs exactly one",
                Span(entry, 1, 1, 1, 1),
                help='start the file with `stack NAME { owner = "…" }`',
            )
        )
    return decls


def _name_span(block: t.Block) -> Span:
    return block.labels[0].span if block.labels else block.type.span


def _unknown_kind(block: t.Block) -> Diagnostic:
    name = block.type.value
    suggestion = did_you_mean(name, KINDS)
    help = "top-level blocks: " + ", ".join(KINDS)
    if name == "when":
        help = "`when` goes inside the block it changes: `service api { when prod { replicas = 3 } }`"
    return error(
        "E0301",
        f"unknown block `{name}`",
        block.type.span,
        note=f"did you mean `{suggestion}`?" if suggestion else None,
        help=help,
    )


def _label_count(block: t.Block, kind: Kind) -> Diagnostic:
    name = block.type.value
    if kind.labelled and not block.labels:
        return error("E0306", f"`{name}` needs a name", block.header, help=f"write `{name} NAME {{ … }}`")
    if kind.labelled:
        return error(
            "E0303",
            f"`{name}` takes one name, found {len(block.labels)}",
            block.labels[1].span,
            help=f"write `{name} NAME {{ … }}`",
        )
    return error("E0303", f"`{name}` takes no name", block.labels[0].span, help=f"write `{name} {{ … }}`")


def is_dns_label(name: str) -> bool:
    return _DNS_LABEL.match(name) is not None


def bad_name(span: Span, kind: str, name: str) -> Diagnostic:
    if len(name) > 63:
        why = f"it is {len(name)} characters long; the limit is 63"
    elif not name[:1].isalpha() or not name[:1].islower():
        why = "it must start with a lowercase letter"
    elif name.endswith("-"):
        why = "it must not end with `-`"
    else:
        why = "it may contain only lowercase letters, digits and `-`"
    fixed = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:63] or "name"
    if not fixed[0].isalpha():
        fixed = "x-" + fixed
    return error(
        "E0201",
        f"`{name}` is not a valid {kind} name: {why}",
        span,
        help=f"{kind} names become container, Kubernetes and DNS names (DNS labels); try `{fixed}`",
    )
