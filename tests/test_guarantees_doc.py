"""README "What it guarantees" names, for each guarantee, the tests that prove it: every file
and test it names must exist (so the table cannot point at a renamed or deleted test)."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def guarantees_section() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## What it guarantees")
    end = readme.index("\n## ", start + 1)
    return readme[start:end]


def test_every_named_test_exists():
    section = guarantees_section()
    refs = re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`|`::(\w+)`", section)
    assert len(refs) >= 15
    current = None
    checked = 0
    for path, name, continued in refs:
        if path:
            current = ROOT / path
            assert current.exists(), path
        name = name or continued
        if name:
            tree = ast.parse(current.read_text())
            defs = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
            assert name in defs, f"{current.relative_to(ROOT)}::{name} is not a test"
            checked += 1
    assert checked >= 12
