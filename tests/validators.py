"""Finding the external validators the tests run (installed by scripts/test.sh).

A missing validator fails the test under `CI=true` (CI must never pass by skipping what it was
meant to check) and skips it elsewhere.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Beside the interpreter (pip-installed tools), Checkov's own venv (its `bc-python-hcl2` clashes
# with the `python-hcl2` the Terraform tests use), then PATH and the sbin folders (Debian's nginx).
_PLACES = (Path(sys.executable).parent, ROOT / ".venv" / "checkov" / "bin")


def require(tool: str) -> str:
    found = next((str(place / tool) for place in _PLACES if (place / tool).exists()), None)
    found = found or shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/usr/local/sbin:/sbin")
    if found is None:
        message = f"{tool} is not installed (scripts/test.sh installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found
