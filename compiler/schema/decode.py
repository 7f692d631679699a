"""Decode merged block bodies into IR models, reading the schema off the models' annotations.

Every type in the IR compiles once into a small decoder function (`_compile`); decoding a block
then costs a dictionary walk. Errors are collected, never raised: a value that fails to decode
is left at its default, so one bad attribute yields one diagnostic and nothing cascades.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from stackc import ir
from stackc.diagnostics import Diagnostic, Label, Span, did_you_mean, error
from stackc.resolve.declarations import bad_name, is_dns_label
from stackc.resolve.merge import Body, LayerCache, LayerRules, slot_name
from stackc.schema.spec import Lang
from stackc.syntax import tree as t
from stackc.values import Cpu, Duration, Percent, Ref, Size, Text

FAIL: Any = object()  # a value that did not decode; its diagnostic is already out

# Kinds a reference can start with, and the properties each offers (LANGUAGE.md §3, §4).
REFERENCE_PROPERTIES: dict[str, tuple[str, ...]] = {
    "service": ("host", "port", "url", "image", "ports"),
    "database": ("host", "port", "uri", "name"),
    "queue": ("host", "port", "uri", "name"),
    "secret": (),
    "notify": (),
    "template": (),
    "gateway": (),
    "environment": (),
}
STATIC_REFERENCES = {
    "env": ("name", "domain", "namespace"),
    "stack": ("name", "owner", "domain", "registry"),
}
_QUANTITY_KINDS = {
    Duration: ("duration", ("ms", "s", "m", "h", "d", "w"), "a duration such as `30s`"),
    Size: ("size", ("Ki", "Mi", "Gi", "Ti", "k", "M", "G", "T"), "a size such as `256Mi`"),
    Cpu: ("CPU amount", ("m",), "a CPU amount such as `250m` or `0.5`"),
    Percent: ("percentage", ("%",), "a percentage such as `99.9%`"),
}
_UNIT_KIND = {u: kind for kind, (_, units, _) in _QUANTITY_KINDS.items() for u in units}
_UNIT_KIND["m"] = Duration  # `5m` is minutes unless the attribute takes a CPU amount


@dataclass
class Context:
    """What decoding a block needs to know of the rest of the stack."""

    environment: str
    # `env.domain` and friends: known while compiling, so they are substituted into strings.
    statics: dict[str, str | None] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Every reference met, with the kinds its position allows, for the reference pass.
    references: list[tuple[Ref, tuple[str, ...]]] = field(default_factory=list)
    # Own layers shared by all environments of one compilation (`merge.LayerCache`).
    layers: LayerCache | None = None
    # Declarations that did not parse: references to them are not reported again.
    broken: set[tuple[str, str]] = field(default_factory=set)


Decoder = Callable[[t.Node, Context], Any]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    attr: str
    name: str
    lang: Lang
    decode: Decoder
    # For blocks: the model; for repeated blocks: the model of one item.
    model: type[ir.Block] | None
    repeated: bool
    accepts_attribute: bool
    accepts_none: bool
    alternatives: tuple[str, ...]


# -- schema --------------------------------------------------------------------------------------


@cache
def fields_of(model: type[ir.Block]) -> dict[str, FieldSpec]:
    """The language view of a model: language name -> how to decode it."""
    specs: dict[str, FieldSpec] = {}
    groups = {name: group for group in model.exactly_one for name in group}
    for attr, info in model.model_fields.items():
        lang = next((m for m in info.metadata if isinstance(m, Lang)), Lang())
        if lang.derived:
            continue
        annotation = info.annotation
        name = lang.name or attr
        block_model = _block_model(annotation)
        if lang.repeated:
            item = get_args(_strip(annotation))[1]
            specs[name] = FieldSpec(attr, name, lang, _never, _strip(item), True, False, False, ())
            continue
        specs[name] = FieldSpec(
            attr,
            name,
            lang,
            _compile(annotation, lang),
            block_model,
            False,
            block_model is None or _has_non_block_alternative(annotation) or block_model.shorthand is not None,
            "none" in _literal_values(annotation),
            groups.get(name, ()),
        )
    return specs


@cache
def layer_rules(model: type[ir.Block]) -> LayerRules:
    specs = fields_of(model)

    def nested(name: str) -> LayerRules:
        spec = specs.get(name)
        return layer_rules(spec.model) if spec is not None and spec.model is not None else _LOOSE

    return LayerRules(
        none_is_value=lambda name: name in specs and specs[name].accepts_none,
        alternatives=lambda name: specs[name].alternatives if name in specs else (),
        nested=nested,
    )


_LOOSE = LayerRules(none_is_value=lambda _: False, alternatives=lambda _: (), nested=lambda _: _LOOSE)


def _strip(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _alternatives(annotation: Any) -> tuple[Any, ...]:
    annotation = _strip(annotation)
    if get_origin(annotation) in (Union, types.UnionType):
        return tuple(a for a in get_args(annotation) if a is not type(None))
    return (annotation,)


def _block_model(annotation: Any) -> type[ir.Block] | None:
    for alt in _alternatives(annotation):
        if isinstance(alt, type) and issubclass(alt, ir.Block) and not issubclass(alt, ir.Call):
            return alt
    return None


def _has_non_block_alternative(annotation: Any) -> bool:
    return any(
        not (isinstance(a, type) and issubclass(a, ir.Block)) or issubclass(a, ir.Call)
        for a in _alternatives(annotation)
    )


def _literal_values(annotation: Any) -> tuple[str, ...]:
    values: tuple[str, ...] = ()
    for alt in _alternatives(annotation):
        if get_origin(alt) is Literal:
            values += get_args(alt)
    return values


def _never(node: t.Node, ctx: Context) -> Any:  # pragma: no cover - repeated blocks never decode as values
    raise AssertionError("repeated blocks are decoded by decode_block")


# -- value decoders ------------------------------------------------------------------------------


def describe(node: t.Node) -> str:
    match node:
        case t.String():
            return f"string {node.raw}" if len(node.raw) <= 40 else "a string"
        case t.Number():
            return f"number `{node.text}`"
        case t.Quantity():
            return f"quantity `{node.text}`"
        case t.Bool():
            return f"`{'true' if node.value else 'false'}`"
        case t.NoneValue():
            return "`none`"
        case t.Symbol():
            return f"`{node.name}`"
        case t.Reference():
            return f"reference `{node.dotted}`"
        case t.ListValue():
            return "a list"
        case t.MapValue():
            return "a map"
        case t.Call():
            return f"call `{node.name.value}(…)`"
        case Body():
            return "a block"
    return "a value"


def _wrong_type(node: t.Node, expected: str, ctx: Context, help: str | None = None) -> Any:
    if isinstance(node, t.Invalid):
        return FAIL  # the syntax error already said what is wrong with it
    ctx.diagnostics.append(error("E0303", f"expected {expected}, found {describe(node)}", _span(node), help=help))
    return FAIL


def _span(node: t.Node | Body) -> Span:
    return node.node.header if isinstance(node, Body) else node.span


def _compile(annotation: Any, lang: Lang) -> Decoder:
    """One decoder function per type; `Annotated[..., Lang]` inside refines `lang`."""
    if get_origin(annotation) is Annotated:
        base, *meta = get_args(annotation)
        inner = next((m for m in meta if isinstance(m, Lang)), None)
        return _compile(base, inner if inner is not None and inner != Lang() else lang)
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return _union(get_args(annotation), lang)
    if origin is Literal:
        return _literal(get_args(annotation))
    if origin is list:
        return _list(_compile(get_args(annotation)[0], lang))
    if origin is dict:
        return _map(_compile(get_args(annotation)[1], lang))
    if annotation is str:
        return _symbol_or_string if lang.symbol else _string
    if annotation is bool:
        return _bool
    if annotation is int:
        return _int(lang)
    if annotation in _QUANTITY_KINDS:
        return _quantity(annotation, lang.positive)
    if annotation is Ref:
        return _reference(lang.kinds)
    if annotation is Text:
        return _text
    if isinstance(annotation, type) and issubclass(annotation, ir.Call):
        return _calls((annotation,))
    if isinstance(annotation, type) and issubclass(annotation, ir.Block):
        return _nested_block(annotation)
    raise TypeError(f"no decoder for {annotation!r}")  # pragma: no cover - a schema bug


def _expected(annotation: Any, lang: Lang) -> str:
    annotation = _strip(annotation)
    if get_origin(annotation) is Literal:
        return "one of " + ", ".join(f"`{v}`" for v in get_args(annotation))
    if annotation is str:
        return "a string"
    if annotation is int:
        return "a whole number"
    if annotation is bool:
        return "`true` or `false`"
    if annotation in _QUANTITY_KINDS:
        return _QUANTITY_KINDS[annotation][2]
    if annotation is Ref:
        return "a reference such as `" + (lang.kinds[0] if lang.kinds else "service") + ".NAME`"
    if isinstance(annotation, type) and issubclass(annotation, ir.Call):
        return f"`{annotation.call}(…)`"
    if isinstance(annotation, type) and issubclass(annotation, ir.Block):
        return "a block"
    if get_origin(annotation) is list:
        return "a list"
    if get_origin(annotation) is dict:
        return "a map"
    return "a value"


def _string(node: t.Node, ctx: Context) -> Any:
    if isinstance(node, t.String):
        if node.is_plain:
            return "".join(node.parts)  # type: ignore[arg-type]
        return _static_text(node, ctx)
    if isinstance(node, t.Reference) and node.parts[0].value in STATIC_REFERENCES:
        return _static_value(node, ctx)
    return _wrong_type(node, "a string", ctx, help="text goes in double quotes")


def _static_text(node: t.String, ctx: Context) -> Any:
    out: list[str] = []
    for part in node.parts:
        if isinstance(part, str):
            out.append(part)
            continue
        kind = part.ref.parts[0].value
        if kind not in STATIC_REFERENCES:
            ctx.diagnostics.append(
                error(
                    "E0303",
                    f"`${{{part.ref.dotted}}}` cannot be interpolated here",
                    part.span,
                    help="only `env.*` and `stack.*` values are known here; references to services, "
                    "databases and secrets may be interpolated into `env` values",
                )
            )
            return FAIL
        value = _static_value(part.ref, ctx)
        if value is FAIL:
            return FAIL
        out.append(value)
    return "".join(out)


def _static_value(ref: t.Reference, ctx: Context) -> Any:
    kind, *rest = [p.value for p in ref.parts]
    allowed = STATIC_REFERENCES[kind]
    if len(rest) != 1 or rest[0] not in allowed:
        prop = ".".join(rest)
        suggestion = did_you_mean(prop, allowed)
        ctx.diagnostics.append(
            error(
                "E0209",
                f"`{kind}` has no property `{prop}`",
                ref.span,
                note=f"did you mean `{kind}.{suggestion}`?" if suggestion else None,
                help=f"`{kind}` has: " + ", ".join(allowed),
            )
        )
        return FAIL
    value = ctx.statics.get(ref.dotted)
    if value is None:
        ctx.diagnostics.append(
            error(
                "E0210",
                f"`{ref.dotted}` has no value in environment `{ctx.environment}`",
                ref.span,
                help="set `domain` on the stack or the environment" if ref.dotted.endswith("domain") else None,
            )
        )
        return FAIL
    return value


def _text(node: t.Node, ctx: Context) -> Any:
    """An `env` value: text, a reference (a secret is delivered as a file), or interpolation."""
    if isinstance(node, (t.Number, t.Bool)):
        # Environment variables are strings; a bare number or boolean is what Compose users write.
        return node.text if isinstance(node, t.Number) else ("true" if node.value else "false")
    if isinstance(node, t.Reference):
        if node.parts[0].value in STATIC_REFERENCES:
            return _static_value(node, ctx)
        ref = _make_ref(node, (), ctx)
        if ref is not FAIL and ref.prop is None and ref.kind != "secret":
            ctx.diagnostics.append(
                error(
                    "E0303",
                    f"`{ref.dotted}` is not a value",
                    node.span,
                    help=f"use one of its properties, such as `{ref.dotted}.{REFERENCE_PROPERTIES[ref.kind][0]}`"
                    if REFERENCE_PROPERTIES.get(ref.kind)
                    else None,
                )
            )
            return FAIL
        return ref
    if not isinstance(node, t.String):
        return _wrong_type(node, "a string, a number or a reference", ctx)
    if node.is_plain:
        return "".join(node.parts)  # type: ignore[arg-type]
    parts: list[str | Ref] = []
    for part in node.parts:
        if isinstance(part, str):
            parts.append(part)
        elif part.ref.parts[0].value in STATIC_REFERENCES:
            value = _static_value(part.ref, ctx)
            if value is FAIL:
                return FAIL
            parts.append(value)
        else:
            ref = _make_ref(part.ref, (), ctx)
            if ref is FAIL:
                return FAIL
            parts.append(ref)
    refs = [p for p in parts if isinstance(p, Ref)]
    if len(parts) == 1 and refs:
        return refs[0]  # "${secret.x}" is the secret itself, not a string around it
    for ref in refs:
        if ref.is_secret:
            ctx.diagnostics.append(
                error(
                    "E0404",
                    f"secret `{ref.dotted}` is interpolated into a larger string",
                    ref.span,
                    note="this would write the secret into plain text",
                    help=f"give the secret a variable of its own (`KEY = {ref.dotted}`) and build the "
                    "string in the program",
                )
            )
            return FAIL
    merged: list[str | Ref] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    if not refs:
        return "".join(merged)  # type: ignore[arg-type]
    return Text(tuple(merged))


def _bool(node: t.Node, ctx: Context) -> Any:
    if isinstance(node, t.Bool):
        return node.value
    return _wrong_type(node, "`true` or `false`", ctx)


def _int(lang: Lang) -> Decoder:
    def decode(node: t.Node, ctx: Context) -> Any:
        if not isinstance(node, t.Number) or not isinstance(node.value, int):
            return _wrong_type(node, "a whole number", ctx)
        return _in_range(node, node.value, lang, ctx)

    return decode


def _in_range(node: t.Node, value: Any, lang: Lang, ctx: Context) -> Any:
    if (lang.min is not None and value < lang.min) or (lang.max is not None and value > lang.max):
        ctx.diagnostics.append(
            error(
                "E0311",
                f"`{getattr(node, 'text', value)}` is out of range",
                node.span,
                help=f"the value must be between {lang.min} and {lang.max}",
            )
        )
        return FAIL
    return value


def _quantity(kind: type, positive: bool = False) -> Decoder:
    noun, units, expected = _QUANTITY_KINDS[kind]
    inner = _any_quantity(kind, noun, units, expected)
    if not positive:
        return inner

    def decode(node: t.Node, ctx: Context) -> Any:
        value = inner(node, ctx)
        amount = getattr(value, "millicores", None) if kind is Cpu else getattr(value, "bytes", None)
        if amount == 0:
            ctx.diagnostics.append(
                error(
                    "E0311",
                    f"`{getattr(node, 'text', value)}` is no {noun} at all",
                    node.span,
                    help=f"a zero {noun} reserves or allows nothing: write an amount above zero",
                )
            )
            return FAIL
        return value

    return decode


def _any_quantity(kind: type, noun: str, units: tuple[str, ...], expected: str) -> Decoder:
    def decode(node: t.Node, ctx: Context) -> Any:
        if isinstance(node, t.Quantity):
            if node.unit in units:
                if node.number < 0:
                    ctx.diagnostics.append(error("E0311", f"a {noun} cannot be negative", node.span))
                    return FAIL
                if kind is Percent and node.number > 100:
                    ctx.diagnostics.append(error("E0311", f"`{node.text}` is more than 100%", node.span))
                    return FAIL
                return kind.parse(node.text)  # type: ignore[attr-defined]
            found = _QUANTITY_KINDS[_UNIT_KIND[node.unit]][0]
            ctx.diagnostics.append(
                error(
                    "E0304",
                    f"expected {expected}, found a {found} `{node.text}`",
                    node.span,
                    help=f"a {noun} takes the units: " + " ".join(units if kind is not Cpu else ("m", "(none: cores)")),
                )
            )
            return FAIL
        if kind is Cpu and isinstance(node, t.Number):
            if node.value < 0:
                ctx.diagnostics.append(error("E0311", "a CPU amount cannot be negative", node.span))
                return FAIL
            return Cpu.parse(node.text)
        if isinstance(node, t.Number):
            return _wrong_type(node, expected, ctx, help=f"add a unit: {' '.join(units)}")
        return _wrong_type(node, expected, ctx)

    return decode


def _literal(values: tuple[str, ...]) -> Decoder:
    def decode(node: t.Node, ctx: Context) -> Any:
        if isinstance(node, t.Symbol):
            text = node.name
        elif isinstance(node, t.String) and node.is_plain:
            text = node.value
        elif isinstance(node, t.NoneValue) and "none" in values:
            return "none"
        else:
            return _wrong_type(node, "one of " + ", ".join(f"`{v}`" for v in values), ctx)
        if text in values:
            return text
        suggestion = did_you_mean(text, values)
        ctx.diagnostics.append(
            error(
                "E0305",
                f"`{text}` is not one of the values here",
                node.span,
                note=f"did you mean `{suggestion}`?" if suggestion else None,
                help="valid values: " + ", ".join(values),
            )
        )
        return FAIL

    return decode


def _list(item: Decoder) -> Decoder:
    def decode(node: t.Node, ctx: Context) -> Any:
        if not isinstance(node, t.ListValue):
            return _wrong_type(node, "a list `[…]`", ctx)
        out = [item(v, ctx) for v in node.items]
        return FAIL if any(v is FAIL for v in out) else out

    return decode


def _map(value: Decoder) -> Decoder:
    def decode(node: t.Node, ctx: Context) -> Any:
        if not isinstance(node, t.MapValue):
            return _wrong_type(node, "a map `{ key = value }`", ctx)
        out: dict[str, Any] = {}
        seen: dict[str, t.Entry] = {}
        failed = False
        for entry in node.entries:
            key = entry.key_text
            if key in seen:
                ctx.diagnostics.append(
                    error(
                        "E0203",
                        f"key `{key}` appears twice in this map",
                        entry.key.span,
                        labels=(Label(seen[key].key.span, "first here"),),
                    )
                )
                failed = True
                continue
            seen[key] = entry
            if isinstance(entry.value, t.NoneValue):
                continue  # `KEY = none` removes a key that a lower layer set
            decoded = value(entry.value, ctx)
            if decoded is FAIL:
                failed = True
            else:
                out[key] = decoded
        return FAIL if failed else out

    return decode


def _reference(kinds: tuple[str, ...]) -> Decoder:
    def decode(node: t.Node, ctx: Context) -> Any:
        if isinstance(node, t.String) and not node.is_plain and len(node.parts) == 1:
            node = node.parts[0].ref  # type: ignore[union-attr]
        if not isinstance(node, t.Reference):
            expected = " or ".join(f"`{k}.NAME`" for k in kinds) if kinds else "a reference"
            return _wrong_type(node, f"a reference such as {expected}", ctx)
        return _make_ref(node, kinds, ctx)

    return decode


def _make_ref(node: t.Reference, kinds: tuple[str, ...], ctx: Context) -> Any:
    names = [p.value for p in node.parts]
    kind = names[0]
    if kind not in REFERENCE_PROPERTIES:
        candidates = list(REFERENCE_PROPERTIES) + list(STATIC_REFERENCES)
        suggestion = did_you_mean(kind, candidates)
        ctx.diagnostics.append(
            error(
                "E0204",
                f"`{kind}` is not something a reference can name",
                node.parts[0].span,
                note=f"did you mean `{suggestion}`?" if suggestion else None,
                help="references start with one of: " + ", ".join(candidates),
            )
        )
        return FAIL
    if kinds and kind not in kinds:
        ctx.diagnostics.append(
            error(
                "E0309",
                f"expected a reference to {' or '.join(f'a {k}' for k in kinds)}, found a {kind}",
                node.span,
                help=f"write `{kinds[0]}.NAME`",
            )
        )
        return FAIL
    prop = ".".join(names[2:]) or None
    ref = Ref(kind, names[1], prop, node.span)
    if kinds and prop is not None:
        ctx.diagnostics.append(
            error(
                "E0303",
                f"expected a reference to a {kind}, found its property `{prop}`",
                node.span,
                help=f"write `{kind}.{names[1]}`",
            )
        )
        return FAIL
    ctx.references.append((ref, kinds))
    return ref


def _calls(models: tuple[type[ir.Call], ...]) -> Decoder:
    by_name = {m.call: m for m in models}

    def decode(node: t.Node, ctx: Context) -> Any:
        if not isinstance(node, t.Call):
            return _wrong_type(node, " or ".join(f"`{name}(…)`" for name in by_name), ctx)
        name = node.name.value
        model = by_name.get(name)
        if model is None:
            suggestion = did_you_mean(name, by_name)
            ctx.diagnostics.append(
                error(
                    "E0305",
                    f"`{name}(…)` is not one of the calls accepted here",
                    node.name.span,
                    note=f"did you mean `{suggestion}`?" if suggestion else None,
                    help="valid here: " + ", ".join(f"{n}(…)" for n in by_name),
                )
            )
            return FAIL
        return decode_call(node, model, ctx)

    return decode


def decode_call(node: t.Call, model: type[ir.Call], ctx: Context) -> Any:
    specs = fields_of(model)
    params = list(specs)
    values: dict[str, Any] = {}
    spans: dict[str, Span] = {}
    failed = False
    for i, arg in enumerate(node.args):
        if arg.name is None:
            if i >= len(params):
                ctx.diagnostics.append(
                    error(
                        "E0303",
                        f"`{model.call}(…)` takes at most {len(params)} argument(s)",
                        arg.span,
                        help=f"parameters: {', '.join(params) or 'none'}",
                    )
                )
                failed = True
                continue
            name = params[i]
        else:
            name = arg.name.value
            if name not in specs:
                suggestion = did_you_mean(name, params)
                ctx.diagnostics.append(
                    error(
                        "E0302",
                        f"`{model.call}(…)` has no parameter `{name}`",
                        arg.name.span,
                        note=f"did you mean `{suggestion}`?" if suggestion else None,
                        help=f"parameters: {', '.join(params) or 'none'}",
                    )
                )
                failed = True
                continue
        if name in spans:
            ctx.diagnostics.append(error("E0203", f"parameter `{name}` is given twice", arg.span))
            failed = True
            continue
        spec = specs[name]
        value = spec.decode(arg.value, ctx)
        spans[name] = arg.span
        if value is FAIL:
            failed = True
        else:
            values[spec.attr] = value
    for name, spec in specs.items():
        if spec.lang.required and name not in spans:
            ctx.diagnostics.append(
                error(
                    "E0306",
                    f"`{model.call}(…)` needs `{name}`",
                    node.span,
                    help=f"write `{model.call}(" + ", ".join(n for n, s in specs.items() if s.lang.required) + ")`",
                )
            )
            failed = True
    if failed:
        return FAIL
    return ir.construct(model, span=node.span, spans=spans, **values)


def _union(args: tuple[Any, ...], lang: Lang) -> Decoder:
    alternatives = [a for a in args if a is not type(None)]
    accepts_none = len(alternatives) < len(args)
    calls = tuple(a for a in alternatives if isinstance(a, type) and issubclass(a, ir.Call))
    literals = tuple(v for a in alternatives if get_origin(a) is Literal for v in get_args(a))
    block = next(
        (a for a in alternatives if isinstance(a, type) and issubclass(a, ir.Block) and not issubclass(a, ir.Call)),
        None,
    )
    decoders: dict[str, Decoder] = {}
    if calls:
        decoders["call"] = _calls(calls)
    if literals:
        decoders["symbol"] = _literal(literals)
    if block is not None:
        decoders["block"] = _nested_block(block)
        if block.shorthand is not None:
            decoders["string"] = decoders["block"]
    for a in alternatives:
        a = _strip(a)
        if a is str:
            decoders.setdefault("string", _string)
            decoders.setdefault("symbol", _string_symbol)
        elif a is int:
            decoders["number"] = _int(lang)
        elif a is Ref:
            decoders["reference"] = _reference(lang.kinds)
        elif a is Text:
            decoders["string"] = _text
            decoders["reference"] = _text
            decoders["number"] = _text
            decoders["bool"] = _text
        elif a in _QUANTITY_KINDS:
            decoders["quantity"] = _quantity(a, lang.positive)
            if a is Cpu:
                decoders["number"] = decoders["quantity"]
        elif a is bool:
            decoders["bool"] = _bool
        elif get_origin(a) is list:
            decoders["list"] = _compile(a, lang)
    expected = " or ".join(dict.fromkeys(_expected(a, lang) for a in alternatives))

    def decode(node: t.Node, ctx: Context) -> Any:
        if isinstance(node, t.NoneValue) and accepts_none and "none" not in literals:
            return None
        shape = _shape(node)
        if shape == "string" and "string" not in decoders and "symbol" in decoders:
            shape = "symbol"
        if shape == "string" and "string" not in decoders and "reference" in decoders:
            shape = "reference"
        chosen = decoders.get(shape)
        if chosen is None:
            return _wrong_type(node, expected, ctx)
        return chosen(node, ctx)

    return decode


def _symbol_or_string(node: t.Node, ctx: Context) -> Any:
    return node.name if isinstance(node, t.Symbol) else _string(node, ctx)


def _string_symbol(node: t.Node, ctx: Context) -> Any:
    # A bare name where a string is accepted: a port name (`port = metrics`).
    return node.name if isinstance(node, t.Symbol) else FAIL


def _shape(node: t.Node | Body) -> str:
    match node:
        case Body():
            return "block"
        case t.String():
            return "string"
        case t.Symbol() | t.NoneValue():
            return "symbol"
        case t.Number():
            return "number"
        case t.Quantity():
            return "quantity"
        case t.Bool():
            return "bool"
        case t.Reference():
            return "reference"
        case t.Call():
            return "call"
        case t.ListValue():
            return "list"
        case t.MapValue():
            return "map"
    return "other"


def _nested_block(model: type[ir.Block]) -> Decoder:
    def decode(node: t.Node | Body, ctx: Context) -> Any:
        if isinstance(node, Body):
            return decode_block(node, model, ctx)
        if model.shorthand is not None and isinstance(node, t.String):
            value = _string(node, ctx)
            if value is FAIL:
                return FAIL
            return ir.construct(model, span=node.span, spans={model.shorthand: node.span}, **{model.shorthand: value})
        return _wrong_type(node, "a block `{ … }`", ctx, help="write it as a block: `name { attribute = value }`")

    return decode


# -- blocks --------------------------------------------------------------------------------------


def decode_block(
    body: Body,
    model: type[ir.Block],
    ctx: Context,
    *,
    label: str | None = None,
    partial: bool = False,
    what: str | None = None,
) -> Any:
    """A merged body to a model instance. `partial` (templates) skips the completeness checks."""
    specs = fields_of(model)
    values: dict[str, Any] = {}
    spans: dict[str, Span] = {}
    header = body.node.header
    what = what or _describe_block(body.node)
    for key, slot in body.slots.items():
        name = slot_name(key)
        spec = specs.get(name)
        if spec is None:
            _unknown(slot, name, specs, what, ctx)
            continue
        if spec.repeated:
            if not isinstance(slot, Body):
                ctx.diagnostics.append(
                    error("E0303", f"`{name}` is a block", slot.name.span, help=f"write `{name} LABEL {{ … }}`")
                )
                continue
            labels = slot.node.labels
            if len(labels) != 1:
                ctx.diagnostics.append(
                    error(
                        "E0306" if not labels else "E0303",
                        f"`{name}` takes exactly one label" + ("" if labels else ", found none"),
                        slot.node.header,
                        help=f"write `{name} LABEL {{ … }}`",
                    )
                )
                continue
            if spec.lang.dns_label and not is_dns_label(labels[0].value):
                ctx.diagnostics.append(bad_name(labels[0].span, name, labels[0].value))
            item = decode_block(slot, spec.model, ctx, label=labels[0].value, what=f"{name} {labels[0].value}")  # type: ignore[arg-type]
            if item is not FAIL:
                values.setdefault(spec.attr, {})[labels[0].value] = item
            continue
        if isinstance(slot, Body):
            if spec.model is None:
                ctx.diagnostics.append(
                    error(
                        "E0303", f"`{name}` is an attribute, not a block", slot.node.header, help=f"write `{name} = …`"
                    )
                )
                continue
            if slot.node.labels:
                ctx.diagnostics.append(
                    error("E0303", f"`{name}` takes no label", slot.node.labels[0].span, help=f"write `{name} {{ … }}`")
                )
                continue
            value = spec.decode(slot, ctx)
            spans[name] = slot.node.header
        else:
            if not spec.accepts_attribute:
                ctx.diagnostics.append(
                    error(
                        "E0303",
                        f"`{name}` is a block, not an attribute",
                        slot.name.span,
                        help=f"write `{name} {{ … }}`"
                        + (f", or `{name} = none` to remove it" if not isinstance(slot.value, t.NoneValue) else ""),
                    )
                )
                continue
            value = spec.decode(slot.value, ctx)
            spans[name] = slot.span
        if value is not FAIL:
            values[spec.attr] = value
    if label is not None and model.label_field is not None:
        values[model.label_field] = label
    if not partial:
        _check_complete(model, specs, spans, values, header, what, ctx)
    _check_alternatives(model, spans, header, what, ctx, partial)
    return ir.construct(model, span=header, spans=spans, **values)


def _check_complete(
    model: type[ir.Block],
    specs: dict[str, FieldSpec],
    spans: dict[str, Span],
    values: dict[str, Any],
    header: Span,
    what: str,
    ctx: Context,
) -> None:
    for name, spec in specs.items():
        if spec.lang.required and name not in spans:
            if model in (ir.Allow, ir.PolicyAllow) and name == "reason":
                ctx.diagnostics.append(
                    error(
                        "E0308",
                        f"`{what}` has no `reason`",
                        header,
                        help='say why the finding does not apply: `reason = "…"`',
                    )
                )
                continue
            ctx.diagnostics.append(
                error("E0306", f"missing required attribute `{name}` in `{what}`", header, help=f"add `{name} = …`")
            )


def _check_alternatives(
    model: type[ir.Block], spans: dict[str, Span], header: Span, what: str, ctx: Context, partial: bool
) -> None:
    for group in model.exactly_one:
        present = [name for name in group if name in spans]
        choices = " or ".join(f"`{n}`" for n in group)
        if len(present) > 1:
            ctx.diagnostics.append(
                error(
                    "E0307",
                    f"`{what}` sets both {' and '.join(f'`{n}`' for n in present)}",
                    spans[present[1]],
                    labels=(Label(spans[present[0]], f"`{present[0]}` set here"),),
                    help=f"set exactly one of {choices}",
                )
            )
        elif not present and not partial:
            ctx.diagnostics.append(
                error("E0307", f"`{what}` needs exactly one of {choices}", header, help=f"set exactly one of {choices}")
            )


def _unknown(slot: t.Attribute | Body, name: str, specs: dict[str, FieldSpec], what: str, ctx: Context) -> None:
    is_block = isinstance(slot, Body)
    attributes = [n for n, s in specs.items() if s.accepts_attribute and not s.repeated]
    blocks = [n for n, s in specs.items() if s.model is not None or s.repeated]
    suggestion = did_you_mean(name, list(specs))
    kind = "block" if is_block else "attribute"
    listed = [f"valid attributes: {', '.join(attributes)}"] if attributes else []
    if blocks:
        listed.append(f"blocks: {', '.join(blocks)}")
    ctx.diagnostics.append(
        error(
            "E0301" if is_block else "E0302",
            f"unknown {kind} `{name}` in `{what}`",
            slot.node.type.span if isinstance(slot, Body) else slot.name.span,
            note=f"did you mean `{suggestion}`?" if suggestion else None,
            help="; ".join(listed) or f"`{what}` takes no attributes or blocks",
        )
    )


def _describe_block(node: t.Block) -> str:
    return " ".join([node.type.value, *node.label_values])
