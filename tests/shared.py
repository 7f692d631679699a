"""Where the specification and research live: `../shared/` beside the repository."""

from __future__ import annotations

from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
SPEC_EXAMPLES = SHARED / "spec" / "examples"
SPEC_SHOP = SPEC_EXAMPLES / "shop.stack"
