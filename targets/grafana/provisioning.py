"""Where the files go, and `grafana/provisioning/dashboards/dashboards.yaml`, the provider that loads them.

Grafana reads provisioning from `/etc/grafana/provisioning` and this provider reads dashboards from
`/var/lib/grafana/dashboards`: the Compose service mounts `deploy/grafana/provisioning` and
`deploy/grafana/dashboards` there (docs/grafana.md).
"""

from __future__ import annotations

from typing import Any

# Relative to the output folder.
OUTPUT_DIR = "grafana"
DASHBOARDS_DIR = f"{OUTPUT_DIR}/dashboards"
DATASOURCES_FILE = f"{OUTPUT_DIR}/provisioning/datasources/datasources.yaml"
DASHBOARDS_PROVIDER_FILE = f"{OUTPUT_DIR}/provisioning/dashboards/dashboards.yaml"

# Inside the Grafana container.
PROVISIONING_MOUNT = "/etc/grafana/provisioning"
DASHBOARDS_MOUNT = "/var/lib/grafana/dashboards"


def provider(stack: str) -> dict[str, Any]:
    """One file provider, its dashboards in a folder named after the stack."""
    return {
        "apiVersion": 1,
        "providers": [
            {
                "name": stack,
                "orgId": 1,
                "folder": stack,
                "type": "file",
                # Edits belong in the stack file: a dashboard saved in the UI would be lost at the
                # next build, so the UI refuses to save it, and a removed file removes the dashboard.
                "disableDeletion": False,
                "allowUiUpdates": False,
                "updateIntervalSeconds": 30,
                "options": {"path": DASHBOARDS_MOUNT, "foldersFromFilesStructure": False},
            }
        ],
    }
