"""The layout's import direction, checked on the source: extract <- store <- crawl, jobs <- cli;
spiders/ and pipelines/ use ingest/ and never each other (docs/design.md, "Layout")."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# package -> module prefixes it must never import (directly, at any point in the file).
FORBIDDEN = {
    "ingest/extract": ("scrapy", "twisted", "sqlite3", "sqlite_utils", "ingest.store",
                       "ingest.crawl", "ingest.jobs", "ingest.cli", "spiders", "pipelines"),
    "ingest/store": ("scrapy", "twisted", "ingest.crawl", "ingest.jobs", "ingest.cli",
                     "spiders", "pipelines"),
    "ingest/crawl": ("ingest.jobs", "ingest.cli", "spiders", "pipelines"),
    "ingest/jobs": ("ingest.cli", "spiders", "pipelines"),
    "ingest/cli": ("spiders", "pipelines"),
    "spiders": ("pipelines",),
    "pipelines": ("spiders",),
}
# Top-level modules of ingest/ besides the packages: the record schema, settings, site profiles.
TOP_LEVEL = {"__init__.py", "items.py", "settings.py", "sites.py"}


def imported_modules(path: Path) -> list[str]:
    """Every module a file imports, absolute (relative imports resolved against its package)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            found.append(base)
            found += [f"{base}.{alias.name}" for alias in node.names]
    return found


def violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    out = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for module in imported_modules(path):
            if any(module == f or module.startswith(f + ".") for f in forbidden):
                out.append(f"{path.relative_to(ROOT)} imports {module}")
    return sorted(set(out))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_one_way(package):
    assert violations(package, FORBIDDEN[package]) == []


def test_ingest_has_only_the_subsystem_packages_and_the_shared_modules():
    loose = {p.name for p in (ROOT / "ingest").glob("*.py")} - TOP_LEVEL
    assert loose == set(), f"move these into a subsystem package: {sorted(loose)}"


def test_the_checker_sees_a_violation(tmp_path, monkeypatch):
    """The check itself can fail: an extraction module importing the store is reported."""
    fake = tmp_path / "ingest" / "extract"
    fake.mkdir(parents=True)
    (fake / "bad.py").write_text("from ..store import Store\nimport scrapy\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    found = violations("ingest/extract", FORBIDDEN["ingest/extract"])
    assert "ingest/extract/bad.py imports ingest.store.Store" in found
    assert "ingest/extract/bad.py imports scrapy" in found
