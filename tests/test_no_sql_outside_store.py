"""Nothing outside ingest/store/ touches a database connection (docs/design.md, "Layout"):
no sqlite3 or sqlite-utils import, no ``.execute``/``.executemany``/``.executescript``/
``.query``/``.cursor`` call, no ``.conn`` or ``.db`` attribute. Checked on the source of
ingest/ (ingest/store/ excepted), spiders/ and pipelines/; the code that needs a query asks a
function of ingest/store/ named for what it reads or writes."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHECKED = ("ingest", "spiders", "pipelines")
EXCEPTED = ("ingest/store",)
# Modules whose import is a connection of one's own.
DRIVERS = ("sqlite3", "sqlite_utils", "apsw")
# Methods of a connection or cursor (and sqlite-utils' Database.query).
CONNECTION_CALLS = ("execute", "executemany", "executescript", "query", "cursor")
# The Store's connection (``store.conn``) and its sqlite-utils Database (``store.db``).
CONNECTION_ATTRIBUTES = ("conn", "db")

# path -> why it may still do so. Keep it empty: move the query into ingest/store/ instead.
ALLOWED = {
    # moved by the one-writer change: the duplicate link joins the store pipeline's batch.
}


def connection_uses(path: Path) -> list[str]:
    """``path:line what`` for every use of a connection in one file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    rel = path.relative_to(ROOT).as_posix()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"{rel}:{node.lineno} imports {a.name}" for a in node.names
                      if a.name.split(".")[0] in DRIVERS]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            if (node.module or "").split(".")[0] in DRIVERS:
                found.append(f"{rel}:{node.lineno} imports {node.module}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in CONNECTION_CALLS:
            found.append(f"{rel}:{node.lineno} calls .{node.func.attr}()")
        elif isinstance(node, ast.Attribute) and node.attr in CONNECTION_ATTRIBUTES:
            found.append(f"{rel}:{node.lineno} uses .{node.attr}")
    return found


def violations() -> list[str]:
    out = []
    for top in CHECKED:
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if any(rel.startswith(e + "/") for e in EXCEPTED) or rel in ALLOWED:
                continue
            out += connection_uses(path)
    return out


def test_no_connection_use_outside_the_store():
    assert violations() == []


def test_the_allow_list_stays_tiny_and_says_why():
    assert len(ALLOWED) <= 1 and all(why.strip() for why in ALLOWED.values())


def test_the_checker_sees_each_kind_of_violation(tmp_path, monkeypatch):
    """The check itself can fail: a job running SQL on the store's connection, a pipeline
    opening its own, a command using sqlite-utils are each reported."""
    (tmp_path / "ingest" / "jobs").mkdir(parents=True)
    (tmp_path / "ingest" / "store").mkdir()
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "spiders").mkdir()
    (tmp_path / "ingest" / "jobs" / "bad.py").write_text(
        "def count(store):\n"
        "    return store.conn.execute('SELECT count(*) FROM articles').fetchone()[0]\n")
    (tmp_path / "pipelines" / "own.py").write_text(
        "import sqlite3\n"
        "def open_it(path):\n"
        "    c = sqlite3.connect(path)\n"
        "    c.executescript('PRAGMA optimize')\n")
    (tmp_path / "spiders" / "utils.py").write_text(
        "from sqlite_utils import Database\n"
        "rows = list(Database('x.db').query('select 1'))\n")
    # the store itself may: not reported
    (tmp_path / "ingest" / "store" / "ok.py").write_text(
        "import sqlite3\n"
        "def n(store):\n"
        "    return store.conn.execute('select 1')\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "ALLOWED", {})
    found = violations()
    assert "ingest/jobs/bad.py:2 uses .conn" in found
    assert "ingest/jobs/bad.py:2 calls .execute()" in found
    assert "pipelines/own.py:1 imports sqlite3" in found
    assert "pipelines/own.py:4 calls .executescript()" in found
    assert "spiders/utils.py:1 imports sqlite_utils" in found
    assert "spiders/utils.py:2 calls .query()" in found
    assert not [f for f in found if f.startswith("ingest/store/")]
