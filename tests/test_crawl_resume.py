"""Issue #5 acceptance: a crawl killed part-way (SIGKILL, or SIGINT) and run again with the
same command ends with every article stored exactly once; a second crawl of a site that is
being crawled exits with a clear message; Retry-After on 429/503 is honoured."""

import signal
import sqlite3
import time

import pytest

from .servers import TestSite, article_html, crawl, sitemap, spawn_crawl

OLD = "2025-01-15T09:00:00+00:00"
N_ARTICLES = 40


def article_paths():
    return [f"/stories/story-{i:02d}.html" for i in range(N_ARTICLES)]


def build(site: TestSite) -> None:
    site.set("/robots.txt", f"User-agent: *\nSitemap: {site.url('/sitemap.xml')}\n",
             "text/plain")
    site.set("/", "<html><head><title>Home</title></head><body><h1>Home</h1></body></html>")
    site.set("/sitemap.xml", sitemap([(site.url(p), OLD) for p in article_paths()]),
             "application/xml")
    for i, path in enumerate(article_paths()):
        site.set(path, article_html(f"Story number {i}", published=OLD, body=f"Story {i}."))


def scalar(db, sql):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def stored_articles(db):
    try:
        return scalar(db, "select count(*) from articles")
    except sqlite3.OperationalError:  # not created yet
        return 0


@pytest.mark.parametrize("kill_signal", [signal.SIGKILL, signal.SIGINT],
                         ids=["SIGKILL", "SIGINT"])
def test_killed_crawl_resumes_without_loss_or_duplicates(tmp_path, kill_signal):
    db = tmp_path / "news.db"
    with TestSite() as site:
        build(site)
        site.hold("/stories/", after=8)   # the crawl gets 8 stories, then waits on the rest
        # At most 4 requests in the downloader: a graceful stop (SIGINT) finishes those and
        # leaves the rest, as it would on a real site with its politeness limits.
        first = spawn_crawl(db, start=site.base_url, settings={"CONCURRENT_REQUESTS": "4"})
        try:
            assert wait_for(lambda: stored_articles(db) >= 8), "the crawl stored too little"
            if kill_signal == signal.SIGKILL:  # (once is enough: each crawl costs seconds)
                # The lock: the same site crawled again meanwhile exits at once, saying why.
                second = crawl(db, start=site.base_url)
                assert second.returncode == 1
                assert "already being crawled" in second.stderr
                assert f"by process {first.pid}" in second.stderr
                assert stored_articles(db) < N_ARTICLES and not scalar(
                    db, "select count(*) from crawl_runs where id > 1")  # no second run row
            assert first.poll() is None, "the first crawl should still be running"
            first.send_signal(kill_signal)
            site.release()   # SIGINT lets requests in flight finish; SIGKILL leaves them
            first.communicate(timeout=60)
        finally:
            site.release()
            if first.poll() is None:
                first.kill()
                first.communicate()
        stored_before = stored_articles(db)
        assert 8 <= stored_before < N_ARTICLES, "kill came too late to test resuming"
        first_counts = site.counts()
        site.reset_counts()

        again = crawl(db, start=site.base_url)
        assert again.returncode == 0, again.stderr[-3000:]
        again_counts = site.counts()

    assert stored_articles(db) == N_ARTICLES
    assert scalar(db, "select count(distinct canonical_url) from articles") == N_ARTICLES
    assert scalar(db, "select count(*) from revisions") == N_ARTICLES
    assert scalar(db, "PRAGMA integrity_check") == "ok"
    # What was stored before the kill was not fetched again (old, unchanged in the sitemap);
    # the rest was fetched once.
    assert sum(again_counts[p] for p in article_paths()) == N_ARTICLES - stored_before
    assert all(first_counts[p] + again_counts[p] >= 1 for p in article_paths())
    runs = scalar(db, "select group_concat(status, ',') from (select status from crawl_runs "
                      "order by id)")
    first_status, second_status = runs.split(",")
    assert second_status == "finished"
    if kill_signal == signal.SIGKILL:
        assert first_status == "interrupted"   # closed by the next run, which held its lock
    else:
        assert first_status == "shutdown"      # Scrapy's graceful stop, recorded as such


def test_retry_after_is_honoured(tmp_path):
    db = tmp_path / "news.db"
    with TestSite() as site:
        site.set("/", "<html><body><a href='/a.html'>a</a> <a href='/b.html'>b</a></body></html>")
        site.set("/a.html", article_html("Rate limited once", published=OLD))
        site.set("/b.html", article_html("Down for an hour", published=OLD))
        answered = {"a": 0}

        def too_many_once(handler):
            answered["a"] += 1
            if answered["a"] == 1:
                TestSite._send(handler, 429, b"slow down", "text/plain", {"Retry-After": "1"})
                return 429
            res = site.resources["/a.html"]
            TestSite._send(handler, 200, res.body, res.content_type)
            return 200

        def down_for_an_hour(handler):
            TestSite._send(handler, 503, b"maintenance", "text/plain", {"Retry-After": "3600"})
            return 503

        site.faults["/a.html"] = too_many_once
        site.faults["/b.html"] = down_for_an_hour
        result = crawl(db, start=site.base_url, settings={"INGEST_RETRY_AFTER_MAX": "30"})
        assert result.returncode == 0, result.stderr[-3000:]
        a_hits = site.requests_to("/a.html")
        b_hits = site.requests_to("/b.html")
    assert [h.status for h in a_hits] == [429, 200]
    assert a_hits[1].at - a_hits[0].at >= 0.9          # waited as told
    assert [h.status for h in b_hits] == [503]          # not hammered: left to the next run
    assert scalar(db, "select count(*) from articles where headline = 'Rate limited once'") == 1
    assert scalar(db, "select outcome || ' ' || reason from pages where url like '%/b.html'") \
        == "error HTTP 503"
