"""SQLite storage: schema, migrations, article upserts with revisions, full-text index.

The table layout is a contract for analysts (docs/design.md "Storage"): change it only by
appending a migration to ``MIGRATIONS``. This module must not import Scrapy: the item
pipeline and the CLI both use it.

Transactions: every write goes through ``Store.transaction()``, which opens
``BEGIN IMMEDIATE`` so that a read-decide-write sequence (is this URL new? did its hash
change?) holds the write lock from the start. A plain deferred transaction would read,
then fail with SQLITE_BUSY when upgrading to a write while another crawl writes, and
busy_timeout does not help in that case.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlite_utils

# One definition each, the record's own (a stored hash must equal the extracted one).
from ingest.extract.keys import author_key as name_key
from ingest.extract.keys import content_hash as content_hash_of  # noqa: F401 - re-exported
from ingest.extract.keys import site_of  # noqa: F401 - re-exported
# SQLite errors are classified in one place (ingest/store/errors.py).
from ingest.store.errors import STORAGE_FAILURES, storage_failure  # noqa: F401 - re-exported

# pages outcomes that count as a failed fetch for the revisit policy (pages.failures).
FAILED_OUTCOMES = frozenset({"error", "dropped"})
OUTCOMES = frozenset(
    {"stored", "updated", "unchanged", "duplicate", "dropped", "error", "not_modified", "skipped",
     "refused"}  # refused: the network guard would not connect (ingest/crawl/netguard.py)
)

# Tables reported by counts(), in the order a summary should print them.
TABLES = (
    "articles", "authors", "article_authors", "sections", "revisions", "pages", "crawl_runs",
)

# crawl_runs column -> stats keys to look for, first found wins. The short names are what our
# own pipelines should set; the others are the stats Scrapy keeps by itself.
STAT_COLUMNS: dict[str, tuple[str, ...]] = {
    "requests": ("requests", "downloader/request_count"),
    "articles_new": ("articles_new", "ingest/articles_new"),
    "articles_updated": ("articles_updated", "ingest/articles_updated"),
    "articles_unchanged": ("articles_unchanged", "ingest/articles_unchanged"),
    "dropped": ("dropped", "item_dropped_count"),
    # failed pages (pages.outcome error or refused, counted by ingest.crawl.crawlreport), not
    # ERROR log lines: one unreachable page logs several.
    "errors": ("errors", "ingest/pages/failed"),
    "duration_s": ("duration_s", "elapsed_time_seconds"),
}

# The STAT_COLUMNS that are counts: 0, never null, in a finished run.
COUNT_COLUMNS = ("requests", "articles_new", "articles_updated", "articles_unchanged",
                 "dropped", "errors")


def utcnow_iso() -> str:
    """Now as ISO 8601 UTC with offset, e.g. 2026-11-27T07:00:00+00:00."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _json(value: Any) -> str:
    # ensure_ascii=False keeps non-English text readable for analysts in sqlite3/Datasette.
    return json.dumps(value, ensure_ascii=False, default=str)


# --- migrations -------------------------------------------------------------------------
# Append new migrations to the end of MIGRATIONS; never edit or reorder an applied one.
# Version = position in the list, starting at 1. A migration is either SQL (one or more
# statements) or a function taking the sqlite_utils.Database; each runs in its own
# transaction together with its schema_migrations row, so it is applied fully or not at all.

MIGRATION_1 = """
CREATE TABLE crawl_runs (
    id INTEGER PRIMARY KEY,
    spider TEXT NOT NULL,
    site TEXT,
    args TEXT,                      -- JSON
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL DEFAULT 'running',
    requests INTEGER,
    articles_new INTEGER,
    articles_updated INTEGER,
    articles_unchanged INTEGER,
    dropped INTEGER,
    errors INTEGER,
    duration_s REAL,
    stats TEXT                      -- JSON: the full stats dict
);
CREATE INDEX idx_crawl_runs_started_at ON crawl_runs (started_at);

CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    canonical_url TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    site TEXT NOT NULL,
    headline TEXT,
    byline TEXT,
    published_at TEXT,
    modified_at TEXT,
    section TEXT,
    summary TEXT,
    tags TEXT NOT NULL DEFAULT '[]',          -- JSON list of strings
    language TEXT,
    body_text TEXT NOT NULL DEFAULT '',
    word_count INTEGER NOT NULL DEFAULT 0,
    content_hash TEXT NOT NULL,
    provenance TEXT NOT NULL DEFAULT '{}',    -- JSON: field -> source
    authors_text TEXT,                        -- "A, B" for display
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    fetched_at TEXT,
    updated_at TEXT NOT NULL,                 -- when this row's content last changed
    duplicate_of INTEGER REFERENCES articles (id) ON DELETE SET NULL,
    similarity REAL
);
CREATE INDEX idx_articles_site ON articles (site);
CREATE INDEX idx_articles_published_at ON articles (published_at);
CREATE INDEX idx_articles_updated_at ON articles (updated_at);
CREATE INDEX idx_articles_content_hash ON articles (content_hash);
CREATE INDEX idx_articles_duplicate_of ON articles (duplicate_of);

CREATE TABLE authors (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    url TEXT
);

CREATE TABLE article_authors (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    author_id INTEGER NOT NULL REFERENCES authors (id),
    position INTEGER NOT NULL,
    role TEXT,
    PRIMARY KEY (article_id, position)
);
CREATE INDEX idx_article_authors_author_id ON article_authors (author_id);

CREATE TABLE sections (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    heading TEXT,
    text TEXT NOT NULL,
    paragraphs TEXT NOT NULL DEFAULT '[]',    -- JSON list of strings
    UNIQUE (article_id, position)
);

CREATE TABLE revisions (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    content_hash TEXT NOT NULL,
    headline TEXT,
    summary TEXT,
    body_text TEXT NOT NULL,
    word_count INTEGER,
    published_at TEXT,
    modified_at TEXT,
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    run_id INTEGER REFERENCES crawl_runs (id) ON DELETE SET NULL,
    UNIQUE (article_id, content_hash)
);
CREATE INDEX idx_revisions_content_hash ON revisions (content_hash);
CREATE INDEX idx_revisions_run_id ON revisions (run_id);

CREATE TABLE pages (
    url TEXT PRIMARY KEY,
    canonical_url TEXT,
    site TEXT,
    status INTEGER,
    outcome TEXT NOT NULL,
    reason TEXT,
    etag TEXT,
    last_modified TEXT,
    content_hash TEXT,
    first_fetched_at TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    fetch_count INTEGER NOT NULL DEFAULT 1,
    run_id INTEGER REFERENCES crawl_runs (id) ON DELETE SET NULL
);
CREATE INDEX idx_pages_canonical_url ON pages (canonical_url);
CREATE INDEX idx_pages_site ON pages (site);
CREATE INDEX idx_pages_outcome ON pages (outcome);
CREATE INDEX idx_pages_content_hash ON pages (content_hash);
CREATE INDEX idx_pages_run_id ON pages (run_id);

-- External-content FTS5 index, named and shaped as sqlite-utils' enable_fts() makes it so
-- that db["articles"].search() and Datasette find it. Our own triggers rather than
-- enable_fts(): the update trigger fires only when an indexed column changes, so the
-- frequent "unchanged" sightings (last_seen_at only) do not re-index the body.
CREATE VIRTUAL TABLE [articles_fts] USING FTS5 (
    [headline], [summary], [body_text],
    tokenize='porter unicode61 remove_diacritics 2',
    content=[articles]
);
CREATE TRIGGER [articles_ai] AFTER INSERT ON [articles] BEGIN
    INSERT INTO [articles_fts] (rowid, [headline], [summary], [body_text])
    VALUES (new.rowid, new.[headline], new.[summary], new.[body_text]);
END;
CREATE TRIGGER [articles_ad] AFTER DELETE ON [articles] BEGIN
    INSERT INTO [articles_fts] ([articles_fts], rowid, [headline], [summary], [body_text])
    VALUES ('delete', old.rowid, old.[headline], old.[summary], old.[body_text]);
END;
CREATE TRIGGER [articles_au] AFTER UPDATE OF [headline], [summary], [body_text] ON [articles]
BEGIN
    INSERT INTO [articles_fts] ([articles_fts], rowid, [headline], [summary], [body_text])
    VALUES ('delete', old.rowid, old.[headline], old.[summary], old.[body_text]);
    INSERT INTO [articles_fts] (rowid, [headline], [summary], [body_text])
    VALUES (new.rowid, new.[headline], new.[summary], new.[body_text]);
END;
"""

# Analysts' views (documented in docs/schema.md) and the bookkeeping of incremental exports.
# article_changes keeps one row per article with a sequence number that grows every time the
# article is inserted or its content changes (INSERT OR REPLACE gives a fresh AUTOINCREMENT
# seq; that table has no triggers, so REPLACE is safe there). An export cursor is the last seq
# a consumer has had, which is exact where timestamps with one-second resolution are not.
MIGRATION_VIEWS_AND_CURSORS = """
CREATE VIEW latest_articles AS
SELECT a.id, a.site, a.headline,
    (SELECT json_group_array(name) FROM (
        SELECT au.name FROM article_authors aa JOIN authors au ON au.id = aa.author_id
        WHERE aa.article_id = a.id ORDER BY aa.position)) AS authors,
    a.published_at, a.section, a.summary, a.word_count, a.language, a.canonical_url,
    a.first_seen_at, a.updated_at
FROM articles a
WHERE a.duplicate_of IS NULL
ORDER BY coalesce(datetime(a.published_at), datetime(a.first_seen_at)) DESC, a.id DESC;

CREATE VIEW articles_by_day AS
SELECT site, substr(published_at, 1, 10) AS day, count(*) AS count
FROM articles
WHERE published_at IS NOT NULL AND duplicate_of IS NULL
GROUP BY site, day
ORDER BY day DESC, site;

CREATE VIEW author_stats AS
SELECT au.id AS author_id, au.name, au.url,
    count(DISTINCT a.id) AS articles,
    count(DISTINCT a.site) AS sites,
    group_concat(DISTINCT a.site) AS site_names,
    min(substr(a.published_at, 1, 10)) AS first_date,
    max(substr(a.published_at, 1, 10)) AS last_date
FROM authors au
JOIN article_authors aa ON aa.author_id = au.id
JOIN articles a ON a.id = aa.article_id
GROUP BY au.id
ORDER BY articles DESC, au.name;

CREATE VIEW field_coverage AS
SELECT site, count(*) AS articles,
    round(avg(coalesce(headline, '') <> ''), 3) AS headline,
    round(avg(EXISTS (SELECT 1 FROM article_authors aa WHERE aa.article_id = a.id)), 3)
        AS authors,
    round(avg(published_at IS NOT NULL), 3) AS published_at,
    round(avg(coalesce(section, '') <> ''), 3) AS section,
    round(avg((SELECT count(*) FROM sections s WHERE s.article_id = a.id) >= 2), 3)
        AS two_sections
FROM articles a
GROUP BY site
ORDER BY site;

CREATE TABLE article_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL UNIQUE REFERENCES articles (id) ON DELETE CASCADE,
    changed_at TEXT NOT NULL
);
INSERT INTO article_changes (article_id, changed_at)
SELECT id, updated_at FROM articles ORDER BY updated_at, id;
CREATE TRIGGER [articles_changes_ai] AFTER INSERT ON [articles] BEGIN
    INSERT OR REPLACE INTO article_changes (article_id, changed_at)
    VALUES (new.id, new.updated_at);
END;
CREATE TRIGGER [articles_changes_au]
AFTER UPDATE OF [updated_at], [content_hash], [headline], [summary], [body_text] ON [articles]
BEGIN
    INSERT OR REPLACE INTO article_changes (article_id, changed_at)
    VALUES (new.id, new.updated_at);
END;

CREATE TABLE export_cursors (
    name TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    filters TEXT NOT NULL DEFAULT '{}',
    exported_at TEXT NOT NULL,
    rows INTEGER NOT NULL,
    format TEXT,
    path TEXT
);
"""

# Incremental crawling (issue #5): what feeds and sitemaps say about each URL (kept with the
# URL, so a later run can tell whether the page changed since we fetched it), and the time of
# the last conditional check a 304 answered (a 304 writes nothing else).
MIGRATION_CRAWL_STATE = """
ALTER TABLE pages ADD COLUMN checked_at TEXT;

CREATE TABLE discovered (
    url TEXT PRIMARY KEY,
    site TEXT,
    source TEXT NOT NULL,           -- the feed or sitemap that listed it last
    lastmod TEXT,                   -- newest date a feed/sitemap gave for it (ISO 8601 UTC)
    title TEXT,                     -- news:title or the feed item's title
    published_at TEXT,              -- news:publication_date or the feed's pubDate/published
    fetched_lastmod TEXT,           -- the lastmod that was current when we last fetched it
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX idx_discovered_site ON discovered (site);
"""

# Site templates, raw pages and duplicate sketches (issue #4; ingest/store/templates.py,
# ingest/store/rawpages.py, ingest/store/duplicates.py). raw_pages: each article page's HTML, compressed,
# with what re-extraction needs. page_blocks: the block fingerprints of each page, counted per
# site into site_templates (candidates seen on 2+ pages; is_template where the share rule
# holds; keep = a person's veto). article_sketches/article_bands: MinHash signatures and
# their LSH bands, to find near-copies among stored articles.
MIGRATION_TEMPLATES = """
CREATE TABLE raw_pages (
    url TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    canonical_url TEXT,
    status INTEGER,
    content_type TEXT,
    headers TEXT NOT NULL DEFAULT '{}',     -- JSON: response headers kept for re-extraction
    fetched_at TEXT NOT NULL,
    compression TEXT NOT NULL DEFAULT 'zlib',
    size INTEGER NOT NULL,                  -- bytes of HTML before compression
    sha256 TEXT NOT NULL,                   -- of the HTML before compression
    body BLOB NOT NULL
);
CREATE INDEX idx_raw_pages_site ON raw_pages (site);

CREATE TABLE page_blocks (
    url TEXT NOT NULL,
    site TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (url, fingerprint)
) WITHOUT ROWID;
CREATE INDEX idx_page_blocks_site_fingerprint ON page_blocks (site, fingerprint);

CREATE TABLE site_templates (
    site TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    path TEXT NOT NULL,                     -- structural path: tag.class from the root down
    example_text TEXT NOT NULL,
    pages_seen INTEGER NOT NULL DEFAULT 0,  -- distinct articles of the site with this block
    site_pages INTEGER NOT NULL DEFAULT 0,  -- distinct articles of the site when counted
    is_template INTEGER NOT NULL DEFAULT 0, -- 1: removed from the site's articles
    keep INTEGER NOT NULL DEFAULT 0,        -- 1: a person vetoed it, never removed
    first_seen_at TEXT,
    last_seen_at TEXT,
    PRIMARY KEY (site, fingerprint)
);

CREATE TABLE article_sketches (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    minhash BLOB NOT NULL
);
CREATE TABLE article_bands (
    band INTEGER NOT NULL,
    hash INTEGER NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (band, hash, article_id)
) WITHOUT ROWID;
CREATE INDEX idx_article_bands_article_id ON article_bands (article_id);
"""



def migration_author_key(db: sqlite_utils.Database) -> None:
    """Authors keyed by the extractor's own author key (punctuation folded too): the rows that
    key makes one person are merged into the oldest, their article_authors rows follow, and the
    merged row keeps the first author URL it had."""
    conn = db.conn
    groups: dict[str, list[tuple[int, str | None]]] = {}
    for author_id, name, url in conn.execute("SELECT id, name, url FROM authors ORDER BY id"):
        groups.setdefault(name_key(name), []).append((author_id, url))
    for key, members in groups.items():
        keep_id = members[0][0]
        others = [author_id for author_id, _url in members[1:]]
        if others:
            marks = ", ".join("?" * len(others))
            url = next((u for _i, u in members if u), None)
            conn.execute(f"UPDATE article_authors SET author_id = ? WHERE author_id IN ({marks})",
                         (keep_id, *others))
            conn.execute(f"DELETE FROM authors WHERE id IN ({marks})", others)
            conn.execute("UPDATE authors SET url = ? WHERE id = ?", (url, keep_id))
        conn.execute("UPDATE authors SET name_key = ? WHERE id = ?", (key, keep_id))


# Counts leave out copies (issue #15): a story syndicated under a second URL is one article,
# so author_stats and field_coverage count only rows with duplicate_of NULL, as
# latest_articles and articles_by_day already do.
MIGRATION_COUNTS_WITHOUT_COPIES = """
DROP VIEW author_stats;
CREATE VIEW author_stats AS
SELECT au.id AS author_id, au.name, au.url,
    count(DISTINCT a.id) AS articles,
    count(DISTINCT a.site) AS sites,
    group_concat(DISTINCT a.site) AS site_names,
    min(substr(a.published_at, 1, 10)) AS first_date,
    max(substr(a.published_at, 1, 10)) AS last_date
FROM authors au
JOIN article_authors aa ON aa.author_id = au.id
JOIN articles a ON a.id = aa.article_id
WHERE a.duplicate_of IS NULL
GROUP BY au.id
ORDER BY articles DESC, au.name;

DROP VIEW field_coverage;
CREATE VIEW field_coverage AS
SELECT site, count(*) AS articles,
    round(avg(coalesce(headline, '') <> ''), 3) AS headline,
    round(avg(EXISTS (SELECT 1 FROM article_authors aa WHERE aa.article_id = a.id)), 3)
        AS authors,
    round(avg(published_at IS NOT NULL), 3) AS published_at,
    round(avg(coalesce(section, '') <> ''), 3) AS section,
    round(avg((SELECT count(*) FROM sections s WHERE s.article_id = a.id) >= 2), 3)
        AS two_sections
FROM articles a
WHERE a.duplicate_of IS NULL
GROUP BY site
ORDER BY site;
"""


# The revisit policy for what is not an article (issue 13, ingest/crawl/schedule.py): how many
# fetches in a row of this URL failed (404/410, a drop, an error); 0 after any success. The
# next try waits a period that grows with it. `ingest frontier reset` sets it back to 0.
MIGRATION_FRONTIER = """
ALTER TABLE pages ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
"""

# Issue 13, the rest of the revisit policy (ingest/crawl/schedule.py, ingest/store/crawlstate.py).
# listing_pages: per listing page (not a start page), how many of its fetches in a row showed
# no new link; the next fetch waits longer with each (adaptive revisit). retry_holds: a server
# answered 429/503 with a Retry-After longer than a run waits; no request goes to that host
# (429) or URL (503) before `until`, in this run or a later one.
MIGRATION_ADAPTIVE_FRONTIER = """
CREATE TABLE listing_pages (
    url TEXT PRIMARY KEY,
    site TEXT,
    quiet INTEGER NOT NULL DEFAULT 0,  -- fetches in a row that showed no new link (0: it did)
    links INTEGER NOT NULL DEFAULT 0,  -- links followed from it at its last fetch
    new_links INTEGER NOT NULL DEFAULT 0,  -- of which never fetched before
    checked_at TEXT NOT NULL,          -- its last fetch (ISO 8601 UTC)
    last_new_at TEXT                   -- the last fetch that showed a new link
);
CREATE INDEX idx_listing_pages_site ON listing_pages (site);

CREATE TABLE retry_holds (
    target TEXT PRIMARY KEY,           -- a host name, lower case (scope 'host') or a URL ('url')
    scope TEXT NOT NULL CHECK (scope IN ('host', 'url')),
    until TEXT NOT NULL,               -- no request to it before this (ISO 8601 UTC)
    status INTEGER,                    -- 429 (scope host) or 503 (scope url)
    url TEXT,                          -- the request that was answered so
    reason TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
"""

def migration_sketches(db: sqlite_utils.Database) -> None:
    """Issue 11: duplicate sketches are computed with numpy (ingest/store/duplicates.py, scheme
    "numpy-ms64") instead of datasketch's per-shingle SHA-1 ("affine32"), whose stored
    signatures a new one cannot be compared with: every stored signature and its LSH bands
    are recomputed from the article's stored body text, as link_duplicates makes them. The
    links already made (articles.duplicate_of, similarity) stay as they were decided."""
    from ingest.store import duplicates  # here: duplicates imports this module

    conn = db.conn
    ids = [r[0] for r in conn.execute("SELECT article_id FROM article_sketches ORDER BY 1")]
    conn.execute("DELETE FROM article_bands")
    for start in range(0, len(ids), 500):   # not every body in memory at once
        chunk = ids[start:start + 500]
        sketches, bands = [], []
        for article_id, body in conn.execute(
                f"SELECT id, body_text FROM articles WHERE id IN ({', '.join('?' * len(chunk))})",
                chunk).fetchall():
            values = duplicates.signature_values(body)
            sketches.append((values.tobytes(), article_id))
            bands.extend((b, h, article_id) for b, h in duplicates.bands(values))
        conn.executemany("UPDATE article_sketches SET minhash = ? WHERE article_id = ?",
                         sketches)
        conn.executemany("INSERT OR IGNORE INTO article_bands (band, hash, article_id)"
                         " VALUES (?, ?, ?)", sorted(bands))


# Issue 11: the store pipeline's batches fill the full-text index of their new articles with
# one INSERT ... SELECT at the end of the batch's transaction (Store.batch), which costs about
# a third of the insert trigger's row-by-row indexing. fts_deferred holds a row only inside
# such a transaction (never in a committed state), and the insert trigger skips while it
# does; every other writer (and a batch written again with savepoints) is indexed by the
# trigger as before. Either way the index changes in the transaction that stores the row.
MIGRATION_FTS_AT_BATCH_END = """
CREATE TABLE fts_deferred (
    id INTEGER PRIMARY KEY CHECK (id = 1)
);
DROP TRIGGER [articles_ai];
CREATE TRIGGER [articles_ai] AFTER INSERT ON [articles]
WHEN NOT EXISTS (SELECT 1 FROM fts_deferred) BEGIN
    INSERT INTO [articles_fts] (rowid, [headline], [summary], [body_text])
    VALUES (new.rowid, new.[headline], new.[summary], new.[body_text]);
END;
"""


Migration = str | Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[Migration] = [MIGRATION_1, MIGRATION_VIEWS_AND_CURSORS, MIGRATION_CRAWL_STATE,
                               MIGRATION_TEMPLATES, migration_author_key,
                               MIGRATION_COUNTS_WITHOUT_COPIES, MIGRATION_FRONTIER,
                               MIGRATION_ADAPTIVE_FRONTIER, migration_sketches,
                               MIGRATION_FTS_AT_BATCH_END]


def _statements(script: str) -> Iterator[str]:
    """Split SQL into statements; complete_statement understands BEGIN...END in triggers.

    Needed because sqlite3's executescript() commits first, which would break the
    one-transaction-per-migration rule.
    """
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                yield buf
            buf = ""
    if buf.strip():  # trailing comments, or an incomplete statement that should fail loudly
        yield buf


# Article columns written from the record on insert and on update (JSON-encoded where needed).
_CONTENT_COLUMNS = (
    "url", "site", "headline", "byline", "published_at", "modified_at", "section", "summary",
    "tags", "language", "body_text", "word_count", "content_hash", "provenance", "authors_text",
    "fetched_at",
)


class Store:
    """The crawl database. One instance per process/thread of writers; readers may use their
    own connections at any time (WAL)."""

    def __init__(self, path: str | os.PathLike, *, busy_timeout_ms: int = 30000,
                 max_pages: int = 0):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # check_same_thread=False: Scrapy may call the store from a worker thread
        # (deferToThread) as well as the reactor thread; _lock keeps their transactions apart.
        self.conn = sqlite3.connect(
            self.path, timeout=busy_timeout_ms / 1000, check_same_thread=False
        )
        self._lock = threading.RLock()
        self._flat = False   # inside batch(): nested transaction() opens no savepoint
        # inside batch(): ids of the articles inserted, not yet in the full-text index
        self._fts_pending: list[int] | None = None
        try:
            self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            self.conn.execute("PRAGMA journal_mode = WAL")  # readers never block the writer
            self.conn.execute("PRAGMA synchronous = NORMAL")  # safe with WAL, far fewer fsyncs
            self.conn.execute("PRAGMA foreign_keys = ON")
            if max_pages > 0:  # INGEST_DB_MAX_PAGES: writes past it fail as on a full disk
                self.conn.execute(f"PRAGMA max_page_count = {int(max_pages)}")
            self.db = sqlite_utils.Database(self.conn)
            self.migrate()
        except BaseException:
            self.conn.close()
            raise

    # --- connection and transactions -----------------------------------------------------

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.execute("PRAGMA optimize")  # cheap; keeps query plans good for analysts
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of writes: commit on success, roll back on any error.

        Nested use (inside a caller's open transaction) becomes a savepoint, except inside
        ``batch()``, where it is part of the batch's transaction.
        """
        with self._lock:
            if self.conn.in_transaction:
                if self._flat:
                    yield self.conn
                    return
                with self.db.atomic():
                    yield self.conn
                return
            self.conn.execute("BEGIN IMMEDIATE")
            with self.conn:  # commits, or rolls back on exception
                yield self.conn

    @contextlib.contextmanager
    def batch(self) -> Iterator[sqlite3.Connection]:
        """One transaction for many writes with no savepoint inside: the ``transaction()``
        calls within it open none, so any error rolls the whole batch back (the caller
        writes it again with savepoints to fail only the bad record, as
        pipelines/batching.py does). Savepoints are what made a batch slow: FTS5 writes
        its pending index data out as a new segment at every savepoint, so a savepoint per
        article made a segment per article (bench/store.py).

        The full-text index of the articles inserted in the batch is filled at its end, in
        the same transaction, with one statement (MIGRATION_FTS_AT_BATCH_END): readers see
        the rows and their index together, at the commit, as with the trigger. Inside a
        batch, change articles' indexed columns only through ``upsert_article``."""
        with self._lock:
            if self.conn.in_transaction:
                raise RuntimeError("Store.batch() inside an open transaction: open the batch "
                                   "first, or use transaction()")
            self.conn.execute("BEGIN IMMEDIATE")
            self._flat = True
            self._fts_pending = []
            try:
                with self.conn:  # commits, or rolls back on exception
                    self.conn.execute("INSERT INTO fts_deferred (id) VALUES (1)")
                    yield self.conn
                    self._index_pending()
                    self.conn.execute("DELETE FROM fts_deferred")
            finally:
                self._flat = False
                self._fts_pending = None

    def _index_pending(self) -> None:
        """Index the articles this batch inserted (the insert trigger skipped them)."""
        ids, self._fts_pending = self._fts_pending, []
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            self.conn.execute(
                "INSERT INTO articles_fts (rowid, headline, summary, body_text)"
                " SELECT id, headline, summary, body_text FROM articles"
                f" WHERE id IN ({', '.join('?' * len(chunk))})", chunk)

    def _one(self, sql: str, params: tuple | dict = ()) -> dict | None:
        cur = self.conn.cursor()
        cur.row_factory = sqlite3.Row  # per cursor: leave the shared connection's rows as tuples
        row = cur.execute(sql, params).fetchone()
        return dict(row) if row is not None else None

    # --- migrations -----------------------------------------------------------------------

    def schema_version(self) -> int:
        row = self.conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return row[0] or 0

    def migrate(self) -> list[int]:
        """Apply the migrations not yet in schema_migrations; return their versions."""
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        applied = []
        for version, migration in enumerate(MIGRATIONS, start=1):
            if version <= self.schema_version():  # cheap check without the write lock
                continue
            with self.transaction() as conn:
                # Re-check under the lock: another process may have just migrated.
                if conn.execute(
                    "SELECT 1 FROM schema_migrations WHERE version = ?", (version,)
                ).fetchone():
                    continue
                if isinstance(migration, str):
                    for statement in _statements(migration):
                        conn.execute(statement)
                else:
                    migration(self.db)
                conn.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                    (version, utcnow_iso()),
                )
            applied.append(version)
        return applied

    # --- crawl runs -------------------------------------------------------------------------

    def start_run(self, spider: str, *, site: str | None = None, args: dict | None = None) -> int:
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO crawl_runs (spider, site, args, started_at, status)"
                " VALUES (?, ?, ?, ?, 'running')",
                (spider, site, _json(args or {}), utcnow_iso()),
            )
            return cur.lastrowid

    def finish_run(self, run_id: int, *, stats: dict, status: str = "finished") -> None:
        """Close a run. ``stats`` is stored whole as JSON (Scrapy's datetimes become strings);
        the columns in STAT_COLUMNS are extracted for easy querying."""
        finished_at = utcnow_iso()
        values: dict[str, Any] = {}
        for column, keys in STAT_COLUMNS.items():
            values[column] = next((stats[k] for k in keys if stats.get(k) is not None), None)
            if values[column] is None and column in COUNT_COLUMNS:
                values[column] = 0  # a finished run that counted nothing counted 0
        with self.transaction() as conn:
            run = self._one("SELECT started_at FROM crawl_runs WHERE id = ?", (run_id,))
            if run is None:
                raise KeyError(f"no crawl run with id {run_id}")
            if values["duration_s"] is None:
                started = datetime.fromisoformat(run["started_at"])
                values["duration_s"] = (
                    datetime.fromisoformat(finished_at) - started
                ).total_seconds()
            conn.execute(
                "UPDATE crawl_runs SET finished_at = :finished_at, status = :status,"
                " stats = :stats, " + ", ".join(f"{c} = :{c}" for c in STAT_COLUMNS)
                + " WHERE id = :id",
                {**values, "finished_at": finished_at, "status": status,
                 "stats": _json(stats), "id": run_id},
            )

    # --- pages --------------------------------------------------------------------------

    def record_page(
        self,
        url: str,
        *,
        run_id: int | None,
        status: int | None,
        outcome: str,
        reason: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        content_hash: str | None = None,
        canonical_url: str | None = None,
        fetched_at: str,
        site: str | None = None,
    ) -> None:
        """Upsert the latest state of one fetched URL.

        ETag, Last-Modified, content hash and canonical URL keep their previous value when
        this fetch did not give one: a 304 or an error must not erase what the next
        conditional request and the dedupe step rely on.
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; expected one of {sorted(OUTCOMES)}")
        with self.transaction() as conn:
            conn.execute(
                """
                INSERT INTO pages (url, canonical_url, site, status, outcome, reason, etag,
                                   last_modified, content_hash, first_fetched_at, fetched_at,
                                   fetch_count, run_id, failures)
                VALUES (:url, :canonical_url, :site, :status, :outcome, :reason, :etag,
                        :last_modified, :content_hash, :fetched_at, :fetched_at, 1, :run_id,
                        :failed)
                ON CONFLICT (url) DO UPDATE SET
                    canonical_url = coalesce(excluded.canonical_url, pages.canonical_url),
                    site = excluded.site,
                    status = excluded.status,
                    outcome = excluded.outcome,
                    reason = excluded.reason,
                    etag = coalesce(excluded.etag, pages.etag),
                    last_modified = coalesce(excluded.last_modified, pages.last_modified),
                    content_hash = coalesce(excluded.content_hash, pages.content_hash),
                    fetched_at = excluded.fetched_at,
                    fetch_count = pages.fetch_count + 1,
                    run_id = excluded.run_id,
                    failures = CASE WHEN excluded.failures > 0 THEN pages.failures + 1
                                    ELSE 0 END
                """,
                {
                    "url": url, "canonical_url": canonical_url,
                    "site": site or site_of(canonical_url or url), "status": status,
                    "outcome": outcome, "reason": reason, "etag": etag,
                    "last_modified": last_modified, "content_hash": content_hash,
                    "fetched_at": fetched_at, "run_id": run_id,
                    "failed": int(outcome in FAILED_OUTCOMES),
                },
            )

    def get_page(self, url: str) -> dict | None:
        return self._one("SELECT * FROM pages WHERE url = ?", (url,))

    def mark_checked(self, url: str, checked_at: str) -> None:
        """A conditional refetch of ``url`` answered 304 Not Modified: nothing changes but
        ``pages.checked_at`` (the outcome, status and fetch time of the last real fetch stay)."""
        with self.transaction() as conn:
            conn.execute("UPDATE pages SET checked_at = ? WHERE url = ?", (checked_at, url))

    # --- articles -----------------------------------------------------------------------

    def upsert_article(self, article: dict, *, run_id: int | None = None) -> tuple[str, int]:
        """Store one record (``ItemAdapter(Article).asdict()``); one row per canonical_url.

        Returns ("new" | "updated" | "unchanged", article_id). Everything happens in one
        transaction, so a killed crawl never leaves a half-written article.
        """
        a = _record(article)
        now = utcnow_iso()
        seen = a["fetched_at"] or now
        with self.transaction() as conn:
            row = self._one(
                "SELECT id, content_hash FROM articles WHERE canonical_url = ?",
                (a["canonical_url"],),
            )
            if row is not None and row["content_hash"] == a["content_hash"]:
                conn.execute(
                    "UPDATE articles SET last_seen_at = ?, fetched_at = ? WHERE id = ?",
                    (seen, a["fetched_at"], row["id"]),
                )
                conn.execute(
                    "UPDATE revisions SET last_seen_at = ?"
                    " WHERE article_id = ? AND content_hash = ?",
                    (seen, row["id"], a["content_hash"]),
                )
                return "unchanged", row["id"]

            values = {c: a[c] for c in _CONTENT_COLUMNS}
            values.update(last_seen_at=seen, updated_at=now)
            if row is None:
                values.update(canonical_url=a["canonical_url"], first_seen_at=seen)
                cols = ", ".join(values)
                article_id = conn.execute(
                    f"INSERT INTO articles ({cols}) VALUES ({', '.join(':' + c for c in values)})"
                    " RETURNING id",
                    values,
                ).fetchone()[0]
                result = "new"
                if self._fts_pending is not None:   # batch(): indexed at its end
                    self._fts_pending.append(article_id)
            else:
                if self._fts_pending and row["id"] in self._fts_pending:
                    # Inserted earlier in this batch and not indexed yet: index it now, so
                    # the update trigger removes what is in the index.
                    self._index_pending()
                # A real UPDATE (not INSERT OR REPLACE): REPLACE deletes the old row without
                # firing the delete trigger, leaving stale words in articles_fts.
                article_id = row["id"]
                conn.execute(
                    f"UPDATE articles SET {', '.join(f'{c} = :{c}' for c in values)}"
                    " WHERE id = :id",
                    {**values, "id": article_id},
                )
                conn.execute("DELETE FROM sections WHERE article_id = ?", (article_id,))
                conn.execute("DELETE FROM article_authors WHERE article_id = ?", (article_id,))
                result = "updated"

            self._write_children(article_id, a)
            # Conflict = this content was seen before (A -> B -> A): keep its first_seen_at.
            conn.execute(
                """
                INSERT INTO revisions (article_id, content_hash, headline, summary, body_text,
                    word_count, published_at, modified_at, first_seen_at, last_seen_at, run_id)
                VALUES (:article_id, :content_hash, :headline, :summary, :body_text,
                    :word_count, :published_at, :modified_at, :seen, :seen, :run_id)
                ON CONFLICT (article_id, content_hash) DO UPDATE SET
                    last_seen_at = excluded.last_seen_at
                """,
                {**{k: a[k] for k in ("content_hash", "headline", "summary", "body_text",
                                      "word_count", "published_at", "modified_at")},
                 "article_id": article_id, "seen": seen, "run_id": run_id},
            )
        return result, article_id

    def _write_children(self, article_id: int, a: dict) -> None:
        for position, author in enumerate(a["authors"]):
            key = name_key(author["name"])
            # Keep the first-seen display name and URL; fill the URL in if it was missing.
            author_id = self.conn.execute(
                "INSERT INTO authors (name, name_key, url) VALUES (?, ?, ?)"
                " ON CONFLICT (name_key) DO UPDATE SET url = coalesce(authors.url, excluded.url)"
                " RETURNING id",
                (" ".join(author["name"].split()), key, author.get("url")),
            ).fetchone()[0]
            self.conn.execute(
                "INSERT INTO article_authors (article_id, author_id, position, role)"
                " VALUES (?, ?, ?, ?)",
                (article_id, author_id, position, author.get("role")),
            )
        self.conn.executemany(
            "INSERT INTO sections (article_id, position, heading, text, paragraphs)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (article_id, position, s.get("heading"), "\n\n".join(s.get("paragraphs") or []),
                 _json(list(s.get("paragraphs") or [])))
                for position, s in enumerate(a["sections"])
            ],
        )

    def find_by_content_hash(self, content_hash: str) -> dict | None:
        """The earliest stored article with this body hash, under any URL (for dedupe)."""
        return _decode(self._one(
            "SELECT * FROM articles WHERE content_hash = ? ORDER BY id LIMIT 1", (content_hash,)
        ))

    def article_by_url(self, canonical_url: str) -> dict | None:
        return _decode(self._one(
            "SELECT * FROM articles WHERE canonical_url = ?", (canonical_url,)
        ))

    def counts(self) -> dict[str, int]:
        return {t: self.conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in TABLES}


def _record(article: Any) -> dict:
    """Normalise an Article (dataclass) or its asdict() form into what upsert needs."""
    if dataclasses.is_dataclass(article) and not isinstance(article, type):
        article = dataclasses.asdict(article)
    a = dict(article)
    a["canonical_url"] = a.get("canonical_url") or a.get("url")
    if not a["canonical_url"]:
        raise ValueError("article has neither canonical_url nor url")
    a["url"] = a.get("url") or a["canonical_url"]
    a["site"] = a.get("site") or site_of(a["canonical_url"])
    a["body_text"] = a.get("body_text") or ""
    a["content_hash"] = a.get("content_hash") or content_hash_of(a["body_text"])
    a["word_count"] = a.get("word_count") or len(a["body_text"].split())
    a["fetched_at"] = a.get("fetched_at") or None
    # Authors without a usable name cannot be keyed; skip them rather than store "".
    a["authors"] = [
        _asdict(x) for x in a.get("authors") or [] if name_key(_asdict(x).get("name") or "")
    ]
    a["sections"] = [_asdict(s) for s in a.get("sections") or []]
    a["authors_text"] = ", ".join(" ".join(x["name"].split()) for x in a["authors"]) or None
    a["tags"] = _json(list(a.get("tags") or []))
    a["provenance"] = _json(dict(a.get("provenance") or {}))
    for key in ("headline", "byline", "published_at", "modified_at", "section", "summary",
                "language"):
        a.setdefault(key, None)
    return a


def _asdict(obj: Any) -> dict:
    return dataclasses.asdict(obj) if dataclasses.is_dataclass(obj) else dict(obj)


def _decode(row: dict | None) -> dict | None:
    """Articles rows for Python callers: JSON columns as lists/dicts."""
    if row is not None:
        row["tags"] = json.loads(row["tags"] or "[]")
        row["provenance"] = json.loads(row["provenance"] or "{}")
    return row
