"""The one table of third-party actions the GitHub target may emit.

Every `uses:` in a generated workflow is `ACTIONS[name].ref` (a full commit SHA) followed by its version
as a comment; tests/test_github.py checks that nothing else appears. Versions and SHAs are the ones
verified in the research notes (anchors-obs-ci.md §5.1); all are node24 or composite releases,
because GitHub removed node20 from its runners. Update a row here, never in the emitters.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    name: str
    sha: str
    version: str

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.sha}"


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action("actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
        Action("docker/setup-qemu-action", "96fe6ef7f33517b61c61be40b68a1882f3264fb8", "v4.2.0"),
        Action("docker/setup-buildx-action", "37fe631027851001ddb9b187196cc803df7f5f0e", "v4.3.0"),
        Action("docker/login-action", "dbcb813823bdd20940b903addbd779551569679f", "v4.6.0"),
        Action("docker/metadata-action", "dc802804100637a589fabce1cb79ff13a1411302", "v6.2.0"),
        Action("docker/build-push-action", "53b7df96c91f9c12dcc8a07bcb9ccacbed38856a", "v7.3.0"),
        Action("sigstore/cosign-installer", "6f9f17788090df1f26f669e9d70d6ae9567deba6", "v4.1.2"),
        Action("aquasecurity/trivy-action", "ed142fd0673e97e23eac54620cfb913e5ce36c25", "v0.36.0"),
        Action("github/codeql-action/upload-sarif", "5595ccaf912efad79be6eef63a5619ff05969be3", "v4.37.6"),
        # v5: the node24 release (v4 is node20); SHA as pinned in public workflows (research §5.1).
        Action("googleapis/release-please-action", "45996ed1f6d02564a971a2fa1b5860e934307cf7", "v5.0.0"),
    )
}


def uses(name: str) -> str:
    """The pinned reference of an action from the table (KeyError for anything else)."""
    return ACTIONS[name].ref


def markdown() -> str:
    """The table as Markdown, for docs/github.md (tests/test_github.py keeps the page current)."""
    rows = [f"| `{a.name}` | {a.version} | `{a.sha}` |" for a in ACTIONS.values()]
    return "\n".join(["| action | version | commit |", "|---|---|---|", *rows]) + "\n"
