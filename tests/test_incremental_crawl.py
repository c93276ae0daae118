"""Issue #5 acceptance: real crawls of a test site on 127.0.0.1 with every discovery route
(robots.txt -> sitemap index -> gzipped sitemap and news sitemap, RSS announced by the home
page, Atom declared in sites.toml, links), a disallowed path, conditional requests, a changed
page between two crawls, and `ingest runs`.
"""

import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from ingest.cli import main

from .conftest import rows
from .servers import (
    TestSite,
    article_html,
    atom,
    crawl,
    listing_html,
    news_sitemap,
    rss,
    sitemap,
    sitemap_index,
)

OLD = "2025-01-15T09:00:00+00:00"          # older than any recheck window
OLD_RFC = "Wed, 15 Jan 2025 09:00:00 GMT"

# path -> (title, how only it is reachable)
ROUTES = {
    "/articles/rss-only.html": "Only in the RSS feed",
    "/articles/atom-only.html": "Only in the Atom feed",
    "/articles/gz-only.html": "Only in the gzipped sitemap",
    "/articles/news-only.html": "Only in the news sitemap",
    "/articles/link-only.html": "Only linked from the section page",
}


def build(site: TestSite, *, changed: bool = False, young_at: str) -> None:
    u = site.url
    site.set("/robots.txt", "User-agent: *\nDisallow: /private/\n"
             f"Sitemap: {u('/sitemap_index.xml')}\n", "text/plain")
    site.set("/", listing_html("Test Tech", ("/news/", "/tag/chips/", "/private/secret.html",
                                             "/about.html"),
                               feeds=(("application/rss+xml", "/feeds/rss.xml"),)))
    site.set("/news/", listing_html("News", ("/articles/link-only.html",
                                             "/private/secret.html")))
    site.set("/tag/chips/", listing_html("Chips", ("/articles/link-only.html",)))
    for path, title in ROUTES.items():
        site.set(path, article_html(title, published=OLD, body=title))
    site.set("/private/secret.html", article_html("Secret", published=OLD))
    site.set("/about.html", "<html><head><title>About</title></head><body><h1>About us</h1>"
             "<p>We write about technology.</p></body></html>")
    site.set("/articles/unchanged.html", article_html("Never changes", published=OLD))
    changing_body = "Corrected: the launch slipped to May." if changed else "Launch in April."
    site.set("/articles/changing.html",
             article_html("Launch date", published=OLD, body=changing_body))
    site.set("/articles/young.html", article_html("Breaking today", published=young_at))
    site.set("/feeds/rss.xml", rss([(u("/articles/rss-only.html"), "RSS", OLD_RFC),
                                    (u("/articles/young.html"), "Young", OLD_RFC)]),
             "application/rss+xml")
    site.set("/feeds/atom.xml", atom([(u("/articles/atom-only.html"), "Atom", OLD)]),
             "application/atom+xml")
    site.set("/sitemap_index.xml", sitemap_index([u("/sitemaps/articles.xml.gz"),
                                                   u("/sitemaps/news.xml")]),
             "application/xml")
    changing_lastmod = "2026-01-02T00:00:00+00:00" if changed else OLD
    site.set_gzip("/sitemaps/articles.xml.gz", sitemap([
        (u("/articles/gz-only.html"), OLD),
        (u("/articles/unchanged.html"), OLD),
        (u("/articles/changing.html"), changing_lastmod),
        (u("/private/secret.html"), OLD),
    ]))
    site.set("/sitemaps/news.xml", news_sitemap([(u("/articles/news-only.html"),
                                                  "News sitemap story", OLD)]),
             "application/xml")


@pytest.fixture(scope="module")
def two_crawls(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("incremental")
    db = tmp / "news.db"
    young_at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    with TestSite() as site:
        build(site, young_at=young_at)
        sites_file = tmp / "sites.toml"
        sites_file.write_text(f'[sites.testtech]\nstart_urls = ["{site.url("/")}"]\n'
                              f'feeds = ["{site.url("/feeds/atom.xml")}"]\n')
        first = crawl(db, site="testtech", sites_file=sites_file)
        assert first.returncode == 0, first.stderr[-3000:]
        first_counts = site.counts()
        first_hits = {p: site.requests_to(p) for p in first_counts}
        after_first = {
            "articles": rows(db, "select canonical_url, content_hash from articles"),
            "revisions": rows(db, "select * from revisions"),
        }
        site.reset_counts()
        build(site, changed=True, young_at=young_at)
        second = crawl(db, site="testtech", sites_file=sites_file)
        assert second.returncode == 0, second.stderr[-3000:]
        second_hits = {p: site.requests_to(p) for p in site.counts()}
        yield {"db": db, "site": site, "first": first_counts, "first_hits": first_hits,
               "second": site.counts(), "second_hits": second_hits,
               "after_first": after_first, "base": site.base_url}


def test_each_discovery_route_finds_its_page(two_crawls):
    db, base = two_crawls["db"], two_crawls["base"]
    stored = {r["canonical_url"] for r in rows(db, "select canonical_url from articles")}
    for path in ROUTES:
        assert base.rstrip("/") + path in stored, f"{path} ({ROUTES[path]}) not found"
    # every discovery document was read
    for doc in ("/feeds/rss.xml", "/feeds/atom.xml", "/sitemap_index.xml",
                "/sitemaps/articles.xml.gz", "/sitemaps/news.xml"):
        assert two_crawls["first"][doc] >= 1, doc


def test_news_sitemap_metadata_kept_with_url(two_crawls):
    db, base = two_crawls["db"], two_crawls["base"]
    found = rows(db, "select * from discovered where url = ?", base + "articles/news-only.html")
    assert found and found[0]["title"] == "News sitemap story"
    assert found[0]["published_at"] == "2025-01-15T09:00:00+00:00"
    assert found[0]["source"] == base + "sitemaps/news.xml"
    gz = rows(db, "select lastmod from discovered where url = ?", base + "articles/changing.html")
    assert gz[0]["lastmod"] == "2026-01-02T00:00:00+00:00"  # the newer one, from crawl 2


def test_disallowed_path_never_requested(two_crawls):
    assert two_crawls["first"]["/private/secret.html"] == 0
    assert two_crawls["second"]["/private/secret.html"] == 0
    assert two_crawls["first"]["/robots.txt"] >= 1


def test_listing_pages_followed_not_stored(two_crawls):
    db, base = two_crawls["db"], two_crawls["base"]
    for path in ("", "news/", "tag/chips/"):
        page = rows(db, "select outcome, reason from pages where url = ?", base + path)
        assert page and page[0]["outcome"] == "skipped", path
        assert page[0]["reason"].startswith("listing page"), page
        assert not rows(db, "select id from articles where canonical_url = ?", base + path)


def test_drop_reasons_are_readable_not_regular_expressions(two_crawls):
    """Issue #15.8: the reasons in pages (shown by Datasette and the log) are words."""
    reasons = {r["reason"] for r in rows(two_crawls["db"], "select reason from pages")
               if r["reason"]}
    assert "listing page (listing URL: the home page): links followed, not stored" in reasons
    for reason in reasons:
        assert not any(tok in reason for tok in ("(/", "|", "\\d", "^/", "?$", "$)")), reason


def test_first_crawl_fetches_each_page_once(two_crawls):
    first = two_crawls["first"]
    for path in [*ROUTES, "/articles/unchanged.html", "/articles/changing.html",
                 "/articles/young.html", "/"]:
        assert first[path] == 1, (path, first[path])


def test_second_crawl_requests_only_what_changed_or_is_due(two_crawls):
    second = two_crawls["second"]
    # Not changed according to feeds/sitemaps and older than the recheck window: no request.
    for path in [*ROUTES, "/articles/unchanged.html"]:
        assert second[path] == 0, (path, second[path])
    # The sitemap says it changed: fetched, conditionally, and the new content came back.
    [hit] = two_crawls["second_hits"]["/articles/changing.html"]
    assert hit.status == 200 and "If-None-Match" in hit.headers
    # Young: due by the recheck window, conditional, answered 304.
    [hit] = two_crawls["second_hits"]["/articles/young.html"]
    assert hit.status == 304
    assert hit.headers.get("If-None-Match", "").startswith('"')
    assert "If-Modified-Since" in hit.headers
    # Discovery documents are read again every run.
    assert second["/sitemaps/articles.xml.gz"] == 1 and second["/feeds/rss.xml"] >= 1


def test_changed_article_makes_a_revision_unchanged_does_not(two_crawls):
    db, base = two_crawls["db"], two_crawls["base"]

    def revisions(path):
        return rows(db, "select r.content_hash, r.body_text, r.first_seen_at from revisions r "
                        "join articles a on a.id = r.article_id where a.canonical_url = ? "
                        "order by r.id", base + path)

    changing = revisions("articles/changing.html")
    assert len(changing) == 2
    assert "Launch in April" in changing[0]["body_text"]
    assert "Corrected" in changing[1]["body_text"]
    art = rows(db, "select body_text, content_hash from articles where canonical_url = ?",
               base + "articles/changing.html")[0]
    assert art["content_hash"] == changing[1]["content_hash"]
    for path in ("articles/unchanged.html", "articles/young.html", "articles/rss-only.html"):
        assert len(revisions(path)) == 1, path
    # one row per article, before and after
    assert len(rows(db, "select id from articles")) == \
        len(two_crawls["after_first"]["articles"])


def test_304_writes_only_the_check_time(two_crawls):
    db, base = two_crawls["db"], two_crawls["base"]
    page = rows(db, "select * from pages where url = ?", base + "articles/young.html")[0]
    assert page["checked_at"] is not None
    assert page["outcome"] == "stored" and page["status"] == 200 and page["fetch_count"] == 1
    runs = rows(db, "select * from crawl_runs order by id")
    stats = json.loads(runs[1]["stats"])
    assert stats["ingest/pages/not_modified"] == 1
    assert stats["downloader/response_status_count/304"] == 1
    assert runs[1]["articles_updated"] == 1 and not runs[1]["articles_new"]


def test_ingest_runs_shows_both_runs(two_crawls):
    result = CliRunner().invoke(main, ["runs", "--db", str(two_crawls["db"])])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "run 1" in out and "run 2" in out
    assert out.count("finished") == 2
    assert "articles new 8" in out          # 5 routes + unchanged, changing, young
    assert "articles new 0, updated 1" in out
    assert "304 not modified 1" in out
    assert "200:" in out
    assert "drop     1  not an article: body has N words, fewer than N" in out
