"""The test tiers stay independent: no tier imports another tier's modules (shared test
code lives in tests/ top-level modules such as factories.py, queries.py, servers.py)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
TIERS = sorted(p.name for p in TESTS.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_tier_imports_another_tier() -> None:
    assert {"app", "regtest", "e2e", "realtime"} <= set(TIERS)
    crossings = []
    for tier in TIERS:
        for path in sorted((TESTS / tier).rglob("*.py")):
            for module in _imported_modules(path):
                parts = module.split(".")
                if parts[0] == "tests" and len(parts) > 2 and parts[1] in TIERS \
                        and parts[1] != tier:
                    crossings.append(f"{path.relative_to(TESTS)} imports {module}")
    assert crossings == [], "\n".join(crossings)
