"""The renderers: text as snapshot files (rustc's `.stderr`, ruff's `.snap`), JSON and SARIF by shape.

Snapshots live in `tests/snapshots/*.txt` and are compared byte for byte; regenerate them on
purpose with `STACKC_UPDATE_SNAPSHOTS=1 pytest tests/test_render.py` and review the diff.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest
from shared import SHARED
from stackc.codes import CODES
from stackc.diagnostics import Diagnostic, Label, Severity, Span, error, warning
from stackc.render import (
    RuleInfo,
    code_rules,
    render_json,
    render_sarif,
    render_text,
    should_use_color,
)

SNAPSHOTS = Path(__file__).parent / "snapshots"
CLI_MD = SHARED / "spec" / "CLI.md"
SARIF_SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"
DOCS = Path(__file__).resolve().parent.parent / "compiler" / "docs" / "codes"


def assert_snapshot(name: str, actual: str) -> None:
    path = SNAPSHOTS / f"{name}.txt"
    if os.environ.get("STACKC_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    assert path.exists(), f"no snapshot {path.name}: run with STACKC_UPDATE_SNAPSHOTS=1"
    # Bytes, not text mode: newline translation would hide a `\r` or a missing final newline.
    assert actual == path.read_bytes().decode("utf-8")


def shared_file(path: Path) -> Path:
    """A file of the shared spec folder; its absence fails under CI and skips elsewhere."""
    if path.exists():
        return path
    if os.environ.get("CI") == "true" or SHARED.exists():
        pytest.fail(f"{path} is missing")
    pytest.skip(f"{SHARED} is not available")


# The CLI.md example, placed on line 14 of a plausible stack.
STACK = """\
stack shop {
  owner = "acme"
}

environment dev { hot_reload = true }
environment prod { approval = true }

service api {
  env = { URL = "https://${env.domain}/api" }
  ports = { http = 8080 }
  health { http = "/healthz" }
  uses = [database.orders]
  # requests and limits
  resources { cpu = 250m  memroy = 256Mi }
}
"""
SOURCES = {"platform.stack": STACK}

MEMROY = error(
    "E0302",
    "unknown attribute `memroy` in `resources`",
    Span("platform.stack", 14, 27, 14, 33),
    note="did you mean `memory`?",
    help="valid attributes: cpu, memory, cpu_limit, memory_limit",
)


def text(diagnostics: list[Diagnostic], sources: dict[str, str] = SOURCES, **kwargs: bool) -> str:
    return render_text(diagnostics, sources, color=kwargs.pop("color", False), **kwargs)


# --- text ------------------------------------------------------------------------------------


def test_cli_md_example() -> None:
    assert_snapshot("cli_md_example", text([MEMROY]))


def test_cli_md_example_is_the_spec_byte_for_byte() -> None:
    spec = shared_file(CLI_MD).read_text(encoding="utf-8")
    diagnostics = spec[spec.index("## Diagnostics") :]
    block = re.search(r"```\n(.*?)```", diagnostics, re.S)
    assert block is not None
    assert text([MEMROY]) == block.group(1) + "\nerror: 1 error\n"


def test_label_on_an_earlier_line_with_a_gap() -> None:
    source = 'service api {\n  image = "a:1"\n}\n\nservice web {}\n\nservice api {\n}\n'
    d = error(
        "E0202",
        "`api` is declared twice",
        Span("p.stack", 7, 9, 7, 12),
        note="declared again here",
        labels=(Label(Span("p.stack", 1, 9, 1, 12), "first declared here"),),
        help="rename one of them, or merge them into one block",
    )
    assert_snapshot("label_other_line", text([d], {"p.stack": source}))


def test_a_one_line_gap_is_shown_not_elided() -> None:
    source = "a {\n  b = 1\n  b = 2\n}\n"
    d = error(
        "E0203",
        "`b` is set twice",
        Span("p.stack", 3, 3, 3, 4),
        labels=(Label(Span("p.stack", 1, 1, 1, 2), "in this block"),),
    )
    out = text([d], {"p.stack": source})
    assert "2 |   b = 1\n" in out and "..." not in out


def test_label_in_another_file() -> None:
    sources = {
        "platform.stack": 'import "./data.stack"\n\ndatabase orders {}\n',
        "data.stack": "# data tier\ndatabase orders {\n  engine = postgres\n}\n",
    }
    d = error(
        "E0202",
        "`orders` is declared twice",
        Span("platform.stack", 3, 10, 3, 16),
        labels=(Label(Span("data.stack", 2, 10, 2, 16), "first declared here"),),
    )
    assert_snapshot("label_other_file", text([d], sources))


def test_several_labels_on_one_line_hang() -> None:
    source = "service api { uses = [service.web, service.db, service.api] }\n"
    d = error(
        "E0403",
        "services whose `uses` form a cycle",
        Span("p.stack", 1, 49, 1, 60),
        note="`api` uses itself",
        labels=(
            Label(Span("p.stack", 1, 9, 1, 12), "declared here"),
            Label(Span("p.stack", 1, 15, 1, 19), "in this list"),
        ),
    )
    assert_snapshot("labels_same_line", text([d], {"p.stack": source}))


def test_multi_line_span_is_clamped_to_its_first_line() -> None:
    source = 'service api {\n  env = {\n    A = "1"\n  }\n}\n'
    d = error(
        "E0303",
        "`env` must be a map of strings",
        Span("p.stack", 2, 9, 4, 4),
        note="this map",
        labels=(Label(Span("p.stack", 1, 1, 5, 2), "in this service"),),
    )
    assert_snapshot("multi_line_span", text([d], {"p.stack": source}))


def test_tabs_and_wide_characters_keep_carets_aligned() -> None:
    source = 'service api {\n\towner = "\u30a2\u30af\u30e1"\tmemroy = 1\n}\n'
    d = error(
        "E0301",
        "unknown attribute `memroy`",
        Span("p.stack", 2, 16, 2, 22),
        note="did you mean `memory`?",
    )
    out = text([d], {"p.stack": source})
    assert_snapshot("tabs", out)
    source_row, caret_row = out.splitlines()[3:5]
    # Tabs become four spaces; each of the three katakana takes two terminal columns.
    assert "\t" not in out
    assert caret_row.index("^") == source_row.index("memroy") + 3


def test_no_span_prints_header_and_help_only() -> None:
    d = error("E0106", "`platform.stack` is not valid UTF-8", None, help="save the file as UTF-8")
    assert_snapshot("no_span", text([d]))
    assert "-->" not in text([d])


def test_environments_note() -> None:
    d = warning(
        "E0210",
        "`env.domain` has no value",
        Span("platform.stack", 9, 26, 9, 39),
        help="set `domain` in `stack shop`",
        environments=("dev", "prod"),
    )
    out = text([d])
    assert_snapshot("environments", out)
    assert "  = help: set `domain` in `stack shop`\n  = note: in environments: dev, prod\n" in out


def test_missing_source_keeps_location_and_messages() -> None:
    d = error(
        "E0202",
        "`api` is declared twice",
        Span("gone.stack", 3, 9, 3, 12),
        note="declared again here",
        labels=(Label(Span("gone.stack", 1, 9, 1, 12), "first declared here"),),
    )
    assert_snapshot("missing_source", text([d], {}))


def test_colour_on() -> None:
    diagnostics = [
        MEMROY,
        warning(
            "E0210",
            "`env.domain` has no value",
            Span("platform.stack", 9, 26, 9, 39),
            labels=(Label(Span("platform.stack", 8, 9, 8, 12), "in this service"),),
            environments=("dev",),
        ),
    ]
    out = text(diagnostics, color=True)
    assert_snapshot("colour", out)
    assert "\x1b[1;31merror[E0302]\x1b[0m" in out
    assert "\x1b[1;33mwarning[E0210]\x1b[0m" in out


def test_colour_off_has_no_escape_codes() -> None:
    hostile = 'service api {\n  image = "\x1b[2Jx\u202e"\n}\n'
    d = error("E0303", "bad \x1b[31m", Span("p.stack", 2, 3, 2, 8), note="n\x1b", help="h\x9b")
    out = render_text([d, MEMROY], {"p.stack": hostile, **SOURCES}, color=False, verbose=True)
    # Source text and messages may carry control characters; none reaches the terminal.
    assert "\x1b" not in out and "\x9b" not in out and "\u202e" not in out
    assert "\u241b[2Jx" in out


def test_info_is_hidden_unless_verbose() -> None:
    info = Diagnostic("E0101", Severity.INFO, "an info finding", Span("platform.stack", 1, 1, 1, 6))
    assert text([info]) == ""
    assert text([info, MEMROY]) == text([MEMROY])
    verbose = text([info], verbose=True)
    assert_snapshot("info_verbose", verbose)
    assert verbose.startswith("info[E0101]: an info finding\n")
    assert verbose.endswith("\ninfo: 1 info\n")


@pytest.mark.parametrize(
    ("severities", "summary"),
    [
        ([Severity.ERROR], "error: 1 error"),
        ([Severity.ERROR, Severity.ERROR, Severity.WARNING], "error: 2 errors, 1 warning"),
        ([Severity.WARNING, Severity.WARNING], "warning: 2 warnings"),
        ([Severity.WARNING, Severity.INFO, Severity.INFO], "warning: 1 warning, 2 info"),
        ([Severity.INFO], "info: 1 info"),
    ],
)
def test_summary_line(severities: list[Severity], summary: str) -> None:
    diagnostics = [Diagnostic("E0101", s, "m", None) for s in severities]
    out = text(diagnostics, verbose=True)
    assert out.endswith(f"\n\n{summary}\n")


def test_no_diagnostics_render_nothing() -> None:
    assert text([]) == ""


def test_blocks_are_separated_by_one_blank_line_in_the_given_order() -> None:
    a = error("E0101", "first", None)
    b = warning("E0101", "second", None)
    assert text([b, a]) == "warning[E0101]: second\n\nerror[E0101]: first\n\nerror: 1 error, 1 warning\n"


@pytest.mark.parametrize(
    ("tty", "env", "expected"),
    [
        (True, {}, True),
        (False, {}, False),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": ""}, True),
        (True, {"TERM": "dumb"}, False),
        (True, {"TERM": "xterm-256color"}, True),
    ],
)
def test_should_use_color(monkeypatch: pytest.MonkeyPatch, tty: bool, env: dict[str, str], expected: bool) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return tty

    assert should_use_color(Stream()) is expected


def test_should_use_color_on_a_closed_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    stream = io.StringIO()
    stream.close()
    assert should_use_color(stream) is False


# --- JSON ------------------------------------------------------------------------------------

JSON_KEYS = [
    "code",
    "severity",
    "message",
    "file",
    "line",
    "column",
    "end_line",
    "end_column",
    "help",
    "environment",
]


def test_json_keys_and_types() -> None:
    info = Diagnostic("E0101", Severity.INFO, "i", None)
    env = MEMROY.in_environments(["dev", "prod"])
    data = json.loads(render_json([MEMROY, env, info]))
    assert isinstance(data, list) and len(data) == 3
    for item in data:
        assert list(item) == JSON_KEYS
        assert isinstance(item["code"], str)
        assert item["severity"] in ("error", "warning", "info")
        assert isinstance(item["message"], str)
        assert item["help"] is None or isinstance(item["help"], str)
        assert item["environment"] is None or all(isinstance(e, str) for e in item["environment"])
    assert data[0] == {
        "code": "E0302",
        "severity": "error",
        "message": "unknown attribute `memroy` in `resources`",
        "file": "platform.stack",
        "line": 14,
        "column": 27,
        "end_line": 14,
        "end_column": 33,
        "help": "valid attributes: cpu, memory, cpu_limit, memory_limit",
        "environment": None,
    }
    assert data[1]["environment"] == ["dev", "prod"]
    assert data[2]["severity"] == "info"
    assert [data[2][k] for k in JSON_KEYS[3:9]] == [None] * 6


def test_json_is_deterministic_and_indented() -> None:
    out = render_json([MEMROY])
    assert out == render_json([MEMROY])
    assert out.startswith('[\n  {\n    "code": "E0302",\n')
    assert render_json([]) == "[]\n"


# --- SARIF -----------------------------------------------------------------------------------


def sarif_example() -> dict:
    label = Label(Span("sub\\dir/first.stack", 1, 9, 1, 12), "first declared here")
    duplicate = error("E0202", "`api` is declared twice", Span("./sub/a b.stack", 3, 9, 3, 12), labels=(label,))
    policy = RuleInfo("SEC003", "writable-root-filesystem", "`read_only = false`", "# SEC003", Severity.WARNING)
    silenced = warning("SEC003", "root filesystem is writable", Span("platform.stack", 9, 3, 9, 19))
    spanless = Diagnostic("E0106", Severity.INFO, "not UTF-8", None, environments=("dev",))
    out = render_sarif(
        [MEMROY, duplicate, spanless],
        [*code_rules(), policy],
        tool_version="9.9.9",
        suppressed=[silenced],
    )
    return json.loads(out)


def test_sarif_validates_against_the_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(shared_file(SARIF_SCHEMA).read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(sarif_example()), key=str)
    assert not errors, "\n".join(e.message for e in errors)


def test_sarif_driver_lists_every_rule() -> None:
    log = sarif_example()
    assert log["version"] == "2.1.0" and "sarif-schema-2.1.0" in log["$schema"]
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "stackc" and driver["version"] == "9.9.9" and driver["informationUri"]
    ids = [r["id"] for r in driver["rules"]]
    assert ids == [*CODES, "SEC003"]
    e0101 = driver["rules"][0]
    assert e0101["name"] == "unexpected-token"
    assert e0101["shortDescription"]["text"] == CODES["E0101"].summary
    assert e0101["fullDescription"]["markdown"] == CODES["E0101"].docs
    assert e0101["help"]["markdown"] == CODES["E0101"].docs
    assert e0101["defaultConfiguration"]["level"] == "error"
    assert driver["rules"][-1]["defaultConfiguration"]["level"] == "warning"


def test_sarif_results() -> None:
    run = sarif_example()["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["E0302", "E0202", "E0106", "SEC003"]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    memroy, duplicate, spanless, silenced = results
    assert memroy["level"] == "error"
    assert memroy["message"]["text"].splitlines() == [
        "unknown attribute `memroy` in `resources`",
        "note: did you mean `memory`?",
        "help: valid attributes: cpu, memory, cpu_limit, memory_limit",
    ]
    assert memroy["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "platform.stack"},
        "region": {"startLine": 14, "startColumn": 27, "endLine": 14, "endColumn": 33},
    }
    assert "suppressions" not in memroy
    assert duplicate["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "sub/a%20b.stack"
    (related,) = duplicate["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "sub/dir/first.stack"
    assert related["message"]["text"] == "first declared here"
    assert spanless["level"] == "note" and "locations" not in spanless
    assert spanless["properties"] == {"environments": ["dev"]}
    assert silenced["level"] == "warning"
    assert silenced["suppressions"] == [{"kind": "inSource"}]


def test_sarif_is_deterministic() -> None:
    assert sarif_example() == sarif_example()
    assert render_sarif([MEMROY], code_rules(), tool_version="1") == render_sarif(
        [MEMROY], code_rules(), tool_version="1"
    )


def test_sarif_refuses_a_rule_listed_twice() -> None:
    rules = code_rules()
    with pytest.raises(ValueError, match="E0101"):
        render_sarif([], [*rules, rules[0]], tool_version="1")


# --- docs of the codes -----------------------------------------------------------------------

SECTIONS = ["## What it does", "## Why is this bad?", "## Example", "Use instead:"]


@pytest.mark.parametrize("code", list(CODES))
def test_every_code_has_docs_in_ruff_shape(code: str) -> None:
    docs = CODES[code].docs
    assert docs, f"compiler/docs/codes/{code}.md is missing"
    lines = docs.splitlines()
    assert lines[0] == f"# {code} {CODES[code].name}"
    positions = [docs.find(section) for section in SECTIONS]
    assert -1 not in positions, f"{code}: missing one of {SECTIONS}"
    assert positions == sorted(positions), f"{code}: sections out of order"
    example = docs[positions[2] :]
    assert example.count("```stack\n") >= 2, f"{code}: an example and a fix, both in ```stack"
    assert 15 <= len(lines) <= 45, f"{code}: {len(lines)} lines"


def test_docs_exist_only_for_known_codes() -> None:
    files = {path.stem for path in DOCS.glob("*.md")}
    assert files == set(CODES), f"unknown: {sorted(files - set(CODES))}"


def test_code_docs_read_the_package_file() -> None:
    assert CODES["E0101"].docs == (DOCS / "E0101.md").read_text(encoding="utf-8")
