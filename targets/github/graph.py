"""The job graph of the generated workflows as Mermaid, for docs/github.md (same data as the YAML)."""

from __future__ import annotations

from .jobs import Job


def mermaid(workflows: dict[str, list[Job]]) -> str:
    """A `flowchart LR` with one subgraph per workflow and an edge per `needs`."""
    lines = ["flowchart LR"]
    for workflow, jobs in workflows.items():
        lines.append(f"  subgraph {node(workflow, '')}[{workflow}]")
        lines.extend(f'    {node(workflow, job.id)}["{job.label or job.name}"]' for job in jobs)
        lines.append("  end")
        for job in jobs:
            lines.extend(f"  {node(workflow, need)} --> {node(workflow, job.id)}" for need in job.needs)
            if job.calls is not None:
                # A reusable workflow's caller points at the called workflow's subgraph.
                called = job.calls.rsplit("/", 1)[-1].removesuffix(".yml")
                lines.append(f"  {node(workflow, job.id)} --> {node(called, '')}")
    return "\n".join(lines) + "\n"


def node(workflow: str, job: str) -> str:
    # Mermaid ids: letters, digits and underscores only.
    return "".join(c if c.isalnum() else "_" for c in f"{workflow}_{job}")
