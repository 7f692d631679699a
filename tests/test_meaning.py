"""Generated valid programs check clean, and `fmt` never changes what they mean."""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import HealthCheck, given, settings
from pydantic import BaseModel
from stackc.diagnostics import Severity
from stackc.format import format_source
from stackc.frontend import compile_source
from stackc.values import Ref, Text
from strategies import programs


def meaning(value: Any) -> Any:
    """A model with every source position dropped: what the program says, not where."""
    if isinstance(value, BaseModel):
        return {
            name: meaning(getattr(value, name))
            for name in type(value).model_fields
            if name not in ("span", "spans")
        }
    if isinstance(value, Ref):
        return ("ref", value.kind, value.name, value.prop)
    if isinstance(value, Text):
        return ("text", tuple(meaning(p) for p in value.parts))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, str(value))
    if isinstance(value, dict):
        return {k: meaning(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [meaning(v) for v in value]
    return value


def models_of(source: str) -> dict[str, Any]:
    result = compile_source(source.encode(), "platform.stack")
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert not errors, "\n".join(f"{d.code} {d.message} at {d.span}" for d in errors) + "\n\n" + source
    return {env: meaning(model) for env, model in result.models.items()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_generated_programs_check_clean(source: str) -> None:
    models_of(source)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_fmt_keeps_the_resolved_model(source: str) -> None:
    formatted, diagnostics = format_source(source, "platform.stack")
    assert formatted is not None, diagnostics
    assert models_of(formatted) == models_of(source)


def test_meaning_notices_a_changed_value() -> None:
    # Guards the comparison itself: a different replica count must not compare equal.
    one = 'stack s { owner = "a" }\nservice web { image = "nginx:1.27"  replicas = 1 }\n'
    assert models_of(one) != models_of(one.replace("replicas = 1", "replicas = 2"))
