"""ingest.store.crawlstate: what the database tells a crawl about each URL, on a real SQLite file."""

import json
from datetime import datetime, timedelta, timezone

from ingest.crawl.discovery import Entry
from ingest.store import Store
from ingest.store.crawlstate import CrawlState

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


def article(url, published):
    return {"url": url, "canonical_url": url, "headline": "H", "published_at": published,
            "body_text": "word " * 100, "fetched_at": "2026-11-20T00:00:00+00:00"}


def seed(db):
    with Store(db) as store:
        run = store.start_run("news", site="x")
        for url, published in (("https://x.test/old", "2025-01-01T00:00:00+00:00"),
                               ("https://x.test/young",
                                (NOW - timedelta(hours=5)).isoformat())):
            store.upsert_article(article(url, published), run_id=run)
            store.record_page(url, run_id=run, status=200, outcome="stored", etag='"e1"',
                              last_modified="Fri, 20 Nov 2026 00:00:00 GMT",
                              canonical_url=url, fetched_at="2026-11-20T00:00:00+00:00")
        store.record_page("https://x.test/copy", run_id=run, status=200, outcome="duplicate",
                          canonical_url="https://x.test/old",
                          fetched_at="2026-11-20T00:00:00+00:00")
        store.record_page("https://x.test/about", run_id=run, status=200, outcome="dropped",
                          reason="not an article", fetched_at="2026-11-20T00:00:00+00:00")
        return run


def test_known_tells_articles_from_other_pages(tmp_path):
    db = tmp_path / "n.db"
    seed(db)
    state = CrawlState(db)
    try:
        old = state.known("https://x.test/old")
        assert old.is_article and old.etag == '"e1"' and old.published_at.startswith("2025")
        assert state.known("https://x.test/copy").is_article
        assert not state.known("https://x.test/about").is_article
        assert state.known("https://x.test/never") is None
    finally:
        state.close()


def test_remember_keeps_newest_date_and_fetched_records_it(tmp_path):
    db = tmp_path / "n.db"
    seed(db)
    state = CrawlState(db)
    try:
        url = "https://x.test/old"
        state.remember([Entry(url, lastmod="2026-11-25T00:00:00+00:00", title="T")],
                       site="x", source="https://x.test/sitemap.xml")
        state.remember([Entry(url, lastmod="2026-11-01T00:00:00+00:00")], site="x",
                       source="https://x.test/feed")
        row = state.conn.execute("select lastmod, title, source from discovered where url = ?",
                                 (url,)).fetchone()
        assert row == ("2026-11-25T00:00:00+00:00", "T", "https://x.test/feed")
        state.fetched(url, "2026-11-25T00:00:00+00:00")
        assert state.known(url).fetched_lastmod == "2026-11-25T00:00:00+00:00"
    finally:
        state.close()


def test_due_articles_are_the_young_ones(tmp_path):
    db = tmp_path / "n.db"
    seed(db)
    state = CrawlState(db)
    try:
        assert state.due_articles(["www.x.test"], now=NOW, recheck_days=2) == \
            ["https://x.test/young"]
        assert state.due_articles(["x.test"], now=NOW, recheck_days=0) == []
        assert state.due_articles(["other.test"], now=NOW, recheck_days=2) == []
    finally:
        state.close()


def test_runs_left_running_are_closed_only_under_their_lock(tmp_path):
    db = tmp_path / "n.db"
    run_x = seed(db)
    with Store(db) as store:
        run_all = store.start_run("news")
        run_adhoc = store.start_run("news", args={"start_arg": "http://127.0.0.1:8000/"})
    state = CrawlState(db)
    try:
        assert state.close_interrupted_runs({"y"}) == 0
        assert state.close_interrupted_runs({"x", "127.0.0.1"}) == 2
        assert state.close_interrupted_runs({"*", "x"}) == 1
        statuses = dict(state.conn.execute("select id, status from crawl_runs"))
        assert statuses == {run_x: "interrupted", run_all: "interrupted",
                            run_adhoc: "interrupted"}
        assert json.loads(state.conn.execute(
            "select args from crawl_runs where id = ?", (run_adhoc,)).fetchone()[0])
    finally:
        state.close()
