"""`.github/dependabot.yml`: updates for the pinned actions and for every image build context."""

from __future__ import annotations

from typing import Any

from stackc import ir


def config(model: ir.EnvironmentModel) -> dict[str, Any]:
    # A cooldown lets a new release age a week before it is proposed: most hijacked releases
    # (trivy-action, March 2026) were caught and pulled within days.
    schedule = {"interval": "weekly"}
    cooldown = {"default-days": 7}
    updates: list[dict[str, Any]] = [
        {"package-ecosystem": "github-actions", "directory": "/", "schedule": schedule, "cooldown": cooldown}
    ]
    directories = sorted({directory(s.build.context) for s in model.services.values() if s.build is not None})
    updates.extend(
        {"package-ecosystem": "docker", "directory": d, "schedule": schedule, "cooldown": cooldown} for d in directories
    )
    return {"version": 2, "updates": updates}


def directory(context: str) -> str:
    """A build context relative to the stack file as Dependabot's repository-rooted directory."""
    parts = [p for p in context.split("/") if p not in ("", ".")]
    return "/" + "/".join(parts)
