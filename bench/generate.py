"""Write a synthetic stack of N services, shaped like a real one (the shop example, scaled).

Every service has a build or a pinned image, ports, env with interpolations and secrets,
health, resources, a `uses` edge to its predecessor, a `when` overlay and an SLO, so that the
parser, the layering, the decoder and the reference checks all do their full work.
"""

from __future__ import annotations

import argparse
import sys


def generate(services: int) -> str:
    out = [
        "# Generated benchmark stack.",
        "stack bench {",
        '  owner  = "acme"',
        '  domain = "bench.example.com"',
        "  cloud  = aws",
        '  region = "eu-west-1"',
        "}",
        "",
        "environment dev     { hot_reload = true }",
        "environment staging { replicas = 2 }",
        "environment prod    { replicas = 3  approval = true }",
        "",
        "template web-defaults {",
        "  resources { cpu = 100m  memory = 128Mi }",
        '  tmpfs     = ["/tmp"]',
        "}",
        "",
        "secret api-key {",
        '  source = vault("kv/bench/api", key = "token")',
        "  rotate = 30d",
        "}",
        "",
        "database main {",
        "  engine  = postgres",
        '  version = "16.4"',
        '  backup  { schedule = "0 3 * * *"  retain = 14d }',
        "}",
        "",
        "secret pagerduty-key { source = vault(\"kv/bench/pagerduty\", key = \"routing\")  rotate = 30d }",
        "",
        "observability {",
        "  logs   = loki",
        "  traces = jaeger",
        "  notify pagerduty { key = secret.pagerduty-key  severity = critical }",
        '  notify email     { to = "oncall@example.com"  severity = warning }',
        "}",
        "",
        "pipeline {",
        '  branch = "main"',
        '  test   { unit = "make test" }',
        "}",
        "",
    ]
    for i in range(services):
        name = f"svc-{i}"
        uses = "database.main" if i == 0 else f"service.svc-{i - 1}, database.main"
        source = f'build = "./services/{name}"' if i % 2 else f'image = "ghcr.io/acme/{name}:1.{i}.0"'
        out += [
            f"service {name} {{",
            "  extends = web-defaults",
            f"  {source}",
            "  ports   = { http = 8080, metrics = 9090 }",
            "  env = {",
            '    LOG_LEVEL = "info"',
            "    API_KEY   = secret.api-key",
            "    DB_URL    = database.main.uri",
            f'    SELF_URL  = "https://${{env.domain}}/{name}"',
            "  }",
            f"  uses      = [{uses}]",
            '  health    { http = "/healthz"  interval = 10s  timeout = 2s }',
            "  resources { cpu = 250m  memory = 256Mi }",
            '  metrics   { path = "/metrics"  port = metrics }',
            "  slo availability { objective = 99.9%  window = 30d }",
            '  test      { unit = "make test" }',
            "  when prod {",
            "    autoscale { min = 3  max = 10  cpu = 70% }",
            "  }",
            "  when dev {",
            '    command = ["run", "--reload"]',
            "  }",
            "}",
            "",
        ]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("services", type=int)
    parser.add_argument("-o", "--output", default="-")
    args = parser.parse_args()
    text = generate(args.services)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)


if __name__ == "__main__":
    main()
