"""ingest.store on real SQLite files: upsert paths, revisions, authors, FTS, pages, runs, WAL."""

from __future__ import annotations

import copy
import contextlib
import sqlite3
from datetime import datetime, timezone

import pytest

from ingest import store as store_mod
from ingest.items import Article, Author, Section
from ingest.store import Store, content_hash_of, name_key, utcnow_iso

CONTENT_TABLES = ("articles", "authors", "article_authors", "sections", "revisions")


def make_article(url="https://example.com/news/chips", body=None, **over) -> dict:
    sections = [
        {"heading": None, "paragraphs": ["Chipmakers announced a quantum roadmap today."]},
        {"heading": "Expert Insights", "paragraphs": ["Analysts were cautious.", "Very cautious."]},
    ]
    if body is not None:
        sections = [{"heading": None, "paragraphs": [body]}]
    body_text = "\n\n".join(
        part
        for s in sections
        for part in ([s["heading"]] if s["heading"] else []) + s["paragraphs"]
    )
    record = {
        "url": url + "?utm_source=x",
        "canonical_url": url,
        "site": "example.com",
        "headline": "Chipmakers unveil quantum roadmap",
        "authors": [{"name": "Dolapo Omole", "role": "Reporter / Editor", "url": None}],
        "byline": "Written by Dolapo Omole, Reporter / Editor",
        "published_at": "2025-07-02T18:25:00+00:00",
        "modified_at": None,
        "section": "News",
        "summary": "A roadmap for quantum chips.",
        "tags": ["chips", "quantum"],
        "language": "en",
        "sections": sections,
        "body_text": body_text,
        "word_count": len(body_text.split()),
        "content_hash": content_hash_of(body_text),
        "fetched_at": "2026-11-27T07:00:00+00:00",
        "provenance": {"headline": "json-ld", "published_at": "meta:article:published_time"},
    }
    record.update(over)
    return record


def search_ids(st: Store, word: str) -> list[int]:
    return [r[0] for r in st.conn.execute(
        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", (word,)
    )]


@pytest.fixture
def st(tmp_path):
    with Store(tmp_path / "sub" / "news.db") as s:
        yield s


def test_utcnow_iso_format():
    assert utcnow_iso().endswith("+00:00") and "T" in utcnow_iso()
    assert len(utcnow_iso()) == len("2026-11-27T07:00:00+00:00")


def test_name_key_folds_case_space_accents():
    assert name_key("  José   ÁLVAREZ ") == name_key("jose alvarez") == "jose alvarez"


def test_new_article_writes_all_tables(st):
    status, aid = st.upsert_article(make_article())
    assert status == "new"
    assert st.counts() == {
        "articles": 1, "authors": 1, "article_authors": 1, "sections": 2, "revisions": 1,
        "pages": 0, "crawl_runs": 0,
    }
    row = st.article_by_url("https://example.com/news/chips")
    assert row["id"] == aid
    assert row["tags"] == ["chips", "quantum"]
    assert row["provenance"]["headline"] == "json-ld"
    assert row["authors_text"] == "Dolapo Omole"
    assert row["first_seen_at"] == row["last_seen_at"] == "2026-11-27T07:00:00+00:00"
    aa = list(st.db["article_authors"].rows)
    assert aa == [{"article_id": aid, "author_id": 1, "position": 0, "role": "Reporter / Editor"}]
    secs = list(st.db.query("SELECT * FROM sections ORDER BY position"))
    assert secs[0]["heading"] is None
    assert secs[1]["heading"] == "Expert Insights"
    assert secs[1]["text"] == "Analysts were cautious.\n\nVery cautious."
    assert secs[1]["paragraphs"] == '["Analysts were cautious.", "Very cautious."]'


def test_accepts_article_dataclass(st):
    art = Article(
        url="https://example.com/a", canonical_url="https://example.com/a", site="example.com",
        headline="H", authors=[Author("Ann Lee", "Editor")],
        sections=[Section(None, ["Hello world."])], body_text="Hello world.",
    )
    status, _ = st.upsert_article(art)
    assert status == "new"
    row = st.article_by_url("https://example.com/a")
    assert row["content_hash"] == content_hash_of("Hello world.") and row["word_count"] == 2


def test_identical_upsert_is_unchanged_and_adds_no_rows(st):
    _, aid = st.upsert_article(make_article())
    before = st.counts()
    again = make_article(fetched_at="2026-11-28T07:00:00+00:00")
    assert st.upsert_article(again) == ("unchanged", aid)
    assert st.counts() == before
    row = st.article_by_url("https://example.com/news/chips")
    assert row["first_seen_at"] == "2026-11-27T07:00:00+00:00"
    assert row["last_seen_at"] == row["fetched_at"] == "2026-11-28T07:00:00+00:00"


def test_update_replaces_content_and_keeps_first_revision(st):
    _, aid = st.upsert_article(make_article())
    changed = make_article(
        body="Chipmakers delayed the roadmap.", headline="Roadmap delayed",
        authors=[{"name": "Ann Lee", "role": None, "url": None},
                 {"name": "dolapo  omole", "role": "Reporter", "url": "https://example.com/d"}],
        fetched_at="2026-11-28T07:00:00+00:00",
    )
    assert st.upsert_article(changed) == ("updated", aid)
    c = st.counts()
    assert (c["articles"], c["revisions"], c["sections"], c["article_authors"], c["authors"]) == (
        1, 2, 1, 2, 2)
    row = st.article_by_url("https://example.com/news/chips")
    assert row["headline"] == "Roadmap delayed"
    assert row["first_seen_at"] == "2026-11-27T07:00:00+00:00"
    assert row["authors_text"] == "Ann Lee, dolapo omole"
    revs = list(st.db.query("SELECT * FROM revisions ORDER BY id"))
    assert [r["headline"] for r in revs] == ["Chipmakers unveil quantum roadmap", "Roadmap delayed"]
    assert revs[0]["content_hash"] == make_article()["content_hash"]
    assert revs[1]["content_hash"] == changed["content_hash"]
    # The existing author keeps its first display name and gains the URL it lacked.
    dolapo = st.db["authors"].get(1)
    assert dolapo["name"] == "Dolapo Omole" and dolapo["url"] == "https://example.com/d"

    # Reverting to the first content adds no third revision; that revision's first_seen stays.
    back = make_article(fetched_at="2026-11-29T07:00:00+00:00")
    assert st.upsert_article(back) == ("updated", aid)
    revs = list(st.db.query("SELECT * FROM revisions ORDER BY id"))
    assert len(revs) == 2
    assert revs[0]["first_seen_at"] == "2026-11-27T07:00:00+00:00"
    assert revs[0]["last_seen_at"] == "2026-11-29T07:00:00+00:00"


def test_authors_shared_between_articles_are_one_row(st):
    st.upsert_article(make_article("https://example.com/one"))
    st.upsert_article(make_article(
        "https://example.com/two", body="Another story.",
        authors=[{"name": "DOLAPO OMOLÉ", "role": None, "url": None}],
    ))
    assert st.counts()["authors"] == 1
    distinct = st.conn.execute("SELECT count(DISTINCT author_id) FROM article_authors")
    assert distinct.fetchone()[0] == 1
    assert st.counts()["article_authors"] == 2


def test_fts_follows_insert_update_delete(st):
    _, aid = st.upsert_article(make_article())
    assert search_ids(st, "quantum") == [aid]
    st.upsert_article(make_article(body="Tariffs hit memory makers.", headline="Tariffs",
                                   summary="Trade news."))
    assert search_ids(st, "tariffs") == [aid]
    assert search_ids(st, "quantum") == []  # old word gone from headline, summary and body
    assert [r["id"] for r in st.db["articles"].search("memory")] == [aid]  # sqlite-utils finds it
    with st.transaction() as conn:
        conn.execute("DELETE FROM articles WHERE id = ?", (aid,))
    assert search_ids(st, "tariffs") == []
    assert st.counts()["sections"] == st.counts()["revisions"] == 0  # cascaded
    st.conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")


def test_unchanged_sighting_does_not_touch_fts(st):
    st.upsert_article(make_article())
    st.upsert_article(make_article(fetched_at="2026-12-01T00:00:00+00:00"))
    assert len(search_ids(st, "quantum")) == 1


def test_find_by_content_hash_any_url(st):
    a = make_article("https://example.com/a")
    _, aid = st.upsert_article(a)
    st.upsert_article(make_article("https://mirror.example.org/a"))
    found = st.find_by_content_hash(a["content_hash"])
    assert found["id"] == aid and found["canonical_url"] == "https://example.com/a"
    assert st.find_by_content_hash("0" * 64) is None
    assert st.article_by_url("https://nowhere.example/") is None


def test_failed_upsert_leaves_nothing(st, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("killed mid-write")
    monkeypatch.setattr(Store, "_write_children", boom)
    with pytest.raises(RuntimeError):
        st.upsert_article(make_article())
    assert all(n == 0 for n in st.counts().values())
    assert not st.conn.in_transaction


def test_record_page_upserts_and_counts(st):
    run = st.start_run("news")
    st.record_page("https://www.example.com/x", run_id=run, status=200, outcome="stored",
                   etag='"v1"', last_modified="Wed, 02 Jul 2025 18:25:00 GMT",
                   content_hash="h1", canonical_url="https://example.com/x",
                   fetched_at="2026-11-27T07:00:00+00:00")
    st.record_page("https://www.example.com/x", run_id=run, status=304, outcome="not_modified",
                   fetched_at="2026-11-28T07:00:00+00:00")
    st.record_page("https://www.example.com/x", run_id=None, status=200, outcome="dropped",
                   reason="no headline", fetched_at="2026-11-29T07:00:00+00:00")
    page = st.get_page("https://www.example.com/x")
    assert page["fetch_count"] == 3
    assert page["first_fetched_at"] == "2026-11-27T07:00:00+00:00"
    assert page["fetched_at"] == "2026-11-29T07:00:00+00:00"
    assert (page["status"], page["outcome"], page["reason"]) == (200, "dropped", "no headline")
    assert page["etag"] == '"v1"' and page["content_hash"] == "h1"  # kept across the 304
    assert page["site"] == "example.com"
    assert st.counts()["pages"] == 1
    assert st.get_page("https://example.com/none") is None
    with pytest.raises(ValueError):
        st.record_page("https://example.com/y", run_id=None, status=200, outcome="bogus",
                       fetched_at=utcnow_iso())


def test_runs_start_and_finish(st):
    run = st.start_run("news", site="example", args={"site": "example"})
    row = st.db["crawl_runs"].get(run)
    assert row["status"] == "running" and row["finished_at"] is None
    stats = {"downloader/request_count": 12, "articles_new": 3, "articles_updated": 1,
             "articles_unchanged": 5, "item_dropped_count": 2, "log_count/ERROR": 7,
             "ingest/pages/failed": 1,
             "elapsed_time_seconds": 4.5, "start_time": datetime(2026, 11, 27, tzinfo=timezone.utc)}
    st.finish_run(run, stats=stats)
    row = st.db["crawl_runs"].get(run)
    assert row["status"] == "finished" and row["finished_at"]
    assert (row["requests"], row["articles_new"], row["articles_updated"],
            row["articles_unchanged"], row["dropped"], row["errors"], row["duration_s"]) == (
        12, 3, 1, 5, 2, 1, 4.5)
    assert '"start_time": "2026-11-27 00:00:00+00:00"' in row["stats"]
    assert row["args"] == '{"site": "example"}'
    run2 = st.start_run("news")
    st.finish_run(run2, stats={}, status="failed")
    row2 = st.db["crawl_runs"].get(run2)
    assert row2["status"] == "failed" and row2["duration_s"] >= 0
    assert (row2["requests"], row2["errors"], row2["articles_new"]) == (0, 0, 0)  # not null
    with pytest.raises(KeyError):
        st.finish_run(999, stats={})


def test_wal_and_pragmas(st):
    assert st.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert st.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert st.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert st.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30000
    assert st.path.parent.name == "sub"


def test_reopen_does_not_rerun_migrations(tmp_path, monkeypatch):
    path = tmp_path / "news.db"
    with Store(path) as s:
        s.upsert_article(make_article())
        applied = list(s.db.query("SELECT * FROM schema_migrations"))
    n = len(store_mod.MIGRATIONS)
    assert [r["version"] for r in applied] == list(range(1, n + 1))
    with Store(path) as s:
        assert list(s.db.query("SELECT * FROM schema_migrations")) == applied
        assert s.counts()["articles"] == 1
        assert s.migrate() == []

    # A later migration appended to the list is applied once, on the next open only.
    calls = []

    def add_note(db):
        calls.append(1)
        db.execute("ALTER TABLE articles ADD COLUMN note TEXT")

    monkeypatch.setattr(store_mod, "MIGRATIONS", [*store_mod.MIGRATIONS, add_note])
    with Store(path) as s:
        assert s.schema_version() == n + 1
        assert "note" in s.db["articles"].columns_dict
    with Store(path) as s:
        pass
    assert calls == [1]


def test_failed_migration_rolls_back(tmp_path, monkeypatch):
    bad = "CREATE TABLE half (id INTEGER PRIMARY KEY);\nTHIS IS NOT SQL;\n"
    monkeypatch.setattr(store_mod, "MIGRATIONS", [*store_mod.MIGRATIONS, bad])
    with pytest.raises(sqlite3.OperationalError):
        Store(tmp_path / "news.db")
    with sqlite3.connect(tmp_path / "news.db") as conn:
        assert conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == \
            len(store_mod.MIGRATIONS) - 1
        assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'half'").fetchone()


def test_reader_reads_while_writer_holds_transaction(tmp_path):
    path = tmp_path / "news.db"
    with Store(path) as writer:
        writer.upsert_article(make_article("https://example.com/committed"))
        reader = sqlite3.connect(path, timeout=0.1)
        try:
            with writer.transaction():
                writer.upsert_article(make_article("https://example.com/pending"))
                # The writer holds the write lock with uncommitted rows; the reader is not
                # blocked and sees the last committed state.
                urls = [r[0] for r in reader.execute("SELECT canonical_url FROM articles")]
                assert urls == ["https://example.com/committed"]
            urls = [r[0] for r in reader.execute("SELECT canonical_url FROM articles ORDER BY id")]
            assert urls == ["https://example.com/committed", "https://example.com/pending"]
        finally:
            reader.close()


def test_second_writer_waits_for_busy_timeout(tmp_path):
    path = tmp_path / "news.db"
    with Store(path) as a, Store(path, busy_timeout_ms=100) as b:
        with a.transaction():
            a.upsert_article(make_article())
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                b.upsert_article(make_article("https://example.com/other"))
        assert b.upsert_article(make_article("https://example.com/other"))[0] == "new"


def test_upsert_input_not_mutated(st):
    a = make_article()
    snapshot = copy.deepcopy(a)
    st.upsert_article(a)
    assert a == snapshot


def _old_name_key(name: str) -> str:
    """The store's author key before migration 5: case, accents and spacing folded, punctuation
    kept (so "J. Smith" and "J Smith" were two authors)."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def test_one_author_key_for_record_and_store():
    from ingest.extract.byline import dedupe_authors

    # The record treats these as one person; so must the authors table.
    merged = dedupe_authors([Author("J. Smith"), Author("J Smith", role="Editor")])
    assert len(merged) == 1
    assert name_key("J. Smith") == name_key("J Smith") == name_key("j smith")


def test_author_key_migration_merges_rows_of_an_older_database(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    # A database as the schema before the author-key migration made it.
    with monkeypatch.context() as m:
        m.setattr(store_mod, "MIGRATIONS", store_mod.MIGRATIONS[:4])
        m.setattr(store_mod, "name_key", _old_name_key)
        with Store(path) as s:
            s.upsert_article(make_article("https://example.com/one", authors=[
                {"name": "J. Smith", "role": "Reporter", "url": None}]))
            s.upsert_article(make_article("https://example.com/two", body="Another story.",
                                          authors=[{"name": "J Smith", "role": None,
                                                    "url": "https://example.com/by/js"},
                                                   {"name": "Ann Lee", "role": None,
                                                    "url": None}]))
            assert s.counts()["authors"] == 3
            assert s.schema_version() == 4
    with Store(path) as s:
        assert s.schema_version() == len(store_mod.MIGRATIONS)
        authors = list(s.db.query("SELECT id, name, name_key, url FROM authors ORDER BY id"))
        assert [a["name_key"] for a in authors] == ["j smith", "ann lee"]
        assert authors[0]["name"] == "J. Smith"            # the oldest row is kept ...
        assert authors[0]["url"] == "https://example.com/by/js"  # ... with the URL it gained
        links = list(s.db.query(
            "SELECT a.canonical_url, aa.author_id, aa.role FROM article_authors aa"
            " JOIN articles a ON a.id = aa.article_id ORDER BY a.canonical_url, aa.position"))
        assert [(x["canonical_url"], x["author_id"]) for x in links] == [
            ("https://example.com/one", authors[0]["id"]),
            ("https://example.com/two", authors[0]["id"]),
            ("https://example.com/two", authors[1]["id"])]
        assert links[0]["role"] == "Reporter"
        assert s.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        # and a new article by "J.  SMITH" joins the merged row
        s.upsert_article(make_article("https://example.com/three", body="Third story.",
                                      authors=[{"name": "J.  SMITH", "role": None, "url": None}]))
        assert s.counts()["authors"] == 2


def test_batch_has_no_savepoints_inside_and_rolls_back_whole(tmp_path):
    """Store.batch(): nested transaction() calls join the batch (no savepoint), so an error
    in one of them rolls back everything the batch wrote; transaction() inside an open
    transaction still makes a savepoint that can fail alone."""
    path = tmp_path / "b.db"
    with Store(path) as s:
        with pytest.raises(sqlite3.IntegrityError):
            with s.batch():
                s.upsert_article(make_article("https://example.com/1"))
                with contextlib.suppress(ValueError):
                    with s.transaction():
                        s.upsert_article(make_article("https://example.com/2"))
                        raise ValueError("no savepoint: this write is not undone alone")
                assert s.counts()["articles"] == 2
                s.conn.execute("INSERT INTO articles (id) VALUES (NULL)")  # NOT NULL fails
        assert s.counts()["articles"] == 0
        with s.transaction():
            s.upsert_article(make_article("https://example.com/1"))
            with contextlib.suppress(ValueError):
                with s.transaction():
                    s.upsert_article(make_article("https://example.com/2"))
                    raise ValueError("a savepoint: only this one is undone")
        assert s.counts()["articles"] == 1
        with s.transaction(), pytest.raises(RuntimeError, match="batch"):
            with s.batch():
                pass
        with s.batch():   # usable again after the errors
            s.upsert_article(make_article("https://example.com/3"))
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 2
    con.close()
