"""The generated documentation pages are kept in step with their sources."""

from __future__ import annotations

from pathlib import Path

from stackc.codes import catalogue_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_diagnostics_page_is_up_to_date() -> None:
    committed = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert committed == catalogue_markdown(), "regenerate: python -m stackc.codes > docs/diagnostics.md"


def test_readme_keeps_the_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install . && .venv/bin/stackc check examples/shop/platform.stack" in readme
    assert "scripts/test.sh" in readme
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_policy_catalogue_page_is_up_to_date() -> None:
    from stackc.policies.catalogue import catalogue_markdown as policies_page

    committed = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
    assert committed == policies_page(), "regenerate: python -m stackc.policies > docs/policies.md"
