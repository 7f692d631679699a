"""The HCL writer: any string round-trips through real Terraform, and `terraform fmt` keeps the output.

A root of only `locals` and `output` blocks needs no provider, so `terraform apply` runs offline
without `init` (research/terraform-example/README.md) and `terraform output -json` gives the values
back. Many strings go into one root to keep it to one Terraform run per example.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stackc.writers import hcl

TERRAFORM = shutil.which("terraform")


def need_terraform() -> str:
    if TERRAFORM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("terraform is not installed (required in CI)")
        pytest.skip("terraform is not installed")
    return TERRAFORM


def terraform_env(tmp: Path) -> dict[str, str]:
    # No CLI config (silences the ~/.terraformrc warning) and a data dir of the test's own.
    return {
        **os.environ,
        "TF_CLI_CONFIG_FILE": os.devnull,
        "TF_DATA_DIR": str(tmp / ".tfdata"),
        "TF_IN_AUTOMATION": "1",
    }


def round_trip(values: list[str], tmp: Path) -> list[object]:
    """Apply a locals-only root holding `values` (as plain strings and inside a template) and read
    them back."""
    terraform = need_terraform()
    root = tmp / "root"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir()
    locals_ = [hcl.Attribute(f"s{i}", value) for i, value in enumerate(values)]
    # The same strings around an interpolation, where a trailing `$` or `%` meets `${`.
    locals_ += [
        hcl.Attribute(f"t{i}", hcl.template(value, hcl.ref("local.marker"), value)) for i, value in enumerate(values)
    ]
    locals_.append(hcl.Attribute("marker", "|"))
    # And as object keys (quoted unless they are plain identifiers), each mapping to itself.
    keyed = {nfc(value): value for value in values}  # one key per NFC form: HCL would see duplicates
    locals_.append(hcl.Attribute("keyed", {value: value for value in keyed.values()}))
    everything = ", ".join([*(f"local.s{i}" for i in range(len(values))), *(f"local.t{i}" for i in range(len(values)))])
    text = hcl.dump(
        [
            hcl.Block("locals", (), locals_),
            hcl.Block("output", ("all",), [hcl.Attribute("value", hcl.ref(f"[{everything}]"))]),
            hcl.Block("output", ("keyed",), [hcl.Attribute("value", hcl.ref("local.keyed"))]),
        ]
    )
    (root / "main.tf").write_text(text, encoding="utf-8")
    env = terraform_env(tmp)
    fmt = subprocess.run(
        [terraform, "fmt", "-check", "-diff", "main.tf"], cwd=root, env=env, capture_output=True, text=True
    )
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    apply = subprocess.run(
        [terraform, "apply", "-auto-approve", "-input=false", "-no-color"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert apply.returncode == 0, apply.stderr + "\n" + text
    out = subprocess.run(
        [terraform, "output", "-json", "all"], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    read = subprocess.run(
        [terraform, "output", "-json", "keyed"], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(read.stdout) == {nfc(value): nfc(value) for value in keyed.values()}
    return json.loads(out.stdout)


def nfc(text: str) -> str:
    # Terraform normalises every string to Unicode NFC, escaped or not ("\\uf9f1" reads back as
    # U+96A3): a string round-trips up to that normalisation, which no writer can avoid.
    return unicodedata.normalize("NFC", text)


def expected(values: list[str]) -> list[str]:
    return [nfc(v) for v in [*values, *(v + "|" + v for v in values)]]


TRICKY = [
    "",
    "plain",
    "${var.x}",
    "$${",
    "$$${x}",
    "%{ if true }",
    "%%{",
    "costs $5 per ${env.name} seat",
    "100%",
    "ends with $",
    "ends with %",
    "\\",
    "\\${",
    '"quoted"',
    "line\nbreak\r\n",
    "tab\there",
    "\x00\x01\x1f\x7f\x85",
    "\u2028\u2029\ufeff",
    "é ü ß 中文 😀",
    "\uf9f1 e\u0301",  # not NFC: comes back normalised
    "<<EOT",
    "# not a comment",
    "// nor this",
    "}",
    "{",
    "$",
    "%",
]


def test_tricky_strings_round_trip(tmp_path: Path) -> None:
    assert round_trip(TRICKY, tmp_path) == expected(TRICKY)


# Surrogates cannot be encoded in UTF-8, so they cannot be in a file at all.
USER_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(USER_TEXT, min_size=1, max_size=40))
def test_any_string_round_trips(values: list[str], tmp_path: Path) -> None:
    assert round_trip(values, tmp_path) == expected(values)


def test_alignment_and_blank_lines_are_what_fmt_writes(tmp_path: Path) -> None:
    terraform = need_terraform()
    text = hcl.dump(
        [
            hcl.Block(
                "resource",
                ("aws_thing", "x"),
                [
                    hcl.Comment("checkov:skip=CKV_X_1:a reason", raw=True),
                    hcl.Attribute("a", 1),
                    hcl.Attribute("longer_name", "v"),
                    hcl.Attribute("list", ["x" * 30, "y" * 30, "z" * 30]),
                    hcl.Attribute("b", True),
                    hcl.Blank(),
                    hcl.Comment("why"),
                    hcl.Attribute("tags", {"cost-center": "cc", "team": hcl.ref("var.team"), "nested": {"k": []}}),
                    hcl.Attribute("policy", hcl.call("jsonencode", {"Version": "2012", "Statement": [{"Sid": "A"}]})),
                    hcl.Block("filter"),
                    hcl.Block(
                        "rule", (), [hcl.Attribute("id", "r"), hcl.Block("inner", (), [hcl.Attribute("z", None)])]
                    ),
                    hcl.Attribute("depends_on", [hcl.ref("aws_thing.y")]),
                ],
            ),
            hcl.Block("locals", (), [hcl.Attribute("t", hcl.template("a-", hcl.ref("var.b"), "-$"))]),
        ]
    )
    path = tmp_path / "main.tf"
    path.write_text(text)
    fmt = subprocess.run(
        [terraform, "fmt", "-check", "-diff", str(path)], env=terraform_env(tmp_path), capture_output=True, text=True
    )
    assert fmt.returncode == 0, fmt.stdout
    assert "#checkov:skip=CKV_X_1:a reason\n" in text
    assert '  a           = 1\n  longer_name = "v"\n' in text


def test_output_is_deterministic() -> None:
    items = [hcl.Block("locals", (), [hcl.Attribute("m", {"b": 1, "a": 2})])]
    assert hcl.dump(items) == hcl.dump(items)


def test_a_line_break_in_a_comment_stays_a_comment() -> None:
    text = hcl.dump([hcl.Comment('secret x\nresource "evil" {}\r\u2028end')])
    assert text == '# secret x\n# resource "evil" {}\n#\n# end\n'


def test_numbers_without_an_hcl_literal_are_refused() -> None:
    with pytest.raises(ValueError):
        hcl.dump([hcl.Attribute("x", float("nan"))])
    assert hcl.dump([hcl.Attribute("x", 0.5), hcl.Attribute("y", -3)]) == "x = 0.5\ny = -3\n"
