"""All SQL is parameterised: hostile values go through the store, the exports' filters and the
pages table verbatim and harm nothing; no code quotes a value into SQL text. Export paths: an
export writes the one file it is given (and its temporary file beside it), nothing named from
the data, so stored values cannot steer it out of the directory."""

from __future__ import annotations

import ast
import json
import re
import sqlite3
from pathlib import Path

import pytest

from ingest.jobs.export import export
from ingest.store import TABLES, Store

ROOT = Path(__file__).resolve().parent.parent
CODE_DIRS = ("ingest", "pipelines", "spiders")

HOSTILE = [
    "Robert'); DROP TABLE articles;--",
    "\" OR 1=1 --",
    "x' UNION SELECT sql FROM sqlite_master --",
    "50% off; DELETE FROM pages WHERE '1'='1",
    "café \u202e\ufeff 東京 ?:name ?1 $x @y",
]


def hostile_record(i: int, value: str) -> dict:
    url = f"http://127.0.0.1/{i}?q={value}"
    return {
        "url": url, "canonical_url": url, "site": "../../" + value[:10],
        "headline": value, "byline": "By " + value, "authors": [{"name": f"{value} {i}",
                                                                  "role": value, "url": None}],
        "published_at": "2025-03-04T09:00:00+00:00", "modified_at": None,
        "section": value, "summary": value, "tags": [value, "ok"], "language": "en",
        "sections": [{"heading": value, "paragraphs": [value, "second " + value]}],
        "body_text": f"{value}\n\n{value}\n\nsecond {value}", "word_count": 0,
        "content_hash": "", "fetched_at": "2025-03-04T10:00:00+00:00",
        "provenance": {"headline": value},
    }


@pytest.fixture
def hostile_db(tmp_path):
    db = tmp_path / "news.db"
    with Store(db) as store:
        for i, value in enumerate(HOSTILE):
            assert store.upsert_article(hostile_record(i, value))[0] == "new"
            store.record_page(f"http://127.0.0.1/{i}?q={value}", run_id=None, status=200,
                              outcome="stored", reason=value, etag=value,
                              fetched_at="2025-03-04T10:00:00+00:00")
    return db


def test_hostile_values_stored_verbatim(hostile_db):
    with Store(hostile_db) as store:
        assert set(store.counts()) == set(TABLES)  # every table still there
        assert store.counts()["articles"] == len(HOSTILE)
        for i, value in enumerate(HOSTILE):
            row = store.article_by_url(f"http://127.0.0.1/{i}?q={value}")
            assert row["headline"] == row["section"] == row["summary"] == value
            assert row["tags"] == [value, "ok"]
            assert store.get_page(row["url"])["reason"] == value
        assert store.conn.execute("pragma integrity_check").fetchone()[0] == "ok"


def test_export_filters_take_hostile_values_as_values(hostile_db, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    before = set(tmp_path.rglob("*"))
    for value in ("x' OR '1'='1", "../../" + HOSTILE[0][:10]):
        result = export(hostile_db, out_dir / "a.jsonl", "jsonl", site=value)
        lines = (out_dir / "a.jsonl").read_text().splitlines()
        expected = 1 if value.startswith("../../") else 0  # only the exact site matches
        assert result.rows == len(lines) == expected, value
        if lines:
            assert json.loads(lines[0])["headline"] == HOSTILE[0]
    created = set(tmp_path.rglob("*")) - before
    assert created == {out_dir / "a.jsonl"}  # nothing else, nowhere else


# --- no value quoted into SQL text ---------------------------------------------------------

SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|WHERE|VALUES|MATCH)\b", re.I)
# Interpolations that can only produce a number.
NUMERIC = re.compile(r"^(int|float|len)\(")


def sql_quoting_problems(source: str, filename: str) -> list[str]:
    """Places where an f-string or %-format puts a value between quotes in SQL text: the
    shape of an injection (`f"... WHERE url = '{url}'"`). Identifiers and placeholder lists
    interpolated into SQL (column names from constants, ", ".join("?" * n)) are not quoted
    and pass; values must go in as parameters."""
    problems = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values
                           if isinstance(v, ast.Constant) and isinstance(v.value, str))
            if not SQL_WORDS.search(text):
                continue
            previous = ""
            for part in node.values:
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    previous = part.value
                elif isinstance(part, ast.FormattedValue):
                    expr = ast.unparse(part.value)
                    if previous.rstrip().endswith(("'", '"')) and not NUMERIC.match(expr):
                        problems.append(f"{filename}:{node.lineno}: {{{expr}}} inside quotes")
                    previous = ""
        elif (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod)
              and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str)
              and SQL_WORDS.search(node.left.value)):
            problems.append(f"{filename}:{node.lineno}: SQL built with % formatting")
    return problems


def test_no_value_is_quoted_into_sql():
    problems = []
    for folder in CODE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            problems += sql_quoting_problems(path.read_text(), str(path.relative_to(ROOT)))
    assert problems == []


def test_the_sql_check_catches_injections():
    bad = '''
def find(conn, url, n):
    conn.execute(f"SELECT * FROM pages WHERE url = '{url}'")
    conn.execute("DELETE FROM pages WHERE url = '%s'" % url)
    conn.execute(f"SELECT * FROM pages LIMIT {int(n)}")
    conn.execute(f"SELECT {', '.join(COLS)} FROM pages WHERE url = ?", (url,))
'''
    found = sql_quoting_problems(bad, "bad.py")
    assert len(found) == 2 and "{url}" in found[0] and "%" in found[1]


def test_hostile_fts_query_is_an_error_not_an_injection(hostile_db):
    con = sqlite3.connect(hostile_db)
    try:
        with pytest.raises(sqlite3.OperationalError):
            con.execute("select rowid from articles_fts where articles_fts match ?",
                        ("\"unbalanced",)).fetchall()
        assert con.execute("select count(*) from articles").fetchone()[0] == len(HOSTILE)
    finally:
        con.close()
