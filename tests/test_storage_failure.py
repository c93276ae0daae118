"""Issue 16 item 10: a crawl whose database cannot be written (a full disk, a corrupt file)
stops and exits non-zero, and the last line on standard error names the database and the
fix. Real `scrapy crawl` subprocesses against a local server and real SQLite files; the full
disk is SQLite's own SQLITE_FULL, reached through `PRAGMA max_page_count`
(INGEST_DB_MAX_PAGES), which fails exactly as a disk with no space left does."""

import sqlite3

from ingest.store import Store

from .servers import TestSite, article_html, crawl, sitemap

OLD = "2025-01-15T09:00:00+00:00"


def build(site: TestSite, n: int, text: str = "", lastmod: str = OLD) -> None:
    paths = [f"/stories/story-{i:02d}.html" for i in range(n)]
    site.set("/robots.txt", f"User-agent: *\nSitemap: {site.url('/sitemap.xml')}\n",
             "text/plain")
    site.set("/", "<html><head><title>Home</title></head><body><h1>Home</h1></body></html>")
    site.set("/sitemap.xml", sitemap([(site.url(p), lastmod) for p in paths]), "application/xml")
    for i, path in enumerate(paths):
        site.set(path, article_html(f"Story number {i}", published=OLD,
                                    body=f"Story {i}. {text}"))


def last_line(text: str) -> str:
    return [line for line in text.splitlines() if line.strip()][-1]


def test_full_disk_stops_the_crawl_with_status_2_and_one_line(tmp_path):
    db = tmp_path / "news.db"
    with Store(db) as store:   # the empty schema: the cap is a few pages above it
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    with TestSite() as site:
        build(site, 40)
        result = crawl(db, start=site.url("/"),
                       settings={"INGEST_DB_MAX_PAGES": pages + 8, "INGEST_STORE_BATCH": 1})
    assert result.returncode == 2, result.stderr[-3000:]
    assert last_line(result.stderr) == (
        f"ingest: cannot write {db}: database or disk is full; free space (or raise "
        f"INGEST_DB_MAX_PAGES) and rerun"), result.stderr[-3000:]
    # what was committed before the disk filled is intact
    con = sqlite3.connect(db)
    try:
        stored = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    assert stored < 40


def test_corrupt_database_exits_2_naming_the_database_and_the_fix(tmp_path):
    db = tmp_path / "news.db"
    with TestSite() as site:
        build(site, 6)
        first = crawl(db, start=site.url("/"))
        assert first.returncode == 0, first.stderr[-3000:]
        # Corrupt the revisions table's page (read only when a changed article is written).
        con = sqlite3.connect(db)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        root = con.execute("SELECT rootpage FROM sqlite_schema WHERE name = 'revisions'"
                           ).fetchone()[0]
        con.close()
        with open(db, "r+b") as f:
            f.seek((root - 1) * page_size)
            f.write(b"\xff" * page_size)
        # every article changed (a newer lastmod: refetched): a new revision each
        build(site, 6, text="Corrected since.", lastmod="2025-02-01T09:00:00+00:00")
        second = crawl(db, start=site.url("/"), settings={"INGEST_STORE_BATCH": 1})
    assert second.returncode == 2, second.stderr[-3000:]
    assert last_line(second.stderr) == (
        f"ingest: cannot write {db}: database disk image is malformed; restore it from a "
        f"backup, or move it aside and rerun"), second.stderr[-3000:]
