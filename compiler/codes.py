"""Every diagnostic code the front end defines, in one table (as ruff's `codes.rs`).

The class of a code is fixed by CLI.md (`E01xx` syntax, `E02xx` names and references, `E03xx`
types and schema, `E04xx` semantics); the numbers inside a class are ours. The long text that
`stackc explain` prints lives in `docs/codes/<CODE>.md` beside this file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    name: str
    summary: str

    @property
    def docs(self) -> str:
        return _docs(self.code)


CODES: dict[str, Code] = {
    c.code: c
    for c in [
        # E01xx — syntax
        Code("E0101", "unexpected-token", "a token that cannot stand here, or an unexpected end of file"),
        Code("E0102", "unterminated-string", "a string that is never closed"),
        Code("E0103", "invalid-escape", "a backslash escape that the language does not define"),
        Code("E0104", "malformed-number", "a number or quantity that is not digits with one known unit"),
        Code("E0105", "unexpected-character", "a character that starts no token"),
        Code("E0106", "not-utf8", "a source file that is not valid UTF-8"),
        Code("E0107", "unclosed-delimiter", "a `{`, `[` or `(` that is never closed"),
        Code("E0108", "file-too-large", "a source file above the size limit"),
        Code("E0109", "bad-interpolation", "a `${…}` that is unterminated or not a reference"),
        # E02xx — names and references
        Code("E0201", "invalid-name", "a name that is not a valid DNS label"),
        Code("E0202", "duplicate-declaration", "a block declared twice"),
        Code("E0203", "duplicate-attribute", "an attribute set twice in one block"),
        Code("E0204", "undeclared-reference", "a reference to something that is not declared"),
        Code("E0205", "unknown-template", "`extends` names a template that is not declared"),
        Code("E0206", "undeclared-environment", "`when` names an environment that is not declared"),
        Code("E0207", "missing-import", "an `import` of a file that does not exist or cannot be read"),
        Code("E0208", "unknown-std-module", "an `import` of a `std/` module that stackc does not ship"),
        Code("E0209", "unknown-property", "a reference to a property that the referenced kind does not have"),
        Code("E0210", "unset-value", "an interpolation of a value that is not set in this environment"),
        # E03xx — types and schema
        Code("E0301", "unknown-block", "a nested or top-level block that is not part of the language"),
        Code("E0302", "unknown-attribute", "an attribute that the block does not have"),
        Code("E0303", "wrong-type", "a value of the wrong type"),
        Code("E0304", "wrong-unit", "a quantity of the wrong kind (`memory = 10s`)"),
        Code("E0305", "unknown-value", "a symbol that is not one of the attribute's values"),
        Code("E0306", "missing-attribute", "a required attribute or block is missing"),
        Code("E0307", "exactly-one-of", "both or neither of two alternative attributes (`image`/`build`)"),
        Code("E0308", "allow-without-reason", "an `allow` block without a `reason`"),
        Code("E0309", "wrong-reference-kind", "a reference to the wrong kind of thing (a route `to` a database)"),
        Code("E0310", "wrong-block-count", "a block that must appear exactly once, or at most once"),
        Code("E0311", "out-of-range", "a number outside the range the attribute accepts"),
        Code("E0312", "unknown-policy", "a policy code in `allow` or `policy.severity` that does not exist"),
        # E04xx — semantics
        Code("E0401", "import-cycle", "files that import each other"),
        Code("E0402", "template-cycle", "templates that extend each other"),
        Code("E0403", "dependency-cycle", "services whose `uses` form a cycle"),
        Code("E0404", "secret-in-string", "a secret interpolated into a larger string"),
        Code("E0405", "managed-and-external", "a database or queue that is both `managed` and `external`"),
        Code("E0406", "certificate-without-host", "TLS certificates requested for a gateway with no host name"),
        # E049x — what a target cannot express (reported by `build`, never silently dropped)
        Code("E0490", "cannot-express", "a target has no way to say this; the message says what it does instead"),
        Code("E0491", "unsafe-value", "a value that would change the structure of a generated file"),
        Code("E0492", "generated-name-collision", "a declared name equals a name a target generates"),
    ]
}


@cache
def _docs(code: str) -> str:
    path = resources.files("stackc").joinpath("docs", "codes", f"{code}.md")
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


def catalogue_markdown() -> str:
    """`docs/diagnostics.md`: generated from this table and the docs files (a test keeps it fresh)."""
    lines = [
        "# Diagnostic codes",
        "",
        "Generated from `compiler/codes.py` and `compiler/docs/codes/` by",
        "`python -m stackc.codes > docs/diagnostics.md`; do not edit by hand.",
        "",
        "Every finding has a code, a severity, a message, the source range it points at, and",
        "often a label, a `help` line and the environments it holds in. `stackc check` prints them",
        "as text (rustc style), JSON (`--format json`: one array of objects with `code`, `severity`,",
        "`message`, `file`, `line`, `column`, `end_line`, `end_column`, `help`, `environment`) or",
        "SARIF 2.1.0 (`--format sarif`, one rule per code, for code scanning).",
        "",
        "| code | name | what |",
        "|---|---|---|",
    ]
    lines += [f"| [{c.code}](#{c.code.lower()}) | `{c.name}` | {c.summary} |" for c in CODES.values()]
    for code in CODES.values():
        lines += ["", f'<a id="{code.code.lower()}"></a>', ""]
        body = code.docs.strip().splitlines()
        # Each docs file starts with `# CODE name`; nest it under this page's title.
        lines += ["#" + line if line.startswith("#") else line for line in body]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(catalogue_markdown(), end="")
