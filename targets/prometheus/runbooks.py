"""A runbook page per alert (`prometheus/runbooks/<Alert>.md`), the target of its `runbook_url`."""

from __future__ import annotations

from stackc.targets.prometheus.slo import Alert

_STEPS = {
    "slo-page": (
        "The service is failing fast enough to exhaust its monthly error budget within days.",
        [
            "Open the SLO dashboard for the service and environment; check which window pair fired.",
            "Look for a recent deploy or config change; roll it back if errors started with it.",
            "Check the service's dependencies (database, queue, upstream services) for errors.",
            "Page stays until both windows of the firing pair drop below the threshold.",
        ],
    ),
    "target-down": (
        "Prometheus gets no answer from the service's metrics endpoint: the service is down, restarting,"
        " or its `metrics` block names the wrong path or port.",
        [
            "Check that the service's containers or pods are running and healthy.",
            "Fetch the metrics path from inside the network; compare it with the stack file's `metrics` block.",
            "While the target is down, SLO alerts for the service see no traffic and cannot fire.",
        ],
    ),
    "high-error-rate": (
        "More than 5% of the service's requests answer 5xx for 10 minutes.",
        [
            "Look at the service's logs for the failing requests.",
            "Check recent deploys and dependencies; roll back if the errors started with a release.",
        ],
    ),
    "high-latency": (
        "The 95th percentile request duration is above the threshold of the service's latency SLO.",
        [
            "Check saturation: CPU and memory against limits, connection pools, queue depth.",
            "Check the latency of the service's dependencies (database, upstream services).",
        ],
    ),
    "slo-ticket": (
        "The service burns its error budget steadily: not urgent, but the SLO is at risk this period.",
        [
            "Check `slo:error_budget_remaining:ratio` for the service to see how much budget is left.",
            "Find the requests that fail (by route and status code) and file the fix.",
            "If the objective is unrealistic, change the `slo` block in the stack file instead.",
        ],
    ),
    "container-restarts": (
        "A container restarted more than twice in 15 minutes: it crashes, is OOM-killed, or fails its health"
        " check (Compose: cAdvisor saw new start times; Kubernetes: kube-state-metrics' restart counter).",
        [
            "Read the logs of the previous run (`docker compose logs`, `kubectl logs --previous`).",
            "Check for OOM kills (`docker inspect` State.OOMKilled, the pod's last state reason) and raise"
            " `memory_limit` if the working set is legitimately larger.",
            "Check the `health` block: a check that is too strict restarts a slow but healthy service.",
        ],
    ),
    "cpu-near-limit": (
        "A container uses over 90% of the CPU limit stackc set (`resources.cpu_limit`, default 4 × `cpu`) for"
        " 15 minutes: it is being throttled and slows down.",
        [
            "Check whether load grew (request rate) or the service regressed (CPU per request).",
            "Raise `cpu_limit` (and `cpu`), or add replicas / `autoscale` so the load spreads.",
        ],
    ),
    "memory-near-limit": (
        "A container's working set is above 90% of its memory limit (`resources.memory_limit`, default"
        " `memory`) for 15 minutes: at the limit the kernel kills it.",
        [
            "Check whether memory grows steadily (a leak) or follows load.",
            "Raise `memory_limit` (and `memory`) in the stack file, or fix the leak.",
        ],
    ),
    "volume-filling": (
        "A volume is less than half free and its last 6 hours' trend reaches zero within 4 hours"
        " (Compose: the Docker host's filesystem at `/` from node-exporter; Kubernetes: the claim's kubelet"
        " volume statistics).",
        [
            "Find what grows: database data, logs, backups (`retain`), uploads.",
            "Free space or grow the volume (`size` in the stack file; on Compose, the host's disk).",
            "A database that fills its disk stops accepting writes: act before the prediction runs out.",
        ],
    ),
    "tls-expiring": (
        "The certificate served for the gateway's host expires within 14 days; renewal normally happens 30 days"
        " ahead, so automatic renewal is failing.",
        [
            "Compose: check the certbot container's logs of the gateway; Kubernetes: `kubectl describe"
            " certificate` and the cert-manager logs.",
            "Check that the host's DNS points at the gateway and that port 80 reaches it (HTTP-01 challenge).",
        ],
    ),
    "tls-expiring-critical": (
        "The certificate served for the gateway's host expires within 3 days: browsers will refuse the site"
        " when it does.",
        [
            "Follow the steps of TlsCertificateExpiring now; renew by hand if the automation cannot be fixed in time.",
        ],
    ),
    "gateway-probe": (
        "The blackbox exporter cannot fetch `https://<host>/` with a valid certificate and a 2xx answer.",
        [
            "Open the URL from outside; check the gateway's container and its certificate.",
            "If `/` legitimately answers non-2xx, adjust the blackbox module `http_2xx` (`valid_status_codes`).",
        ],
    ),
    "backup-late": (
        "No backup of the database or queue succeeded within the longest gap of its `backup.schedule` plus"
        " 2 hours (Compose: the Pushgateway's `stackc_backup_last_success_timestamp_seconds`; Kubernetes:"
        " the CronJob's last successful time).",
        [
            "Compose: check that the host's cron runs the backup job and read its logs; Kubernetes: `kubectl"
            " get jobs` and the failed job's logs.",
            "Check the backup volume's free space and the credentials the dump uses.",
            "Run a backup by hand, then confirm the alert resolves.",
        ],
    ),
}


def runbook(alert: Alert) -> str:
    meaning, steps = _STEPS[alert.kind]
    lines = [
        f"# {alert.name}",
        "",
        f"Severity: `{alert.severity}`. Labels `service` and `environment` name where it fires.",
        "",
        f"**Meaning.** {meaning}",
        "",
        "## What to do",
        "",
        *[f"{i}. {step}" for i, step in enumerate(steps, 1)],
        "",
        "Generated by stackc from the stack file (docs/observability.md).",
    ]
    return "\n".join(lines) + "\n"
