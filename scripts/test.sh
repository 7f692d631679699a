#!/usr/bin/env bash
# Installs everything the tests need into .venv (the package, test tools and the external
# validators) and runs the linters and the test suite. Used by README and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
