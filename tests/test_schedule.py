"""ingest.crawl.schedule: which URLs a run fetches, and with which conditional headers; plus the
small units around it (page kinds, the crawl lock, Retry-After, drop reasons)."""

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest
from lxml import html

from ingest.crawl.crawllock import CrawlLocked, SiteLocks
from ingest.crawl.retry_after import retry_after_seconds
from ingest.crawl.runstats import reason_key
from ingest.crawl.schedule import Known, decide
from ingest.extract.pagekind import ARTICLE, LISTING, UNKNOWN, classify

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


def stored(**kw):
    base = dict(outcome="stored", fetched_at="2026-11-01T00:00:00+00:00", is_article=True,
                etag='"abc"', last_modified="Sun, 01 Nov 2026 00:00:00 GMT",
                published_at="2026-10-30T08:00:00-04:00")
    return Known(**{**base, **kw})


def test_new_url_is_fetched_plainly():
    d = decide(None, hint=None, now=NOW, recheck_days=2)
    assert d.fetch and d.headers == {} and d.reason == "new URL"


def test_url_not_stored_as_article_is_fetched_again():
    d = decide(stored(is_article=False, outcome="dropped"), hint=None, now=NOW, recheck_days=2)
    assert d.fetch and d.headers == {} and "dropped" in d.reason


def test_old_stored_article_without_newer_date_is_not_fetched():
    assert not decide(stored(), hint=None, now=NOW, recheck_days=2).fetch
    same = decide(stored(fetched_lastmod="2026-10-30T12:00:00+00:00"),
                  hint="2026-10-30T12:00:00+00:00", now=NOW, recheck_days=2)
    assert not same.fetch
    older_than_fetch = decide(stored(), hint="2026-10-31T00:00:00+00:00", now=NOW,
                              recheck_days=2)
    assert not older_than_fetch.fetch


def test_newer_feed_date_refetches_conditionally():
    d = decide(stored(fetched_lastmod="2026-10-30T12:00:00+00:00"),
               hint="2026-11-26T09:00:00+00:00", now=NOW, recheck_days=2)
    assert d.fetch and "newer" in d.reason
    assert d.headers == {"If-None-Match": '"abc"',
                         "If-Modified-Since": "Sun, 01 Nov 2026 00:00:00 GMT"}
    # without a stored feed date, newer than our fetch counts
    assert decide(stored(), hint="2026-11-02T00:00:00Z", now=NOW, recheck_days=2).fetch


def test_young_article_is_rechecked_every_run():
    young = stored(published_at=(NOW - timedelta(hours=30)).isoformat())
    d = decide(young, hint=None, now=NOW, recheck_days=2)
    assert d.fetch and d.headers["If-None-Match"] == '"abc"' and "recheck" in d.reason
    assert not decide(young, hint=None, now=NOW, recheck_days=1).fetch
    # no publication date: the first sighting counts
    undated = stored(published_at=None, first_seen_at=(NOW - timedelta(hours=1)).isoformat())
    assert decide(undated, hint=None, now=NOW, recheck_days=2).fetch


def page(head="", body="<p>x</p>"):
    return html.fromstring(f"<html><head>{head}</head><body>{body}</body></html>")


@pytest.mark.parametrize("head, url, kind", [
    ('<meta property="og:type" content="article">', "https://x.test/", ARTICLE),
    ('<script type="application/ld+json">{"@type": "NewsArticle"}</script>',
     "https://x.test/tag/ai/", ARTICLE),
    ('<script type="application/ld+json">{"@type": "CollectionPage"}</script>',
     "https://x.test/2025/story", LISTING),
    ("", "https://x.test/tag/ai/", LISTING),
    ("", "https://x.test/author/sam", LISTING),
    ("", "https://x.test/news/page/3", LISTING),
    ("", "https://x.test/", LISTING),
    ("", "https://x.test/news/", LISTING),
    ('<meta property="og:type" content="website">', "https://x.test/about.html", UNKNOWN),
    ("", "https://x.test/2025/07/02/chip-maker-raises/", UNKNOWN),
])
def test_page_kinds(head, url, kind):
    assert classify(page(head), url).kind == kind


def test_site_article_patterns_win():
    assert classify(page(), "https://x.test/news/", (r"/news/$",)).kind == ARTICLE


def test_article_urls_in_sites_toml_are_checked():
    from ingest.sites import SitesError, parse_site

    profile = parse_site("x", {"start_urls": ["https://x.test/"],
                               "article_urls": [r"/\d{4}/\d{2}/"]})
    assert profile.article_urls == [r"/\d{4}/\d{2}/"]
    with pytest.raises(SitesError, match="article_urls pattern .* is not a valid regular"):
        parse_site("x", {"start_urls": ["https://x.test/"], "article_urls": ["(unclosed"]})


def test_lock_excludes_a_second_holder_and_names_it(tmp_path):
    db = tmp_path / "news.db"
    with SiteLocks(db, ["a", "b"]) as first:
        assert first.held == {"a", "b"}
        with pytest.raises(CrawlLocked, match=rf"site 'b' is already being crawled into "
                                              rf".*by process {os.getpid()}"):
            SiteLocks(db, ["b", "c"]).acquire()
        # all or none: 'c' was not left locked by the failed attempt
        with SiteLocks(db, ["c"]) as other:
            assert other.held == {"c"}
    with SiteLocks(db, ["b"]) as again:
        assert again.held == {"b"}


def test_lock_of_a_killed_process_is_not_stale(tmp_path):
    db = tmp_path / "news.db"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from ingest.crawl.crawllock import SiteLocks; "
         f"lock = SiteLocks({str(db)!r}, ['a']).acquire(); print('locked', flush=True); "
         "time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, cwd=os.path.dirname(os.path.dirname(__file__)))
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(CrawlLocked):
            SiteLocks(db, ["a"]).acquire()
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.stdout.close()
    deadline = time.monotonic() + 5
    with SiteLocks(db, ["a"]) as lock:
        assert lock.held == {"a"} and time.monotonic() < deadline


def _hold_in_another_process(db, keys):
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from ingest.crawl.crawllock import SiteLocks; "
         f"lock = SiteLocks({str(db)!r}, {keys!r}).acquire(); print('locked', flush=True); "
         "time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, cwd=os.path.dirname(os.path.dirname(__file__)))
    assert holder.stdout.readline().strip() == "locked"
    return holder


@pytest.mark.parametrize("link", ["symlink", "hard link", "relative path"])
def test_lock_is_the_database_files_whatever_its_name(tmp_path, link, monkeypatch):
    """Issue 16 item 8: another name of the same database file is the same lock."""
    db = tmp_path / "data" / "news.db"
    holder = _hold_in_another_process(db, ["a"])   # creates the (empty) database file
    try:
        other = tmp_path / "elsewhere.db"
        if link == "symlink":
            other.symlink_to(db)
        elif link == "hard link":
            other = db.parent / "other.db"
            os.link(db, other)
        else:
            monkeypatch.chdir(tmp_path / "data")
            other = "./news.db"
        with pytest.raises(CrawlLocked, match=rf"site 'a' is already being crawled .* by "
                                              rf"process {holder.pid}"):
            SiteLocks(other, ["a"]).acquire()
        with SiteLocks(other, ["b"]) as unrelated:   # another site of it is free
            assert unrelated.held == {"b"}
    finally:
        holder.kill()
        holder.wait(10)
        holder.stdout.close()
    with SiteLocks(other, ["a"]) as lock:
        assert lock.held == {"a"}


def test_adhoc_start_crawl_of_a_configured_host_is_excluded(tmp_path):
    """-a site=NAME and -a start=URL of the same host are one site: real crawls."""
    from .servers import TestSite, article_html, crawl, spawn_crawl

    db = tmp_path / "news.db"
    with TestSite() as site:
        site.set("/", "<html><head><title>Home</title></head><body><h1>Home</h1>"
                 + "".join(f"<a href='/s/{i}.html'>{i}</a>" for i in range(6)) + "</body></html>")
        for i in range(6):
            site.set(f"/s/{i}.html", article_html(f"Story {i}", published="2025-01-15T09:00:00Z"))
        site.hold("/s/", after=1)   # the first crawl waits on its pages, holding its lock
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(f'[sites.local]\nstart_urls = ["{site.url("/")}"]\n')
        first = spawn_crawl(db, site="local", sites_file=sites_file)
        try:
            deadline = time.monotonic() + 30
            while site.count("/") == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            second = crawl(db, start=site.url("/"))
        finally:
            site.release()
            first.communicate(timeout=60)
    assert second.returncode == 1, second.stderr[-2000:]
    assert "host '127.0.0.1' is already being crawled" in second.stderr


def test_retry_after_values():
    assert retry_after_seconds(b"120") == 120.0
    now = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
    assert retry_after_seconds("Fri, 27 Nov 2026 12:01:30 GMT", now) == 90.0
    assert retry_after_seconds("Fri, 27 Nov 2026 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_drop_reasons_group_by_kind():
    assert reason_key("not an article: body has 12 words, fewer than 80") == \
        "not an article: body has N words, fewer than N"
    assert reason_key("duplicate: canonical URL https://x.test/a already stored in this crawl "
                      "from https://x.test/b") == "duplicate: canonical URL"
