"""Resolve a loaded program into one typed model per environment (LANGUAGE.md §2).

Per environment and per block: layer template chain < environment `replicas` < the block's
own attributes < its `when` blocks, decode the result into the IR, then fill in derived
defaults. Diagnostics found in several environments are merged into one by the caller.
"""

from __future__ import annotations

from stackc import ir
from stackc.diagnostics import Diagnostic, Label, did_you_mean, error, merge_environments
from stackc.resolve.cycles import find_cycles
from stackc.resolve.declarations import Declarations, declare
from stackc.resolve.merge import Body, LayerCache, merge, own_layer
from stackc.resolve.program import Program, std_modules
from stackc.resolve.references import check_model
from stackc.schema.decode import Context, decode_block, layer_rules
from stackc.syntax import tree as t
from stackc.values import Cpu

PROD_NAMES = ("prod", "production")


def resolve(program: Program) -> tuple[dict[str, ir.EnvironmentModel], list[Diagnostic]]:
    decls = declare(program.blocks, program.entry, program.broken)
    diagnostics = [*program.diagnostics, *decls.diagnostics]
    environments = decls.names("environment") or ["default"]
    diagnostics.extend(_check_whens(program.blocks, environments, bool(decls.names("environment"))))
    diagnostics.extend(_template_cycles(decls))
    models: dict[str, ir.EnvironmentModel] = {}
    layers = LayerCache()
    if decls.single("stack") is not None:
        for name in environments:
            ctx = Context(environment=name, layers=layers, broken=program.broken)
            models[name] = _resolve_environment(decls, name, environments, ctx)
            diagnostics.extend(d.in_environments([name]) for d in ctx.diagnostics)
    return models, merge_environments(diagnostics, environments)


def _resolve_environment(decls: Declarations, env: str, environments: list[str], ctx: Context) -> ir.EnvironmentModel:
    stack = _decode_single(decls, "stack", ir.Stack, env, ctx) or ir.construct(ir.Stack, name="stack")
    if stack.registry is None:
        ir.assign(stack, registry=f"ghcr.io/{stack.owner.lower()}")
    environment = _environment(decls, env, stack, ctx)
    ctx.statics = {
        "env.name": env,
        "env.domain": environment.domain,
        "env.namespace": environment.namespace,
        "stack.name": stack.name,
        "stack.owner": stack.owner,
        "stack.domain": stack.domain,
        "stack.registry": stack.registry,
    }
    replicas_layer = _replicas_layer(decls, env, ctx)

    templates = {}
    for name, block in decls.by_kind["template"].items():
        body, extends = _chain(block, env, decls, ctx, (name,))
        templates[name] = decode_block(body, ir.Service, ctx, label=name, partial=True, what=f"template {name}")
        ir.assign(templates[name], extends=extends)

    services = {}
    for name, block in decls.by_kind["service"].items():
        body, extends = _chain(block, env, decls, ctx, (), replicas_layer)
        # A service whose template is missing would also miss what the template gives it:
        # report the template, not the consequences.
        broken = extends is None and isinstance(body.attribute("extends") or _own_extends(block), t.Attribute)
        service = decode_block(body, ir.Service, ctx, label=name, what=f"service {name}", partial=broken)
        ir.assign(service, extends=extends)
        _derive_service(service, stack, environment)
        services[name] = service

    databases = {name: _decode(block, ir.Database, env, ctx) for name, block in decls.by_kind["database"].items()}
    queues = {name: _decode(block, ir.Queue, env, ctx) for name, block in decls.by_kind["queue"].items()}
    for backing in (*databases.values(), *queues.values()):
        _derive_resources(backing.resources)

    secrets = {name: _decode(block, ir.Secret, env, ctx) for name, block in decls.by_kind["secret"].items()}
    for backing in (*databases.values(), *queues.values()):
        if backing.form == "container":
            _declare_credentials(backing, secrets, decls, ctx)

    gateways = {name: _decode(block, ir.Gateway, env, ctx) for name, block in decls.by_kind["gateway"].items()}
    for gateway in gateways.values():
        _derive_gateway(gateway, environment, ctx)

    model = ir.construct(
        ir.EnvironmentModel,
        stack=stack,
        environment=environment,
        environments=environments,
        services=services,
        templates=templates,
        databases=databases,
        queues=queues,
        secrets=secrets,
        gateways=gateways,
        observability=_decode_single(decls, "observability", ir.Observability, env, ctx),
        pipeline=_decode_single(decls, "pipeline", ir.Pipeline, env, ctx),
        policy=_decode_single(decls, "policy", ir.Policy, env, ctx),
    )
    check_model(model, ctx)
    return model


# -- layering ------------------------------------------------------------------------------------


def _decode(block: t.Block, model: type[ir.Block], env: str, ctx: Context):
    body = own_layer(block, env, layer_rules(model), ctx.diagnostics, ctx.layers)
    label = block.labels[0].value if block.labels else None
    return decode_block(body, model, ctx, label=label)


def _decode_single(decls: Declarations, kind: str, model: type[ir.Block], env: str, ctx: Context):
    block = decls.single(kind)
    return _decode(block, model, env, ctx) if block is not None else None


def _chain(
    block: t.Block,
    env: str,
    decls: Declarations,
    ctx: Context,
    visiting: tuple[str, ...],
    between: Body | None = None,
) -> tuple[Body, str | None]:
    """The block's body over the chain of templates it extends, and the template's name.

    `between` is layered over the templates and under the block itself: the environment's
    `replicas` (LANGUAGE.md §2, precedence).
    """
    rules = layer_rules(ir.Service)
    own = own_layer(block, env, rules, ctx.diagnostics, ctx.layers)
    extends = own.slots.pop("extends", None)

    def alone() -> tuple[Body, None]:
        # Without a template to stand on, `between` lies directly under the block's own layer.
        return (merge(between, own, rules) if between else own), None

    if not isinstance(extends, t.Attribute):
        return alone()
    value = extends.value
    if isinstance(value, t.Symbol):
        name = value.name
    elif isinstance(value, t.String) and value.is_plain:
        name = value.value
    else:
        if not isinstance(value, t.Invalid):
            ctx.diagnostics.append(
                error("E0303", "`extends` takes the name of a template", value.span, help="write `extends = TEMPLATE`")
            )
        return alone()
    templates = decls.by_kind["template"]
    if name not in templates and ("template", name) in ctx.broken:
        return alone()
    if name not in templates:
        suggestion = did_you_mean(name, templates)
        module = name if name in std_modules() else did_you_mean(name, std_modules())
        if module is not None:
            help = (
                f'the standard library has it: `import "std/{module}"`'
                if module == name
                else f'the standard library has `{module}`: `import "std/{module}"` and `extends = {module}`'
            )
        elif templates:
            help = "declared templates: " + ", ".join(templates)
        else:
            help = "declare one with `template NAME { … }`, or import one from the standard library"
        ctx.diagnostics.append(
            error(
                "E0205",
                f"no template `{name}` is declared",
                value.span,
                note=f"did you mean `{suggestion}`?" if suggestion else None,
                help=help,
            )
        )
        return alone()
    if name in visiting:
        return own, name  # a cycle, reported once by `_template_cycles`
    base, _ = _chain(templates[name], env, decls, ctx, (*visiting, name))
    if between is not None:
        base = merge(base, between, rules)
    return merge(base, own, rules), name


def _own_extends(block: t.Block) -> t.Attribute | None:
    return next(
        (m for m in _members_with_whens(block) if isinstance(m, t.Attribute) and m.name.value == "extends"), None
    )


def _replicas_layer(decls: Declarations, env: str, ctx: Context) -> Body | None:
    """The environment's `replicas`, as a layer between templates and the service itself."""
    block = decls.by_kind["environment"].get(env)
    if block is None:
        return None
    body = own_layer(block, env, layer_rules(ir.Environment), [], ctx.layers)
    replicas = body.attribute("replicas")
    if replicas is None:
        return None
    return Body(block, {"replicas": replicas})


# -- derived defaults ----------------------------------------------------------------------------


def _environment(decls: Declarations, env: str, stack: ir.Stack, ctx: Context) -> ir.Environment:
    block = decls.by_kind["environment"].get(env)
    environment = (
        _decode(block, ir.Environment, env, ctx) if block is not None else ir.construct(ir.Environment, name=env)
    )
    prod_like = environment.approval or env in PROD_NAMES
    ir.assign(environment, prod_like=prod_like)
    if environment.replicas is None:
        ir.assign(environment, replicas=2 if prod_like else 1)
    if environment.domain is None and stack.domain:
        ir.assign(environment, domain=stack.domain if prod_like else f"{env}.{stack.domain}")
    if environment.namespace is None:
        ir.assign(environment, namespace=f"{stack.name}-{env}")
    if environment.deploy is None:
        ir.assign(environment, deploy="manual" if environment.approval else "auto")
    return environment


def _derive_resources(resources: ir.Resources) -> None:
    if resources.cpu_limit is None:
        ir.assign(resources, cpu_limit=Cpu.of_millicores(4 * resources.cpu.millicores))
    if resources.memory_limit is None:
        ir.assign(resources, memory_limit=resources.memory)


def _derive_service(service: ir.Service, stack: ir.Stack, environment: ir.Environment) -> None:
    _derive_resources(service.resources)
    if service.replicas is None:
        ir.assign(service, replicas=environment.replicas)
    image_ref = service.image if service.image is not None else f"{stack.registry}/{stack.name}-{service.name}"
    ir.assign(service, image_ref=image_ref)


def _declare_credentials(
    backing: ir.Database | ir.Queue, secrets: dict[str, ir.Secret], decls: Declarations, ctx: Context
) -> None:
    name = backing.credentials
    declared = decls.by_kind["secret"].get(name)
    if declared is not None:
        ctx.diagnostics.append(
            error(
                "E0202",
                f"secret `{name}` collides with the credentials stackc declares for `{backing.name}`",
                declared.labels[0].span,
                labels=(Label(backing.span, f"`{backing.name}` runs as a container and gets `{name}`"),),  # type: ignore[arg-type]
                help="rename the secret; the generated one is referenced as "
                f"`{'database' if isinstance(backing, ir.Database) else 'queue'}.{backing.name}.uri`",
            )
        )
        return
    secrets[name] = ir.construct(
        ir.Secret,
        name=name,
        span=backing.span,
        source=ir.construct(ir.GenerateSource, span=backing.span),
        implicit=True,
    )


def _derive_gateway(gateway: ir.Gateway, environment: ir.Environment, ctx: Context) -> None:
    if gateway.host is None:
        ir.assign(gateway, host=environment.domain)
    if gateway.tls is None:
        if gateway.host is not None:
            ctx.diagnostics.append(
                error(
                    "E0306",
                    f"gateway `{gateway.name}` has a host name but sets no `tls`",
                    gateway.span,
                    help='choose a certificate source: `tls = letsencrypt("ops@example.com")`, '
                    "`tls = cloudflare()`, or `tls = off`",
                )
            )
        ir.assign(gateway, tls="off")
    elif gateway.tls != "off" and gateway.host is None:
        ctx.diagnostics.append(
            error(
                "E0406",
                f"gateway `{gateway.name}` requests a certificate but has no host name",
                gateway.span_of("tls"),
                note="a certificate needs a name to be issued for",
                help="set `host` on the gateway or `domain` on the stack, or use `tls = off`",
            )
        )


# -- whole-program checks ------------------------------------------------------------------------


def _check_whens(blocks: list[t.Block], environments: list[str], declared: bool) -> list[Diagnostic]:
    diagnostics: list[Diagnostic] = []
    stack = list(blocks)
    while stack:
        block = stack.pop()
        for member in block.body:
            if not isinstance(member, t.Block):
                continue
            stack.append(member)
            if member.type.value != "when":
                continue
            if not member.labels:
                diagnostics.append(
                    error(
                        "E0306",
                        "`when` needs at least one environment name",
                        member.header,
                        help="write `when prod { … }` or `when staging prod { … }`",
                    )
                )
            for label in member.labels:
                if label.value in environments:
                    continue
                suggestion = did_you_mean(label.value, environments)
                diagnostics.append(
                    error(
                        "E0206",
                        f"no environment `{label.value}` is declared",
                        label.span,
                        note=f"did you mean `{suggestion}`?" if suggestion else None,
                        help="declared environments: " + ", ".join(environments)
                        if declared
                        else "this stack declares no environments, so it has one named `default`; "
                        f"declare it with `environment {label.value} {{ }}`",
                    )
                )
    return diagnostics


def _template_cycles(decls: Declarations) -> list[Diagnostic]:
    graph: dict[str, list[tuple[str, object]]] = {}
    templates = decls.by_kind["template"]
    for name, block in templates.items():
        edges = graph.setdefault(name, [])
        for member in _members_with_whens(block):
            if isinstance(member, t.Attribute) and member.name.value == "extends":
                target = member.value
                target_name = target.name if isinstance(target, t.Symbol) else getattr(target, "value", None)
                if isinstance(target_name, str) and target_name in templates:
                    edges.append((target_name, member.span))
    diagnostics = []
    for cycle in find_cycles(graph, list(templates)):  # type: ignore[arg-type]
        first = cycle[0][0]
        chain = " → ".join([*(n for n, _ in cycle), first])
        diagnostics.append(
            error(
                "E0402",
                f"templates extend each other: {chain}",
                templates[first].labels[0].span,
                labels=tuple(Label(s, f"`{n}` extends the next template") for n, s in cycle),  # type: ignore[arg-type]
                help="break the cycle: a template may extend another only if that one does not extend it back",
            )
        )
    return diagnostics


def _members_with_whens(block: t.Block):
    for member in block.body:
        if isinstance(member, t.Block) and member.type.value == "when":
            yield from _members_with_whens(member)
        else:
            yield member
