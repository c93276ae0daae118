"""The stored articles read back as records (the contract of docs/design.md "The record",
plus what the store knows beyond it), and the export cursors: the SQL of ``ingest export``.

Rows stream from one statement (authors and sections gathered by correlated subqueries), so
memory stays flat however many articles there are.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ingest.items import ARTICLE_FIELDS, NESTED_FIELDS
from ingest.store import Store, utcnow_iso

# What the store knows beyond the crawled record, in every export format after the record's
# fields (a crawl's `-O` feed has no such history, so it writes the record alone):
# duplicate_of is the canonical URL of the article this one copies (NULL for an original),
# first_seen_at / updated_at when it was first stored and when its content last changed (UTC).
STORE_FIELDS = ("duplicate_of", "first_seen_at", "updated_at")
EXPORT_FIELDS = (*ARTICLE_FIELDS, *STORE_FIELDS)

# One statement for every record. ORDER BY seq: incremental exports come out in the order the
# changes happened, and the range filter on seq (the table's rowid) is an index range scan.
RECORD_SQL = """
SELECT a.url, a.canonical_url, a.site, a.headline,
    (SELECT json_group_array(json_object('name', name, 'role', role, 'url', url)) FROM (
        SELECT au.name, aa.role, au.url FROM article_authors aa
        JOIN authors au ON au.id = aa.author_id
        WHERE aa.article_id = a.id ORDER BY aa.position)) AS authors,
    a.byline, a.published_at, a.modified_at, a.section, a.summary, a.tags, a.language,
    (SELECT json_group_array(json_object('heading', heading, 'paragraphs', json(paragraphs)))
        FROM (SELECT heading, paragraphs FROM sections s
              WHERE s.article_id = a.id ORDER BY s.position)) AS sections,
    a.body_text, a.word_count, a.content_hash, coalesce(a.fetched_at, a.last_seen_at)
        AS fetched_at, a.provenance,
    (SELECT o.canonical_url FROM articles o WHERE o.id = a.duplicate_of) AS duplicate_of,
    a.first_seen_at, a.updated_at
FROM article_changes c JOIN articles a ON a.id = c.article_id
WHERE {where}
ORDER BY c.seq
"""

# Time filters: name -> SQL. since/until are on stored time (updated_at: stored or changed),
# published_since/published_until on publication time, compared as instants (datetime()
# converts each row's own offset to UTC); an article without published_at matches neither.
# Values are ISO 8601 UTC (ingest.jobs.export.parse_since).
TIME_FILTERS = {
    "since": "a.updated_at >= :since",
    "until": "a.updated_at < :until",
    "published_since": "datetime(a.published_at) >= :published_since",
    "published_until": "datetime(a.published_at) < :published_until",
}


def _sqlite_utc(iso_utc: str) -> str:
    """ISO UTC -> the 'YYYY-MM-DD HH:MM:SS' form SQLite's datetime() gives."""
    return iso_utc[:19].replace("T", " ")


def _filters(since: str | None, site: str | None, after_seq: int, upto_seq: int,
             times: dict[str, str] | None = None):
    where = ["c.seq > :after", "c.seq <= :upto"]
    params: dict[str, Any] = {"after": after_seq, "upto": upto_seq}
    times = {**(times or {}), "since": since}
    for name, sql in TIME_FILTERS.items():
        if times.get(name):
            where.append(sql)
            value = times[name]
            params[name] = _sqlite_utc(value) if name.startswith("published") else value
    if site:
        where.append("a.site = :site")
        params["site"] = site
    return " AND ".join(where), params


def _decode(names: list[str], row: tuple) -> dict:
    found = dict(zip(names, row))
    record = {k: found[k] for k in EXPORT_FIELDS}
    for key in NESTED_FIELDS:
        record[key] = json.loads(record[key]) if record[key] else ([] if key != "provenance"
                                                                   else {})
    return record


def iter_records(store: Store, *, since: str | None = None, site: str | None = None,
                 after_seq: int = 0, upto_seq: int | None = None,
                 times: dict[str, str] | None = None) -> Iterator[dict]:
    """The article records, one at a time, oldest change first."""
    if upto_seq is None:
        upto_seq = max_seq(store)
    where, params = _filters(since, site, after_seq, upto_seq, times)
    cur = store.conn.cursor().execute(RECORD_SQL.format(where=where), params)
    names = [c[0] for c in cur.description]
    for row in cur:
        yield _decode(names, row)


def count_records(store: Store, *, since: str | None = None, site: str | None = None,
                  after_seq: int = 0, upto_seq: int | None = None,
                  times: dict[str, str] | None = None) -> int:
    if upto_seq is None:
        upto_seq = max_seq(store)
    where, params = _filters(since, site, after_seq, upto_seq, times)
    return store.conn.execute(
        f"SELECT count(*) FROM article_changes c JOIN articles a ON a.id = c.article_id"
        f" WHERE {where}", params).fetchone()[0]


def max_seq(store: Store) -> int:
    """The newest change's sequence number (0 for an empty database)."""
    return store.conn.execute("SELECT coalesce(max(seq), 0) FROM article_changes").fetchone()[0]


def get_cursor(store: Store, name: str) -> dict | None:
    """The export cursor ``name`` (its seq, filters as JSON text, last export), or None."""
    cur = store.conn.execute("SELECT * FROM export_cursors WHERE name = ?", (name,))
    row = cur.fetchone()
    return dict(zip([c[0] for c in cur.description], row)) if row else None


def save_cursor(store: Store, name: str, *, seq: int, filters: dict, rows: int, fmt: str,
                path: str) -> None:
    """Move cursor ``name`` to ``seq`` after an export of ``rows`` records to ``path``."""
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO export_cursors (name, seq, filters, exported_at, rows, format, path)"
            " VALUES (:name, :seq, :filters, :at, :rows, :format, :path)"
            " ON CONFLICT (name) DO UPDATE SET seq = excluded.seq,"
            " exported_at = excluded.exported_at, rows = excluded.rows,"
            " format = excluded.format, path = excluded.path",
            {"name": name, "seq": seq, "filters": json.dumps(filters), "at": utcnow_iso(),
             "rows": rows, "format": fmt, "path": path},
        )
