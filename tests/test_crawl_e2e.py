"""A real Scrapy crawl of the demo site served on 127.0.0.1, asserted on the SQLite rows."""

import json
import sqlite3

import pytest

from ingest.jobs.demo import run_crawl, serve_directory

from .conftest import DEMO_SITE, GOLDEN_BASE, golden_cases, rows

COUNTED_TABLES = ("articles", "authors", "article_authors", "sections")


def counts(db):
    con = sqlite3.connect(db)
    try:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in COUNTED_TABLES}
    finally:
        con.close()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    db = tmp_path_factory.mktemp("crawl") / "demo.db"
    with serve_directory(DEMO_SITE) as base_url:
        first = run_crawl(base_url, db, capture_output=True, text=True)
        assert first.returncode == 0, first.stderr[-3000:]
        after_first = counts(db)
        second = run_crawl(base_url, db, capture_output=True, text=True)
        assert second.returncode == 0, second.stderr[-3000:]
    return base_url, db, after_first


def demo_expectations():
    return [(url[len(GOLDEN_BASE):], exp) for _page, url, exp in golden_cases()
            if url.startswith(GOLDEN_BASE)]


def test_every_article_stored_with_its_fields(crawled):
    base_url, db, _ = crawled
    expectations = demo_expectations()
    assert len(expectations) >= 7
    for path, exp in expectations:
        found = rows(db, "select * from articles where canonical_url = ?", base_url + path)
        assert len(found) == 1, path
        art = found[0]
        for field in ("headline", "byline", "published_at", "modified_at", "section",
                      "summary", "language"):
            assert art[field] == exp[field], (path, field)
        assert json.loads(art["tags"]) == exp["tags"]
        authors = rows(db, "select au.name, aa.role from article_authors aa join authors au "
                           "on au.id = aa.author_id where aa.article_id = ? order by position",
                       art["id"])
        assert [(a["name"], a["role"]) for a in authors] == \
            [(a["name"], a["role"]) for a in exp["authors"]], path
        sections = rows(db, "select heading from sections where article_id = ? order by position",
                        art["id"])
        assert [s["heading"] for s in sections] == [s["heading"] for s in exp["sections"]], path


def test_about_page_dropped_with_reason(crawled):
    base_url, db, _ = crawled
    page = rows(db, "select * from pages where url = ?", base_url + "about.html")
    assert len(page) == 1
    assert page[0]["outcome"] == "dropped"
    assert page[0]["reason"].startswith("not an article")
    assert page[0]["status"] == 200


def test_full_text_search_finds_body_words(crawled):
    _, db, _ = crawled
    hits = rows(db, "select a.headline from articles_fts f join articles a on a.id = f.rowid "
                    "where articles_fts match ?", "layoffs")
    assert "TikTok trims US TikTok Shop staff amid e-commerce challenges" in \
        [h["headline"] for h in hits]


def test_second_crawl_adds_no_rows(crawled):
    _, db, after_first = crawled
    assert counts(db) == after_first
    runs = rows(db, "select * from crawl_runs order by id")
    assert len(runs) == 2
    assert not runs[1]["articles_new"]
    # Incremental: stored articles are not downloaded again unless due (issue #5); each is
    # either not due, answered 304, or refetched unchanged.
    stats = json.loads(runs[1]["stats"])
    accounted = (stats.get("ingest/schedule/not_due", 0)
                 + stats.get("ingest/pages/not_modified", 0)
                 + (runs[1]["articles_unchanged"] or 0))
    assert accounted >= after_first["articles"]
    assert runs[1]["requests"] < runs[0]["requests"]


def test_every_fetched_page_accounted(crawled):
    base_url, db, _ = crawled
    pages = rows(db, "select url, outcome from pages")
    urls = {p["url"] for p in pages}
    assert base_url in urls
    assert all(p["outcome"] for p in pages)
    assert "robots.txt" not in " ".join(urls)


def test_adhoc_start_on_any_local_site(tmp_path):
    site = tmp_path / "site"
    (site / "posts").mkdir(parents=True)
    para = ("Engineers at a small robotics firm said on Monday that their warehouse robot "
            "can now pick soft packages without crushing them, a problem that has kept "
            "automation out of many grocery depots for years. ")
    (site / "index.html").write_text(
        '<html><body><h1>Robot Weekly</h1><a href="/posts/gripper.html">Gripper</a>'
        "</body></html>")
    (site / "posts" / "gripper.html").write_text(
        "<html lang='en'><head><title>Soft gripper ships - Robot Weekly</title></head><body>"
        "<nav><a href='/'>Home</a></nav><article><h1>Soft gripper ships</h1>"
        "<p class='byline'>By Sam Rivera</p><time datetime='2025-03-04T09:00:00-05:00'>"
        "March 4, 2025</time>" + "".join(f"<p>Part {i}. {para}</p>" for i in range(4)) +
        "</article></body></html>")
    db = tmp_path / "x.db"
    with serve_directory(site) as base_url:
        result = run_crawl(base_url, db, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    art = rows(db, "select * from articles")
    assert [a["headline"] for a in art] == ["Soft gripper ships"]
    assert art[0]["published_at"] == "2025-03-04T09:00:00-05:00"
    assert art[0]["authors_text"] == "Sam Rivera"
