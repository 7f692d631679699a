"""The policy catalogue (POLICIES.md): one module per policy, found by its file name.

A policy is added by adding one module here, named `<code>_<name>.py` (`sec001_root_user.py`)
and holding its docs and `POLICY`, plus its test programs under `tests/policies/<CODE>/`.
Nothing else needs to change: the registry, `stackc explain`, SARIF rules and the catalogue page
all read the modules.
"""

from __future__ import annotations

import importlib
import os
import re
from functools import cache

from stackc.policies.base import Finding, Policy

__all__ = ["Finding", "Policy", "all_policies"]

_MODULE = re.compile(r"(sec|rel|ops|ci)\d{3}_[a-z0-9_]+\.py\Z")


@cache
def all_policies() -> dict[str, Policy]:
    """Every policy by code, in code order."""
    folder = os.path.dirname(__file__)
    policies: dict[str, Policy] = {}
    for name in sorted(os.listdir(folder)):
        if not _MODULE.match(name):
            continue
        module = importlib.import_module(f"{__name__}.{name.removesuffix('.py')}")
        policy: Policy = module.POLICY
        if not name.startswith(policy.code.lower() + "_"):
            raise ImportError(f"{name} defines {policy.code}: the file name must start with the code")
        policies[policy.code] = policy
    order = {"SEC": 0, "REL": 1, "OPS": 2, "CI": 3}
    return dict(sorted(policies.items(), key=lambda item: (order[item[1].category], item[0])))
