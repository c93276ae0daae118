"""Batched writes of the store pipeline (pipelines/batching.py): articles and their pages rows
commit together, an item is acknowledged only after its commit, one bad record fails alone."""

import asyncio
import sqlite3

import pytest
import scrapy
from scrapy.utils.test import get_crawler

from ingest.items import Article, Author, Section
from ingest.jobs.demo import run_crawl
from ingest.store import Store
from pipelines.batching import BatchWriter
from pipelines.store import PAGE_OUTCOMES, StorePipeline

from .conftest import GOLDEN_BASE, golden_cases


def article(i: int, headline: str | None = None) -> Article:
    url = f"http://batch.test/news/{i}.html"
    paras = [f"Paragraph {i} of the body, with enough words to be an article body {j}."
             for j in range(3)]
    return Article(url=url, canonical_url=url, site="batch.test",
                   headline=headline or f"Headline number {i}",
                   authors=[Author(f"Writer {i % 3}", "Reporter")],
                   published_at="2025-07-02T18:25:00+00:00",
                   sections=[Section(None, paras)], body_text="\n\n".join(paras),
                   word_count=40, content_hash=f"hash-{i}",
                   fetched_at="2026-11-27T00:00:00+00:00")


def record(i, headline=None):
    import dataclasses
    return dataclasses.asdict(article(i, headline))


def page(i):
    return {"url": f"http://batch.test/news/{i}.html", "status": 200,
            "fetched_at": "2026-11-27T00:00:00+00:00"}


def count(db, sql):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "batch.db")
    yield s
    s.close()


def test_articles_commit_together_and_are_acknowledged_after_the_commit(store):
    writer = BatchWriter(store, size=3, page_outcomes=PAGE_OUTCOMES)
    got = []
    for i in range(2):
        writer.add_article(record(i), page(i)).addCallback(got.append)
    # Not committed yet: nothing acknowledged, and another connection sees nothing.
    assert got == []
    assert count(store.path, "select count(*) from articles") == 0
    assert count(store.path, "select count(*) from pages") == 0
    writer.add_article(record(2), page(2)).addCallback(got.append)
    assert [w.outcome for w in got] == ["new", "new", "new"]
    assert count(store.path, "select count(*) from articles") == 3
    assert count(store.path, "select count(*) from pages where outcome = 'stored'") == 3
    assert count(store.path, "select count(*) from articles_fts where articles_fts match "
                 "'paragraph'") == 3
    assert len(writer) == 0


def test_flush_writes_a_partial_batch_with_page_rows(store):
    writer = BatchWriter(store, size=100, page_outcomes=PAGE_OUTCOMES)
    got = []
    writer.add_article(record(1), page(1)).addCallback(got.append)
    writer.add_page({**page(2), "outcome": "dropped", "reason": "not an article: no headline"})
    assert writer.flush() == 2
    assert got and got[0].outcome == "new"
    assert store.get_page(page(2)["url"])["reason"] == "not an article: no headline"
    # The same content again is "unchanged", and the page row says so.
    writer.add_article(record(1), page(1)).addCallback(got.append)
    writer.flush()
    assert got[1].outcome == "unchanged"
    assert store.get_page(page(1)["url"])["outcome"] == "unchanged"
    assert writer.flush() == 0


def test_one_bad_record_fails_alone(store):
    store.conn.execute("CREATE TRIGGER no_boom BEFORE INSERT ON articles "
                       "WHEN new.headline = 'boom' BEGIN SELECT RAISE(ABORT, 'boom refused'); END")
    writer = BatchWriter(store, size=3, page_outcomes=PAGE_OUTCOMES)
    ok, failed = [], []
    for i, headline in enumerate([None, "boom", None]):
        d = writer.add_article(record(i, headline), page(i))
        d.addCallbacks(ok.append, failed.append)
    assert len(ok) == 2 and len(failed) == 1
    assert failed[0].check(sqlite3.IntegrityError)
    assert count(store.path, "select count(*) from articles") == 2
    bad = store.get_page(page(1)["url"])
    assert bad["outcome"] == "error" and "boom refused" in bad["reason"]


def test_batch_size_must_be_positive(store):
    with pytest.raises(ValueError, match="INGEST_STORE_BATCH must be at least 1"):
        BatchWriter(store, size=0, page_outcomes=PAGE_OUTCOMES)


def test_pipeline_item_returns_only_after_commit_and_timer_flushes(tmp_path):
    db = tmp_path / "pipe.db"

    async def main():
        crawler = get_crawler(scrapy.Spider, {"INGEST_DB": str(db), "INGEST_STORE_BATCH": 2,
                                              "INGEST_STORE_FLUSH_SECONDS": 0.05})
        pipe = StorePipeline.from_crawler(crawler)
        spider = scrapy.Spider(name="batchtest")
        pipe.open_spider(spider)
        first = asyncio.ensure_future(pipe.process_item(article(1), spider))
        await asyncio.sleep(0)
        assert not first.done()          # held until its batch commits
        assert count(db, "select count(*) from articles") == 0
        second = await pipe.process_item(article(2), spider)   # fills the batch of 2
        assert second.url.endswith("/2.html")
        assert (await first).url.endswith("/1.html")
        assert count(db, "select count(*) from articles") == 2
        third = asyncio.ensure_future(pipe.process_item(article(3), spider))
        await asyncio.wait_for(third, timeout=5)   # the timer commits a part-filled batch
        assert count(db, "select count(*) from articles") == 3
        assert crawler.stats.get_value("ingest/articles_new") == 3
        assert crawler.stats.get_value("ingest/pages/stored") == 3
        pipe.close_spider(spider)

    asyncio.run(main())
    assert count(db, "select articles_new from crawl_runs") == 3


def test_real_crawl_with_small_batches_stores_every_article(demo_server, tmp_path):
    db = tmp_path / "crawl.db"
    result = run_crawl(demo_server, db, {"INGEST_STORE_BATCH": "2",
                                         "INGEST_STORE_FLUSH_SECONDS": "0.2"},
                       capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    expected = {demo_server + url[len(GOLDEN_BASE):] for _p, url, _e in golden_cases()
                if url.startswith(GOLDEN_BASE)}
    con = sqlite3.connect(db)
    try:
        stored = {r[0] for r in con.execute("select canonical_url from articles")}
        pages_stored = con.execute(
            "select count(*) from pages where outcome = 'stored'").fetchone()[0]
        run = con.execute("select articles_new, status from crawl_runs").fetchone()
    finally:
        con.close()
    assert expected <= stored
    assert pages_stored == len(stored)
    assert run == (len(stored), "finished")


def test_record_of_an_article_is_its_asdict_and_a_copy():
    """The store pipeline's fast record conversion gives what dataclasses.asdict gives, and
    changing the record leaves the item alone."""
    import dataclasses

    from ingest.items import Article, Author, Section
    from pipelines.store import record_of

    item = Article(url="https://a.test/1", canonical_url="https://a.test/c", site="a.test",
                   headline="H", authors=[Author("Ann Lee", "Reporter", "https://a.test/al"),
                                          Author("Bo")],
                   byline="By Ann Lee and Bo", published_at="2026-01-01T00:00:00+00:00",
                   modified_at="2026-01-02T00:00:00+00:00", section="News", summary="S",
                   tags=["x", "y"], language="en",
                   sections=[Section(None, ["p1", "p2"]), Section("Two", ["p3"])],
                   body_text="p1\n\np2\n\nTwo\n\np3", word_count=4, content_hash="abc",
                   fetched_at="2026-01-03T00:00:00+00:00", provenance={"headline": "h1"})
    record = record_of(item)
    assert record == dataclasses.asdict(item)
    record["authors"][0]["name"] = "changed"
    record["sections"][0]["paragraphs"].append("more")
    record["tags"].append("z")
    record["provenance"]["x"] = "y"
    assert item.authors[0].name == "Ann Lee" and item.sections[0].paragraphs == ["p1", "p2"]
    assert item.tags == ["x", "y"] and item.provenance == {"headline": "h1"}
    # anything else goes through asdict / ItemAdapter
    odd = Article(url="u", canonical_url="u", site="s", authors=[{"name": "Dict Author"}])
    assert record_of(odd) == dataclasses.asdict(odd)
    assert record_of({"url": "u"}) == {"url": "u"}


def fts_ids(db, term):
    con = sqlite3.connect(db)
    try:
        return sorted(r[0] for r in con.execute(
            "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", (term,)))
    finally:
        con.close()


def test_batch_fills_the_full_text_index_at_its_commit(store):
    """A batch's new articles are in articles_fts at the commit that stores them, also one
    inserted and changed within the same batch; the index stays consistent with the rows
    (FTS5 integrity-check), and any other writer is indexed by the trigger as before."""
    writer = BatchWriter(store, size=100, page_outcomes=PAGE_OUTCOMES)
    got = []
    writer.add_article(record(1, "Zebra crossing"), page(1)).addCallback(got.append)
    writer.add_article(record(2, "Walrus sighting"), page(2)).addCallback(got.append)
    changed = {**record(2, "Narwhal sighting"), "body_text": "A changed body about tusks.",
               "content_hash": "changed"}
    writer.add_article(changed, page(2)).addCallback(got.append)
    assert fts_ids(store.path, "zebra") == []          # nothing before the commit
    writer.flush()
    assert [w.outcome for w in got] == ["new", "new", "updated"]
    ids = {w.outcome: w.article_id for w in got}
    assert fts_ids(store.path, "zebra") == [ids["new"] - 1]
    assert fts_ids(store.path, "narwhal") == fts_ids(store.path, "tusks") == [ids["updated"]]
    assert fts_ids(store.path, "walrus") == []
    with store.transaction() as conn:
        conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    assert count(store.path, "select count(*) from fts_deferred") == 0
    # another writer (an analyst's sqlite3): the trigger indexes its insert
    con = sqlite3.connect(store.path)
    con.execute("INSERT INTO articles (canonical_url, url, site, headline, content_hash,"
                " first_seen_at, last_seen_at, updated_at) VALUES ('u', 'u', 's',"
                " 'Okapi', 'h', 't', 't', 't')")
    con.commit()
    con.close()
    assert len(fts_ids(store.path, "okapi")) == 1
    with store.transaction() as conn:
        conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")


def test_a_batch_written_again_with_savepoints_is_indexed_too(store):
    """When the fast path rolls back (a bad record), the batch written again one savepoint
    per article is indexed by the trigger: the good articles are found."""
    store.conn.execute("CREATE TRIGGER no_boom BEFORE INSERT ON articles "
                       "WHEN new.headline = 'boom' BEGIN SELECT RAISE(ABORT, 'boom refused'); END")
    writer = BatchWriter(store, size=3, page_outcomes=PAGE_OUTCOMES)
    for i, headline in enumerate(["Quokka", "boom", "Quokka again"]):
        writer.add_article(record(i, headline), page(i)).addErrback(lambda f: None)
    assert len(fts_ids(store.path, "quokka")) == 2
    with store.transaction() as conn:
        conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
