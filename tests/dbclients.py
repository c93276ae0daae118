"""Processes that use the crawl database while a crawl writes it, for the concurrency, crash
and soak tests:

    python -m tests.dbclients analyst DB STOPFILE    queries in a loop, as an analyst would
    python -m tests.dbclients writer DB STOPFILE     a second writer (what `ingest reextract`
                                                     does: read stored articles, write them back)

Each runs until STOPFILE exists and prints one JSON line: how many operations it did and every
error it met (a "database is locked" would be one).
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from pathlib import Path

# What analysts run (README "The database"): counts, a join, full-text search, pages by outcome.
ANALYST_QUERIES = (
    "select count(*) from articles",
    "select a.headline, au.name from articles a join article_authors aa on aa.article_id = a.id"
    " join authors au on au.id = aa.author_id order by a.id desc limit 20",
    "select count(*) from articles_fts where articles_fts match 'fibre'",
    "select outcome, count(*) from pages group by outcome",
    "select count(*) from sections",
)


def analyst(db: str, stop: Path) -> dict:
    """Two kinds of reader, as analysts have: a long-lived connection with no busy timeout at
    all (a notebook, Datasette), which under WAL never waits for the writer, so any "database
    is locked" there means readers can be blocked; and a fresh connection per round with
    sqlite3's default 5 s busy timeout (a script, the sqlite3 shell), which must ride out the
    moments when the writer's last connection closes and checkpoints."""
    done, errors = 0, []
    persistent = sqlite3.connect(db, timeout=0)
    try:
        while not stop.exists():
            try:
                for sql in ANALYST_QUERIES:
                    persistent.execute(sql).fetchall()
                    done += 1
            except sqlite3.Error as exc:
                errors.append(f"long-lived connection: {type(exc).__name__}: {exc}")
            try:
                fresh = sqlite3.connect(db)
                try:
                    fresh.execute(ANALYST_QUERIES[0]).fetchall()
                    done += 1
                finally:
                    fresh.close()
            except sqlite3.Error as exc:
                errors.append(f"fresh connection: {type(exc).__name__}: {exc}")
            time.sleep(0.05)
    finally:
        persistent.close()
    return {"queries": done, "errors": errors}


def writer(db: str, stop: Path) -> dict:
    from ingest.store import Store

    done, errors = 0, []
    store = Store(db)
    try:
        while not stop.exists():
            try:
                rows = store.conn.execute(
                    "select canonical_url from articles order by random() limit 5").fetchall()
                for (url,) in rows:
                    record = store.article_by_url(url)
                    if record is None:
                        continue
                    sections = store.conn.execute(
                        "select heading, paragraphs from sections where article_id = ?"
                        " order by position", (record["id"],)).fetchall()
                    record["sections"] = [{"heading": h, "paragraphs": json.loads(p)}
                                          for h, p in sections]
                    record["authors"] = []
                    store.upsert_article(record)  # same content: an "unchanged" write
                    done += 1
                store.record_page("http://127.0.0.1/second-writer", run_id=None, status=200,
                                  outcome="skipped", reason="second writer",
                                  fetched_at="2026-11-27T00:00:00+00:00")
                done += 1
            except sqlite3.Error as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.01)
    finally:
        store.close()
    return {"writes": done, "errors": errors}


if __name__ == "__main__":
    role, db, stop = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    print(json.dumps({"analyst": analyst, "writer": writer}[role](db, stop)))
