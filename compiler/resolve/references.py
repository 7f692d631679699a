"""Checks that need the whole environment model: references, port names, `uses` cycles and
impossible combinations (LANGUAGE.md §2–§4)."""

from __future__ import annotations

from stackc import ir
from stackc.diagnostics import Label, Span, did_you_mean, error
from stackc.resolve.cycles import find_cycles
from stackc.schema.decode import REFERENCE_PROPERTIES, Context
from stackc.values import Ref


def check_model(model: ir.EnvironmentModel, ctx: Context) -> None:
    declared = _declared(model)
    for ref, _kinds in ctx.references:
        _check_reference(ref, declared, model, ctx)
    for service in model.services.values():
        _resolve_ports(service, ctx)
    for gateway in model.gateways.values():
        for route in gateway.routes.values():
            _resolve_route_port(route, model, ctx)
    for backing in (*model.databases.values(), *model.queues.values()):
        if backing.managed and backing.external is not None:
            ctx.diagnostics.append(
                error(
                    "E0405",
                    f"`{backing.name}` is both `managed` and `external`",
                    backing.span_of("external"),
                    labels=(Label(backing.span_of("managed"), "`managed = true` set here"),),  # type: ignore[arg-type]
                    help="`managed` provisions a new one in the cloud; `external` uses one that exists: choose one",
                )
            )
    _check_notify(model, ctx)
    _uses_cycles(model, ctx)


def _declared(model: ir.EnvironmentModel) -> dict[str, dict[str, object]]:
    return {
        "service": dict(model.services),
        "template": dict(model.templates),
        "database": dict(model.databases),
        "queue": dict(model.queues),
        "secret": dict(model.secrets),
        "gateway": dict(model.gateways),
        "notify": dict(model.observability.notify) if model.observability else {},
        "environment": {name: None for name in model.environments},
    }


def _check_reference(
    ref: Ref, declared: dict[str, dict[str, object]], model: ir.EnvironmentModel, ctx: Context
) -> None:
    table = declared[ref.kind]
    if ref.name not in table and (ref.kind, ref.name) not in ctx.broken:
        suggestion = did_you_mean(ref.name, [n for n in table if not _implicit(table[n])])
        listed = [n for n in table if not _implicit(table[n])]
        ctx.diagnostics.append(
            error(
                "E0204",
                f"no {ref.kind} `{ref.name}` is declared",
                ref.span,
                note=f"did you mean `{ref.kind}.{suggestion}`?" if suggestion else None,
                help=f"declared {ref.kind}s: " + ", ".join(listed)
                if listed
                else f"declare it: `{ref.kind} {ref.name} {{ … }}`",
            )
        )
        return
    if ref.prop is None or ref.name not in table:
        return
    properties = REFERENCE_PROPERTIES[ref.kind]
    head, _, rest = ref.prop.partition(".")
    if head == "ports" and ref.kind == "service":
        ports = model.services[ref.name].ports
        if rest in ports:
            return
        suggestion = did_you_mean(rest, ports)
        ctx.diagnostics.append(
            error(
                "E0209",
                f"service `{ref.name}` has no port named `{rest}`" if rest else "`ports` needs a port name",
                ref.span,
                note=f"did you mean `ports.{suggestion}`?" if suggestion else None,
                help="its ports: " + ", ".join(ports) if ports else f"service `{ref.name}` declares no ports",
            )
        )
        return
    if head in properties and not rest and head != "ports":
        return
    suggestion = did_you_mean(ref.prop, properties)
    ctx.diagnostics.append(
        error(
            "E0209",
            f"a {ref.kind} has no property `{ref.prop}`",
            ref.span,
            note=f"did you mean `{ref.kind}.{ref.name}.{suggestion}`?" if suggestion else None,
            help=f"a {ref.kind} has: " + ", ".join(p if p != "ports" else "ports.NAME" for p in properties)
            if properties
            else f"a {ref.kind} reference takes no property: write `{ref.kind}.{ref.name}`",
        )
    )


def _implicit(item: object) -> bool:
    return isinstance(item, ir.Secret) and item.implicit


def _port_number(service: ir.Service, value: int | str, span: Span, ctx: Context, what: str) -> int | None:
    if isinstance(value, int):
        if 1 <= value <= 65535:
            return value
        ctx.diagnostics.append(error("E0311", f"port `{value}` is out of range", span, help="ports are 1 to 65535"))
        return None
    if value in service.ports:
        return service.ports[value]
    suggestion = did_you_mean(value, service.ports)
    ctx.diagnostics.append(
        error(
            "E0204",
            f"service `{service.name}` has no port named `{value}`",
            span,
            note=f"did you mean `{suggestion}`?" if suggestion else None,
            help=f"{what} takes a port name of `ports` or a number; its ports: " + ", ".join(service.ports)
            if service.ports
            else f"{what} takes a port number here: the service declares no `ports`",
        )
    )
    return None


def _resolve_ports(service: ir.Service, ctx: Context) -> None:
    """Port names become numbers, and checks fall back to the primary port (LANGUAGE.md §3)."""
    primary = service.primary_port
    health = service.health
    if health is not None:
        for field in ("port", "tcp"):
            value = getattr(health, field)
            if value is not None:
                number = _port_number(service, value, health.span_of(field), ctx, f"`health.{field}`")  # type: ignore[arg-type]
                ir.assign(health, **{field: number})
        needs_port = health.http is not None or health.tcp is not None
        if needs_port and health.port is None and health.tcp is None:
            if primary is None:
                ctx.diagnostics.append(
                    error(
                        "E0306",
                        f"the `http` health check of `{service.name}` has no port to probe",
                        health.span_of("http"),  # type: ignore[arg-type]
                        help="declare `ports = { http = 8080 }`, set `port` in `health`, or use "
                        '`command = ["…"]` for a service without ports',
                    )
                )
            else:
                ir.assign(health, port=primary[1])
    metrics = service.metrics
    if metrics is not None:
        if metrics.port is not None:
            number = _port_number(service, metrics.port, metrics.span_of("port"), ctx, "`metrics.port`")  # type: ignore[arg-type]
            ir.assign(metrics, port=number)
        elif primary is not None:
            ir.assign(metrics, port=primary[1])
        else:
            ctx.diagnostics.append(
                error(
                    "E0306",
                    f"`metrics` of `{service.name}` has no port to scrape",
                    metrics.span,  # type: ignore[arg-type]
                    help="set `port` in `metrics`, or declare `ports`",
                )
            )


def _resolve_route_port(route: ir.Route, model: ir.EnvironmentModel, ctx: Context) -> None:
    service = model.services.get(route.to.name)
    if service is None:
        return  # the reference check reported it
    if route.port is not None:
        ir.assign(route, port=_port_number(service, route.port, route.span_of("port"), ctx, "`port`"))  # type: ignore[arg-type]
    elif service.primary_port is not None:
        ir.assign(route, port=service.primary_port[1])
    else:
        ctx.diagnostics.append(
            error(
                "E0306",
                f"route `{route.path}` goes to `{service.name}`, which has no ports",
                route.to.span,
                help=f"declare `ports` on service `{service.name}`, or route to a service that listens",
            )
        )


def _check_notify(model: ir.EnvironmentModel, ctx: Context) -> None:
    if model.observability is None:
        return
    for notify in model.observability.notify.values():
        if notify.type is None:
            if notify.name in ir.Notify.required_by_type:
                ir.assign(notify, type=notify.name)
            else:
                ctx.diagnostics.append(
                    error(
                        "E0306",
                        f"notify `{notify.name}` needs a `type`",
                        notify.span,
                        help="name the block after its type (`notify slack { … }`) or set "
                        "`type = slack|pagerduty|email|webhook`",
                    )
                )
                continue
        for needed in ir.Notify.required_by_type[notify.type]:
            if getattr(notify, needed) is None:
                ctx.diagnostics.append(
                    error(
                        "E0306",
                        f"a {notify.type} receiver needs `{needed}`",
                        notify.span,
                        help=f"add `{needed} = …` to notify `{notify.name}`",
                    )
                )
        allowed = ir.Notify.allowed_by_type[notify.type]
        for name, span in notify.spans.items():
            if name in ("type", "severity") or name in allowed:
                continue
            ctx.diagnostics.append(
                error(
                    "E0302",
                    f"a {notify.type} receiver has no attribute `{name}`",
                    span,
                    help=f"a {notify.type} receiver takes: " + ", ".join(("type", "severity", *allowed)),
                )
            )


def _uses_cycles(model: ir.EnvironmentModel, ctx: Context) -> None:
    graph = {
        name: [(ref.name, ref.span) for ref in service.uses if ref.kind == "service" and ref.name in model.services]
        for name, service in model.services.items()
    }
    for cycle in find_cycles(graph, list(model.services)):
        first, _ = cycle[0]
        chain = " → ".join([*(n for n, _ in cycle), first])
        ctx.diagnostics.append(
            error(
                "E0403",
                f"services depend on each other: {chain}",
                model.services[first].span,
                labels=tuple(Label(span, f"`{name}` uses the next service") for name, span in cycle),
                help="Compose cannot start services that wait on each other: remove one `uses` edge",
            )
        )
