"""The catalogue page `docs/policies.md`, generated from the policy modules (a test keeps it fresh)."""

from __future__ import annotations

import os

from stackc.policies import all_policies


def _uncovered() -> str:
    # Kept as prose beside the policies: which scanner checks have no policy, and why.
    with open(os.path.join(os.path.dirname(__file__), "uncovered.md"), encoding="utf-8") as handle:
        return handle.read()


def catalogue_markdown() -> str:
    policies = all_policies()
    lines = [
        "# Policy catalogue",
        "",
        "Generated from `compiler/policies/` by `python -m stackc.policies > docs/policies.md`; do",
        "not edit by hand. `stackc explain CODE` prints the same text.",
        "",
        "Policies run on the resolved model of each environment after type checking (a stack with",
        "input errors is not linted: its model is incomplete). `error` stops",
        "`build` and fails `check`; `warning` fails only with `--strict`; `info` shows in JSON, SARIF",
        'and with `--verbose`. Silence a finding with `allow CODE { reason = "…" }` in the block it',
        "points at (or in the template the block extends), or with",
        '`policy { allow CODE { on = [service.x] reason = "…" } }` (without `on`: the whole stack);',
        "change a severity with `policy { severity = { CODE = error|warning|info|off } }`. An",
        "`allow` that silences nothing in any environment is reported as REL000. `--select` and",
        "`--ignore` take code prefixes (`--select SEC --ignore SEC006`); they choose policies only,",
        "never the input errors (`E…`).",
        "",
        '"Prod-like" means an environment with `approval = true`, or named `prod` or `production`.',
        "",
        "| code | name | default | fires when | corresponds to |",
        "|---|---|---|---|---|",
    ]
    for p in policies.values():
        anchors = ", ".join(p.anchors)
        lines.append(f"| [{p.code}](#{p.code.lower()}) | `{p.name}` | {p.severity.label} | {p.summary} | {anchors} |")
    lines += ["", _uncovered().rstrip("\n")]
    for p in policies.values():
        lines += ["", f'<a id="{p.code.lower()}"></a>', ""]
        lines += ["#" + line if line.startswith("#") else line for line in p.page.strip().splitlines()]
    return "\n".join(lines) + "\n"
