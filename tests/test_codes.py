"""One small bad program per diagnostic code of `stackc.codes.CODES` (as rustc's `tests/ui`).

Each case names the code, the program, and where the finding must point (1-based line and
column of the primary span). A program produces its own finding and no unrelated error; where a
second error cannot be avoided the case lists it in `also`, with the reason beside it.
Adding a code to `CODES` without a case here fails `test_every_code_has_a_case`.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
import stackc.syntax.parser
from stackc.codes import CODES
from stackc.diagnostics import Diagnostic, Severity
from stackc.frontend import compile_source
from stackc.policies.engine import check_policies
from stackc.targets import BuildContext, targets

ENTRY = "platform.stack"
STACK = 'stack shop { owner = "acme" }\n'


@dataclass(frozen=True)
class Case:
    code: str
    # The entry file's text (or bytes), or a dict of files (relative path -> text) whose
    # `platform.stack` is the entry, written into a temporary folder.
    source: str | bytes | dict[str, str]
    line: int
    column: int
    severity: Severity = Severity.ERROR
    # The file (relative to the folder) the finding must be in; the entry by default.
    file: str = ENTRY
    # Other error codes that the program cannot avoid producing.
    also: tuple[str, ...] = ()
    # A smaller `MAX_SOURCE_BYTES` for the size-limit case.
    max_bytes: int | None = None
    # Codes a target reports (`E049x`): run that target on the compiled models too.
    target: str | None = None


def program(text: str) -> str:
    """An indented triple-quoted program as the file text: line 1 is its first line."""
    return textwrap.dedent(text).lstrip("\n")


CASES: list[Case] = [
    # -- E01xx syntax --------------------------------------------------------------------------
    Case("E0101", STACK + 'service api {\n  image = = "x:1"\n}\n', 3, 11),
    Case("E0102", STACK + 'service api {\n  image = "x:1\n}\n', 3, 11),
    Case("E0103", STACK + 'service api {\n  image = "x\\q:1"\n}\n', 3, 13),
    Case(
        "E0104",
        program("""
            stack shop { owner = "acme" }
            service api {
              image = "x:1"
              resources { memory = 20Gx }
            }
        """),
        4,
        24,
    ),
    Case("E0105", STACK + 'service api {\n  image = "x:1" @\n}\n', 3, 17),
    Case("E0106", STACK.encode() + b'service api {\n  image = "caf\xe9:1"\n}\n', 3, 15),
    Case("E0107", STACK + 'service api {\n  image = "x:1"\n', 2, 13),
    Case("E0108", STACK + 'service api { image = "x:1" }\n', 1, 1, max_bytes=16),
    Case(
        "E0109",
        program("""
            stack shop { owner = "acme" }
            service api {
              image = "x:1"
              env = { A = "${foo}" }
            }
        """),
        4,
        16,
    ),
    # -- E02xx names and references ------------------------------------------------------------
    Case("E0201", STACK + 'service Api {\n  image = "x:1"\n}\n', 2, 9),
    Case("E0202", STACK + 'service api { image = "x:1" }\nservice api { image = "x:2" }\n', 3, 9),
    Case("E0203", STACK + 'service api {\n  image = "x:1"\n  image = "x:2"\n}\n', 4, 3),
    Case(
        "E0204",
        program("""
            stack shop { owner = "acme" }
            service web { image = "x:1" }
            service api {
              image = "x:1"
              uses = [service.wbe]
            }
        """),
        5,
        11,
    ),
    Case(
        "E0205",
        program("""
            stack shop { owner = "acme" }
            template redis { image = "redis:7" }
            service api {
              extends = redsi
            }
        """),
        4,
        13,
    ),
    Case(
        "E0206",
        program("""
            stack shop { owner = "acme" }
            environment prod {}
            service api {
              image = "x:1"
              when prdo { replicas = 3 }
            }
        """),
        5,
        8,
    ),
    Case("E0207", {ENTRY: STACK + 'import "./nope.stack"\nservice api { image = "x:1" }\n'}, 2, 8),
    Case("E0208", STACK + 'import "std/redsi"\nservice api { image = "x:1" }\n', 2, 8),
    Case(
        "E0209",
        program("""
            stack shop { owner = "acme" }
            service web { image = "x:1"  ports = { http = 80 } }
            service api {
              image = "x:1"
              uses = [service.web]
              env = { A = service.web.hots }
            }
        """),
        6,
        15,
    ),
    Case(
        "E0210",
        program("""
            stack shop { owner = "acme" }
            service api {
              image = "x:1"
              env = { A = "https://${env.domain}/" }
            }
        """),
        4,
        26,
    ),
    # -- E03xx types and schema ----------------------------------------------------------------
    Case("E0302", STACK + 'service api {\n  image = "x:1"\n  replcas = 2\n}\n', 4, 3),
    Case("E0301", STACK + 'service api {\n  image = "x:1"\n  healthz { http = "/" }\n}\n', 4, 3),
    Case("E0303", STACK + 'service api {\n  image = "x:1"\n  replicas = "two"\n}\n', 4, 14),
    Case(
        "E0304",
        program("""
            stack shop { owner = "acme" }
            service api {
              image = "x:1"
              resources { memory = 10s }
            }
        """),
        4,
        24,
    ),
    Case("E0305", STACK + 'database orders {\n  engine = mongo\n  version = "7.0"\n}\n', 3, 12),
    Case("E0306", 'stack shop {\n  domain = "example.com"\n}\n', 1, 1),
    Case("E0307", STACK + "service api {\n  replicas = 2\n}\n", 2, 1),
    Case("E0308", STACK + 'service api {\n  image = "x:1"\n  allow SEC005 { }\n}\n', 4, 3),
    Case(
        "E0309",
        program("""
            stack shop { owner = "acme" }
            database orders { engine = postgres  version = "16" }
            gateway edge {
              tls = off
              route "/" { to = database.orders }
            }
        """),
        5,
        20,
    ),
    Case("E0310", 'service api {\n  image = "x:1"\n}\n', 1, 1),
    Case("E0311", STACK + 'service api {\n  image = "x:1"\n  ports = { http = 70000 }\n}\n', 4, 20),
    # -- E04xx semantics -----------------------------------------------------------------------
    Case(
        "E0401",
        {
            ENTRY: STACK + 'import "./more.stack"\nservice api { image = "x:1" }\n',
            "more.stack": 'import "./platform.stack"\nservice web { image = "x:1" }\n',
        },
        2,
        1,
    ),
    Case("E0402", STACK + "template a {\n  extends = b\n}\ntemplate b {\n  extends = a\n}\n", 2, 10),
    Case(
        "E0403",
        program("""
            stack shop { owner = "acme" }
            service a {
              image = "x:1"
              uses = [service.b]
            }
            service b {
              image = "x:1"
              uses = [service.a]
            }
        """),
        2,
        1,
    ),
    Case(
        "E0404",
        program("""
            stack shop { owner = "acme" }
            secret token { source = env("TOKEN") }
            service api {
              image = "x:1"
              env = { AUTH = "Bearer ${secret.token}" }
            }
        """),
        5,
        28,
    ),
    Case(
        "E0405",
        program("""
            stack shop { owner = "acme"  cloud = aws }
            secret orders-uri { source = env("ORDERS_URI") }
            database orders {
              engine = postgres
              version = "16"
              managed = true
              external = secret.orders-uri
            }
        """),
        7,
        3,
    ),
    Case("E0312", STACK + 'service api {\n  image = "x:1.0"\n  allow SEC01 { reason = "r" }\n}\n', 4, 3),
    Case(
        "E0490",
        STACK + 'service api {\n  image = "x:1.0"\n  autoscale { min = 2  max = 4 }\n}\n',
        4,
        3,
        severity=Severity.INFO,
        target="compose",
    ),
    Case(
        "E0491", STACK + 'service api {\n  image = "x:1.0"\n  env = { KEY = "a\\u{0}b" }\n}\n', 4, 3, target="compose"
    ),
    Case(
        "E0492",
        'stack s { owner = "acme"  domain = "example.com" }\nservice edge-certbot { image = "busybox:1.36" }\n'
        'service web { image = "nginx:1.27"  ports = { http = 8080 } }\n'
        'gateway edge {\n  tls = letsencrypt("ops@example.com")\n  route "/" { to = service.web }\n}\n',
        2,
        1,
        target="compose",
    ),
    Case("E0406", STACK + 'gateway edge {\n  tls = letsencrypt("ops@example.com")\n}\n', 3, 3),
]

# Compiler bugs found by these cases (the test stays; remove the mark when fixed).
XFAIL: dict[str, str] = {}


def _params() -> list:
    params = []
    for case in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=XFAIL[case.code])] if case.code in XFAIL else []
        params.append(pytest.param(case, id=case.code, marks=marks))
    return params


def _compile(case: Case, tmp_path: Path) -> tuple[list[Diagnostic], str]:
    """Compile the case; returns its diagnostics and the path the expected finding is in."""
    if isinstance(case.source, dict):
        for name, text in case.source.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        entry = tmp_path / ENTRY
        return compile_source(entry.read_bytes(), str(entry)).diagnostics, str(tmp_path / case.file)
    data = case.source if isinstance(case.source, bytes) else case.source.encode("utf-8")
    compilation = compile_source(data, case.file)
    diagnostics = list(compilation.diagnostics)
    if not compilation.has_errors:
        # Codes about the policy catalogue (E0312) come from the policy engine, as in `check`.
        diagnostics += check_policies(compilation.models, list(compilation.models)).diagnostics
    if case.target is not None and not compilation.has_errors:
        context = BuildContext(compilation.models, list(compilation.models), case.file)
        diagnostics += targets()[case.target](context).diagnostics
    return diagnostics, case.file


def _show(diagnostics: list[Diagnostic]) -> str:
    return "\n".join(
        f"{d.code} {d.severity.label} {d.span.line if d.span else '?'}:{d.span.column if d.span else '?'} {d.message}"
        for d in diagnostics
    )


@pytest.mark.parametrize("case", _params())
def test_code(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if case.max_bytes is not None:
        monkeypatch.setattr(stackc.syntax.parser, "MAX_SOURCE_BYTES", case.max_bytes)
    diagnostics, file = _compile(case, tmp_path)
    found = [d for d in diagnostics if d.code == case.code]
    assert len(found) == 1, f"expected one {case.code}, got:\n{_show(diagnostics)}"
    finding = found[0]
    assert finding.severity is case.severity
    assert finding.span is not None
    assert (finding.span.file, finding.span.line, finding.span.column) == (file, case.line, case.column), _show(
        diagnostics
    )
    others = {d.code for d in diagnostics if d is not finding and d.is_error}
    assert others == set(case.also), f"unrelated errors:\n{_show(diagnostics)}"


def test_every_code_has_a_case() -> None:
    covered = [case.code for case in CASES]
    assert len(covered) == len(set(covered)), "a code has two cases: keep one per code"
    missing = sorted(set(CODES) - set(covered))
    assert not missing, f"codes without a case in tests/test_codes.py: {missing}"
    unknown = sorted(set(covered) - set(CODES))
    assert not unknown, f"cases for codes that CODES does not define: {unknown}"


def test_xfail_marks_name_real_cases() -> None:
    assert set(XFAIL) <= {case.code for case in CASES}


# -- positions beyond the table -----------------------------------------------------------------


def test_unterminated_triple_quoted_string_points_at_its_opening() -> None:
    source = STACK + 'service api {\n  image = """\n  abc\n}\n'
    found = [d for d in compile_source(source.encode(), ENTRY).diagnostics if d.code == "E0102"]
    assert [(d.span.line, d.span.column) for d in found if d.span] == [(3, 11)]
    assert found[0].help is not None and '"""' in found[0].help


def test_a_zero_cpu_memory_or_size_is_out_of_range() -> None:
    """A zero limit means "unlimited" to Docker and a zero request or volume is nothing: each is
    an E0311 where it is written, and every one of them is reported at once."""
    from stackc.frontend import compile_source

    source = STACK + textwrap.dedent("""\
        service api {
          image = "x:1"
          resources { cpu = 0  memory = 0Mi  cpu_limit = 0m  memory_limit = 256Mi }
          volume data { path = "/d"  size = 0Gi }
        }
        """)
    diagnostics = compile_source(source.encode(), "platform.stack").diagnostics
    found = sorted((d.span.line, d.span.column) for d in diagnostics if d.code == "E0311" and d.span)
    assert found == [(4, 21), (4, 33), (4, 50), (5, 37)]
    fine = source.replace("cpu = 0 ", "cpu = 1 ").replace("0Mi", "64Mi").replace("0m ", "500m ").replace("0Gi", "1Gi")
    assert not [d for d in compile_source(fine.encode(), "platform.stack").diagnostics if d.code == "E0311"]


def test_a_github_expression_in_a_string_is_named_as_one() -> None:
    from stackc.frontend import compile_source

    source = STACK + 'service api {\n  image = "x:1"\n  env = { A = "run ${{ matrix.os }} now" }\n}\n'
    (found,) = [d for d in compile_source(source.encode(), "platform.stack").diagnostics if d.code == "E0109"]
    assert found.message == "`${{ matrix.os }}` is a GitHub Actions expression, not a stackc reference"
    assert found.help == "write `$${{ matrix.os }}` for the literal text `${{ matrix.os }}`"
