"""The one Terraform root of a stack, assembled across all its environments.

Terraform gets one root for every environment (a workspace each, `env/<env>.tfvars` for values),
so whatever differs between environments becomes a variable: `per_env` returns a literal when
every environment agrees and otherwise declares a variable whose default is the prod-like value
(Checkov judges a variable by its default, and a variable without one silently drops the check:
research/terraform-example/README.md, traps CKV_AWS_157/293), with each environment's value in its
tfvars. What exists in only some environments is counted by a bool variable (`toggle`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stackc import ir
from stackc.writers import hcl

# What a target cannot express, with the severity of the consequence (compiler/docs/codes/E0490.md).
CANNOT_EXPRESS = "E0490"


def ident(name: str) -> str:
    """A stackc name (a DNS label) as a Terraform identifier."""
    return name.replace("-", "_")


@dataclass
class Variable:
    name: str
    type: str
    description: str
    default: Any = None
    has_default: bool = False
    sensitive: bool = False
    # (condition, error message) pairs.
    validations: list[tuple[str, str]] = field(default_factory=list)
    # Environment name -> value written to its tfvars.
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class Root:
    models: dict[str, ir.EnvironmentModel]
    variables: dict[str, Variable] = field(default_factory=dict)
    # File name (e.g. `databases.tf`) -> its top-level items, in emission order.
    files: dict[str, list[hcl.Item]] = field(default_factory=dict)
    providers: set[str] = field(default_factory=set)
    outputs: list[hcl.Block] = field(default_factory=list)

    @property
    def environments(self) -> list[str]:
        return list(self.models)

    @property
    def stack(self) -> ir.Stack:
        return next(iter(self.models.values())).stack

    @property
    def reference_env(self) -> str:
        """The environment whose values are the variables' defaults: the first prod-like one."""
        return next((name for name, model in self.models.items() if model.environment.prod_like), self.environments[0])

    def add(self, file: str, *items: hcl.Item) -> None:
        self.files.setdefault(file, []).extend(items)

    def variable(self, variable: Variable) -> hcl.Raw:
        # The first declaration wins: emitters that share a variable (`vpc_id`) declare it alike.
        self.variables.setdefault(variable.name, variable)
        return hcl.ref(f"var.{variable.name}")

    def required(self, name: str, type_: str, description: str, **kwargs: Any) -> hcl.Raw:
        """A variable that only the user can fill in (an account's ids): no default, a placeholder in
        every tfvars so that `terraform plan -var-file` says what is missing."""
        placeholder = kwargs.pop("placeholder", "REPLACE-ME")
        values = dict.fromkeys(self.environments, placeholder)
        return self.variable(Variable(name, type_, description, values=values, **kwargs))

    def per_env(self, name: str, type_: str, description: str, values: dict[str, Any], **kwargs: Any) -> Any:
        """`values` (environment -> value, for the environments where it applies) as one literal, or a
        variable defaulting to the prod-like value when the environments disagree."""
        distinct = {repr(v) for v in values.values()}
        if len(distinct) == 1:
            return next(iter(values.values()))
        reference = values.get(self.reference_env, next(iter(values.values())))
        return self.variable(Variable(name, type_, description, reference, True, values=dict(values), **kwargs))

    def toggle(self, name: str, description: str, present: set[str]) -> str | None:
        """The variable that says whether something exists in the current environment, or None when
        it exists in all of them."""
        if present >= set(self.environments):
            return None
        values = {env: env in present for env in self.environments}
        self.variable(Variable(name, "bool", description, self.reference_env in present, True, values=values))
        return f"var.{name}"


@dataclass(frozen=True)
class Counted:
    """A resource that may be counted: how to refer to it from elsewhere."""

    address: str  # `aws_db_instance.ledger`
    condition: str | None  # `var.ledger_managed`, or None when it always exists

    def attr(self, attribute: str) -> hcl.Raw:
        """The attribute inside resources of the same group (same count)."""
        index = "[0]" if self.condition else ""
        return hcl.ref(f"{self.address}{index}.{attribute}")

    def all(self, attribute: str) -> str:
        """A list expression of the attribute: zero or one element."""
        return f"{self.address}[*].{attribute}" if self.condition else f"[{self.address}.{attribute}]"

    def one(self, attribute: str) -> hcl.Raw:
        """The attribute, or null where the resource does not exist (for outputs)."""
        return (
            hcl.ref(f"one({self.address}[*].{attribute})") if self.condition else hcl.ref(f"{self.address}.{attribute}")
        )

    def count(self) -> list[hcl.Item]:
        return [hcl.Attribute("count", hcl.ref(f"{self.condition} ? 1 : 0")), hcl.Blank()] if self.condition else []


def any_of(conditions: list[str | None]) -> str | None:
    """The condition of something that exists wherever any of its parts exists."""
    if not conditions or any(c is None for c in conditions):
        return None
    return " || ".join(sorted(set(conditions)))  # type: ignore[arg-type]


def union_list(parts: list[str]) -> hcl.Raw:
    """One list expression from list expressions (`[a.arn]`, `b[*].arn`), deterministic."""
    if all(p.startswith("[") for p in parts):
        return hcl.ref("[" + ", ".join(p[1:-1] for p in parts) + "]")
    return hcl.ref("concat(" + ", ".join(parts) + ")")
