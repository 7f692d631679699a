"""A wheel carries every package: the explicit list in pyproject.toml names each folder."""

from __future__ import annotations

import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_folder_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = set()
    for package, folder in config["package-dir"].items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder)
            found.add(".".join([package, *relative.parts]))
    assert found - listed == set(), "add these to [tool.setuptools] packages"


def test_every_target_module_imports_first_in_a_fresh_process() -> None:
    """Targets read each other's pure functions (Kubernetes the Prometheus rules, Compose the
    exporters): whichever module a caller imports first, none may meet a half-loaded other."""
    import subprocess
    import sys

    modules = sorted(
        "stackc.targets." + ".".join(p.relative_to(ROOT / "targets").with_suffix("").parts).removesuffix(".__init__")
        for p in (ROOT / "targets").rglob("*.py")
    )
    script = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"

    def error(module: str) -> str | None:
        proc = subprocess.run([sys.executable, "-c", script, module], capture_output=True, text=True, timeout=60)
        return f"{module}: {proc.stderr.strip().splitlines()[-1]}" if proc.returncode != 0 else None

    with ThreadPoolExecutor(max_workers=4) as pool:
        failed = [e for e in pool.map(error, modules) if e]
    assert not failed, failed
