"""Layering of block bodies: templates, environment defaults, the block itself, its `when`s.

LANGUAGE.md §2: attributes replace, maps merge key by key, nested blocks merge recursively,
lists replace; `X = none` clears `X` (or removes the block `X`) unless `none` is one of X's
values; of alternatives such as `image`/`build`, setting one clears the others.

A `Body` is the merged contents of one block: a slot per attribute, per nested block, and per
labelled block (keyed `(type, labels)`), each still pointing at the syntax node that set it, so
that every later diagnostic points at the layer the value came from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from stackc.diagnostics import Diagnostic, Label, error
from stackc.syntax import tree as t

SlotKey = str | tuple[str, tuple[str, ...]]


@dataclass(slots=True)
class Body:
    # The most specific block node that contributed (the header diagnostics point at).
    node: t.Block
    slots: dict[SlotKey, t.Attribute | Body] = field(default_factory=dict)
    # Names this layer set to `none`: cleared in every layer below it too.
    cleared: set[str] = field(default_factory=set)

    def attribute(self, name: str) -> t.Attribute | None:
        slot = self.slots.get(name)
        return slot if isinstance(slot, t.Attribute) else None


def slot_name(key: SlotKey) -> str:
    return key if isinstance(key, str) else key[0]


@dataclass(frozen=True, slots=True)
class LayerRules:
    """What merging needs to know of the schema, supplied by the caller per block type."""

    # `none` is a real value of this attribute (`deploy = none`), not "clear it".
    none_is_value: Callable[[str], bool]
    # The alternatives group an attribute belongs to (`image` -> (`image`, `build`)).
    alternatives: Callable[[str], tuple[str, ...]]
    # Rules for a nested block, by its language name.
    nested: Callable[[str], LayerRules]


class LayerCache:
    """Own layers of blocks without any `when`: the same in every environment, built once.

    Keyed by node identity; the node is kept in the value so that its id cannot be reused
    while the cache lives (one compilation).
    """

    def __init__(self) -> None:
        self._layers: dict[int, tuple[t.Block, Body, list[Diagnostic]]] = {}
        self._varies: dict[int, bool] = {}

    def varies(self, block: t.Block) -> bool:
        key = id(block)
        if key not in self._varies:
            self._varies[key] = any(
                isinstance(m, t.Block) and (m.type.value == "when" or self.varies(m)) for m in block.body
            )
        return self._varies[key]


def own_layer(
    block: t.Block,
    environment: str,
    rules: LayerRules,
    diagnostics: list[Diagnostic],
    cache: LayerCache | None = None,
) -> Body:
    """The block's own attributes and nested blocks, then its `when` blocks for `environment`.

    The result is the caller's to change: a cached layer is handed out as a copy.
    """
    if cache is None or cache.varies(block):
        return _own_layer(block, environment, rules, diagnostics)
    hit = cache._layers.get(id(block))
    if hit is None:
        found: list[Diagnostic] = []
        hit = cache._layers[id(block)] = (block, _own_layer(block, environment, rules, found), found)
    diagnostics.extend(hit[2])
    return Body(hit[1].node, dict(hit[1].slots), set(hit[1].cleared))


def _own_layer(block: t.Block, environment: str, rules: LayerRules, diagnostics: list[Diagnostic]) -> Body:
    base = Body(block)
    whens: list[t.Block] = []
    seen: dict[SlotKey, t.Node] = {}
    for member in block.body:
        if isinstance(member, t.Block) and member.type.value == "when":
            whens.append(member)
            continue
        key = _key(member)
        if key in seen:
            diagnostics.append(_duplicate(member, seen[key]))
            continue
        seen[key] = member
        if isinstance(member, t.Attribute):
            # Within one block both alternatives may be set: that is an error the decoder
            # reports (E0307), not a later layer overriding an earlier one.
            _set_attribute(base, member, rules, within_block=True)
        else:
            nested_rules = rules.nested(member.type.value)
            base.slots[key] = _own_layer(member, environment, nested_rules, diagnostics)
    for when in whens:
        if environment in when.label_values:
            overlay = _own_layer(_as_plain_block(when, block), environment, rules, diagnostics)
            base = merge(base, overlay, rules)
            base.node = block  # diagnostics about the block point at its header, not the `when`
    return base


def merge(lower: Body, upper: Body, rules: LayerRules) -> Body:
    """`upper` layered over `lower`; neither is modified."""
    result = Body(upper.node, dict(lower.slots), set(lower.cleared))
    for name in upper.cleared:
        _clear(result, name)
        result.cleared.add(name)
    for key, slot in upper.slots.items():
        if isinstance(slot, t.Attribute):
            _set_attribute(result, slot, rules)
        else:
            _set_block(result, key, slot, rules)
    return result


def _set_attribute(body: Body, attr: t.Attribute, rules: LayerRules, within_block: bool = False) -> None:
    name = attr.name.value
    if isinstance(attr.value, t.NoneValue) and not rules.none_is_value(name):
        _clear(body, name)
        body.cleared.add(name)
        return
    body.cleared.discard(name)
    if not within_block:
        _clear_alternatives(body, name, rules)
    previous = body.slots.get(name)
    if (
        isinstance(previous, t.Attribute)
        and isinstance(previous.value, t.MapValue)
        and isinstance(attr.value, t.MapValue)
    ):
        attr = _merge_maps(previous, attr)
    elif isinstance(previous, Body):
        del body.slots[name]
    body.slots[name] = attr


def _set_block(body: Body, key: SlotKey, block: Body, rules: LayerRules) -> None:
    """Layer a nested block over the one below; `rules` are the enclosing block's."""
    name = slot_name(key)
    _clear_alternatives(body, name, rules)
    body.cleared.discard(name)
    previous = body.slots.get(key)
    body.slots[key] = merge(previous, block, rules.nested(name)) if isinstance(previous, Body) else block


def _clear(body: Body, name: str) -> None:
    for key in [k for k in body.slots if slot_name(k) == name]:
        del body.slots[key]


def _clear_alternatives(body: Body, name: str, rules: LayerRules) -> None:
    # Alternatives (`image`/`build`, `http`/`tcp`/`command`) are never labelled blocks.
    for other in rules.alternatives(name):
        if other != name:
            body.slots.pop(other, None)


def _merge_maps(lower: t.Attribute, upper: t.Attribute) -> t.Attribute:
    entries: dict[str, t.Entry] = {e.key_text: e for e in lower.value.entries}  # type: ignore[union-attr]
    for entry in upper.value.entries:  # type: ignore[union-attr]
        if isinstance(entry.value, t.NoneValue):
            entries.pop(entry.key_text, None)
        else:
            entries[entry.key_text] = entry
    value = upper.value
    merged = t.MapValue(value.file, value.line, value.column, value.end_line, value.end_column, list(entries.values()))
    return t.Attribute(upper.file, upper.line, upper.column, upper.end_line, upper.end_column, upper.name, merged)


def _key(member: t.Attribute | t.Block) -> SlotKey:
    if isinstance(member, t.Attribute):
        return member.name.value
    if member.labels:
        return (member.type.value, tuple(member.label_values))
    return member.type.value


def _as_plain_block(when: t.Block, parent: t.Block) -> t.Block:
    # A `when` body layers over its parent as if it were the parent block itself.
    return t.Block(
        when.file, when.line, when.column, when.end_line, when.end_column, parent.type, parent.labels, when.body
    )


def _duplicate(member: t.Attribute | t.Block, first: t.Node) -> Diagnostic:
    if isinstance(member, t.Attribute):
        name = member.name.value
        return error(
            "E0203",
            f"attribute `{name}` is set twice in this block",
            member.name.span,
            labels=(Label(_name_span(first), "first set here"),),
            help="remove one of them; to change a value per environment use `when`",
        )
    what = " ".join(
        [
            member.type.value,
            *(
                f'"{v}"' if isinstance(lbl, t.String) else v
                for lbl, v in zip(member.labels, member.label_values, strict=True)
            ),
        ]
    )
    return error(
        "E0203",
        f"`{what}` appears twice in this block",
        member.header,
        labels=(Label(_name_span(first), "first here"),),
        help="merge the two blocks into one",
    )


def _name_span(node: t.Node):
    if isinstance(node, t.Attribute):
        return node.name.span
    if isinstance(node, t.Block):
        return node.header
    return node.span
