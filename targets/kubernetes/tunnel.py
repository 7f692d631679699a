"""`tunnel = cloudflare`: a hardened cloudflared Deployment instead of an Ingress (issue 7).

cloudflared dials out to Cloudflare, so nothing listens publicly. It runs a remotely-managed
tunnel: the token (a Secret `{gateway}-tunnel-token`, key `value`, that the deploy pipeline
creates) names the tunnel, and the tunnel's public hostnames and routes are configured at
Cloudflare, where Terraform declares them (docs/kubernetes.md).
"""

from __future__ import annotations

from typing import Any

from stackc import ir
from stackc.targets.kubernetes import env, workloads

# `--token-file` exists since cloudflared 2025.4.0; the token never appears in args or env.
IMAGE = "cloudflare/cloudflared:2025.4.0"
METRICS_PORT = 2000
# Cloudflare's edge: 7844 (QUIC over UDP, HTTP/2 over TCP) for the tunnel, 443 for its API.
EDGE_PORTS = ((7844, "TCP"), (7844, "UDP"), (443, "TCP"))


def deployment_name(gateway: ir.Gateway) -> str:
    return f"{gateway.name}-cloudflared"


def token_secret(gateway: ir.Gateway) -> str:
    return f"{gateway.name}-tunnel-token"


def emit_tunnel(model: ir.EnvironmentModel, gateway: ir.Gateway) -> list[dict[str, Any]]:
    name = deployment_name(gateway)
    secret = token_secret(gateway)
    # Two connectors where it matters, so a node drain does not take the site down.
    replicas = 2 if model.environment.prod_like else 1
    pod = workloads.Pod(
        name=name,
        component="gateway",
        image=IMAGE,
        user=10001,
        group=10001,
        args=[
            "tunnel",
            "--no-autoupdate",
            "--metrics",
            f"0.0.0.0:{METRICS_PORT}",
            "run",
            "--token-file",
            f"{env.SECRETS_DIR}/{secret}",
        ],
        ports={"metrics": METRICS_PORT},
        mounts=[{"name": "secrets", "mountPath": env.SECRETS_DIR, "readOnly": True}],
        volumes=[
            {
                "name": "secrets",
                "projected": {
                    "defaultMode": 0o440,
                    "sources": [{"secret": {"name": secret, "items": [{"key": env.VALUE_KEY, "path": secret}]}}],
                },
            }
        ],
        probes={
            # /ready answers 200 once a connection to the edge is up; liveness only needs the process.
            "readinessProbe": {
                "httpGet": {"path": "/ready", "port": "metrics"},
                "periodSeconds": 10,
                "timeoutSeconds": 3,
                "failureThreshold": 3,
            },
            "livenessProbe": {
                "tcpSocket": {"port": "metrics"},
                "periodSeconds": 30,
                "timeoutSeconds": 3,
                "failureThreshold": 3,
            },
        },
        requests={"cpu": "100m", "memory": "128Mi"},
        limits={"cpu": "500m", "memory": "256Mi"},
        spread=replicas > 1,
    )
    objects = [
        workloads.emit_service_account(model, name, "gateway"),
        workloads.emit_deployment(model, pod, replicas, {}),
    ]
    if replicas > 1:
        objects.append(workloads.emit_pod_disruption_budget(model, name, "gateway"))
    return objects
