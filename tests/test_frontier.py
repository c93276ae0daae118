"""Issue 13 and issue 16 item 3: the frontier spends a polite crawl's requests on articles
(priorities, revisit policy for what is not an article) and discovery is bounded. Real crawls
of a generated site on 127.0.0.1; the order and counts are read from the server's log."""

from datetime import datetime, timedelta, timezone

from .conftest import rows
from .servers import TestSite, article_html, crawl, listing_html, sitemap

PUBLISHED = "2025-01-15T09:00:00+00:00"
ONE_AT_A_TIME = {"CONCURRENT_REQUESTS": "1", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}


def hostile_news_site(site: TestSite, n: int, *, links_per_article: int = 10) -> None:
    """The issue's site: n articles in a sitemap, each linking to section/tag/author URLs that
    answer 404, and a home page that links none of the articles, only such 404 pages."""
    recent = (datetime.now(timezone.utc) - timedelta(hours=2)).isoformat(timespec="seconds")
    junk = tuple(f"/tag/topic-{j}/" for j in range(links_per_article))
    site.set("/robots.txt", "User-agent: *\n", "text/plain")
    site.set("/", listing_html("Home", junk + ("/section/world/", "/author/sam/")))
    for i in range(n):
        site.set(f"/news/2025/01/story-number-{i}.html",
                 article_html(f"Story {i}", published=PUBLISHED, body=f"Story {i} body.",
                              links=junk))
    site.set("/sitemap.xml", sitemap([(site.url(f"/news/2025/01/story-number-{i}.html"), recent)
                                      for i in range(n)]), "application/xml")


def sites_toml(tmp_path, site: TestSite, extra: str = "") -> str:
    path = tmp_path / "sites.toml"
    path.write_text(f'[sites.hostile]\nstart_urls = ["{site.url("/")}"]\n'
                    f'sitemaps = ["{site.url("/sitemap.xml")}"]\n{extra}')
    return str(path)


def test_sitemap_articles_are_fetched_before_link_targets(tmp_path):
    """Priority order in the server's request log: every sitemap article before any 404 tag
    link, although the home page (fetched first) links only tags."""
    with TestSite() as site:
        hostile_news_site(site, 8)
        db = tmp_path / "news.db"
        result = crawl(db, site="hostile", sites_file=sites_toml(tmp_path, site),
                       settings=ONE_AT_A_TIME)
        assert result.returncode == 0, result.stderr
        order = [h.path for h in site.hits]
    articles = [i for i, p in enumerate(order) if p.startswith("/news/")]
    junk = [i for i, p in enumerate(order) if p.startswith(("/tag/", "/section/", "/author/"))]
    assert len(articles) == 8 and junk
    assert max(articles) < min(junk), order
    stored = rows(db, "SELECT count(*) AS n FROM articles")[0]["n"]
    assert stored == 8


def test_article_shape_is_learned_from_stored_article_urls():
    from ingest.crawl.priority import ARTICLE_SHAPE, OTHER, ArticleShapes, link_priority

    shapes = ArticleShapes(["https://n.example/news/2025/01/chip-maker-raises-prices.html"])
    assert link_priority("https://n.example/news/2026/11/a-new-story-today.html",
                         shapes) == ARTICLE_SHAPE
    for other in ("https://n.example/tag/chips/", "https://n.example/author/sam-rivera/",
                  "https://n.example/news/", "https://n.example/"):
        assert link_priority(other, shapes) == OTHER, other
    assert link_priority("https://n.example/p/123", ArticleShapes(patterns=[r"/p/\d+$"])) \
        == ARTICLE_SHAPE


def test_404_links_are_not_refetched_on_the_next_run(tmp_path):
    """Crawl 1 meets the dead tag links; crawl 2, nothing changed, fetches none of them again
    (nor any stored article): only robots.txt, the sitemap and the start page."""
    with TestSite() as site:
        hostile_news_site(site, 5)
        db = tmp_path / "news.db"
        sites = sites_toml(tmp_path, site)
        first = crawl(db, site="hostile", sites_file=sites)
        assert first.returncode == 0, first.stderr
        assert site.count("/tag/topic-0/") == 1
        site.reset_counts()
        second = crawl(db, site="hostile", sites_file=sites)
        assert second.returncode == 0, second.stderr
        again = site.counts()
    assert not [p for p in again if p.startswith(("/tag/", "/section/", "/author/"))], again
    assert not [p for p in again if p.startswith("/news/")], again
    assert set(again) <= {"/robots.txt", "/sitemap.xml", "/"}, again
    [page] = rows(db, "SELECT outcome, status, failures FROM pages WHERE url = ?",
                  site.url("/tag/topic-0/"))
    assert (page["outcome"], page["status"], page["failures"]) == ("error", 404, 1)


def test_frontier_shows_what_is_held_back_and_reset_makes_it_due(tmp_path):
    from click.testing import CliRunner

    from ingest.cli import main

    with TestSite() as site:
        hostile_news_site(site, 2, links_per_article=3)
        db = tmp_path / "news.db"
        sites = sites_toml(tmp_path, site)
        assert crawl(db, site="hostile", sites_file=sites).returncode == 0
        shown = CliRunner().invoke(main, ["frontier", "--db", str(db)])
        assert shown.exit_code == 0, shown.output
        assert "127.0.0.1: 5 URLs held back" in shown.output
        assert f"{site.url('/tag/topic-0/')}  due " in shown.output
        assert "(HTTP 404 1 time(s) in a row)" in shown.output
        reset = CliRunner().invoke(main, ["frontier", "reset", "--db", str(db),
                                          "--pattern", r"/tag/"])
        assert reset.exit_code == 0 and "3 URL(s) reset" in reset.output, reset.output
        site.reset_counts()
        assert crawl(db, site="hostile", sites_file=sites).returncode == 0
        again = site.counts()
    assert {p for p in again if p.startswith("/tag/")} == {f"/tag/topic-{j}/" for j in range(3)}
    assert not [p for p in again if p.startswith(("/section/", "/author/"))], again


# --- issue 16 item 3: discovery is bounded ---------------------------------------------------

def _bound_rows(db):
    return rows(db, "SELECT url, reason FROM pages WHERE reason LIKE '%discovery bound%'")


def _discovery_site(tmp_path, site, *, sitemaps=("/sitemap.xml",), robots="User-agent: *\n"):
    site.set("/robots.txt", robots, "text/plain")
    site.set("/", listing_html("Home", ()))
    path = tmp_path / "sites.toml"
    listed = ", ".join(f'"{site.url(s)}"' for s in sitemaps)
    path.write_text(f'[sites.hostile]\nstart_urls = ["{site.url("/")}"]\nsitemaps = [{listed}]\n')
    return str(path)


def test_sitemap_index_chain_stops_at_the_nesting_bound(tmp_path):
    with TestSite() as site:
        from .servers import sitemap_index
        for i in range(30):  # /idx/0.xml -> /idx/1.xml -> ... 30 deep
            site.set(f"/idx/{i}.xml", sitemap_index([site.url(f"/idx/{i + 1}.xml")]),
                     "application/xml")
        sites = _discovery_site(tmp_path, site, sitemaps=("/idx/0.xml",))
        db = tmp_path / "news.db"
        result = crawl(db, site="hostile", sites_file=sites,
                       settings={"INGEST_SITEMAP_MAX_NESTING": "3"})
        assert result.returncode == 0, result.stderr
        fetched = {p for p in site.counts() if p.startswith("/idx/")}
    assert fetched == {f"/idx/{i}.xml" for i in range(4)}
    [bound] = _bound_rows(db)
    assert bound["url"] == site.url("/idx/4.xml")
    assert "INGEST_SITEMAP_MAX_NESTING (3)" in bound["reason"]


def test_documents_per_run_are_bounded(tmp_path):
    with TestSite() as site:
        from .servers import sitemap_index
        site.set("/index.xml", sitemap_index([site.url(f"/s/{i}.xml") for i in range(40)]),
                 "application/xml")
        for i in range(40):
            site.set(f"/s/{i}.xml", sitemap([]), "application/xml")
        sites = _discovery_site(tmp_path, site, sitemaps=("/index.xml",))
        db = tmp_path / "news.db"
        result = crawl(db, site="hostile", sites_file=sites,
                       settings={"INGEST_DISCOVERY_MAX_DOCUMENTS": "10"})
        assert result.returncode == 0, result.stderr
        fetched = [p for p in site.counts() if p.startswith("/s/")]
    assert len(fetched) == 9  # the index plus 9 children
    bounds = _bound_rows(db)
    assert len(bounds) == 31
    assert all("INGEST_DISCOVERY_MAX_DOCUMENTS" in b["reason"] for b in bounds)


def test_entries_per_run_are_bounded(tmp_path):
    with TestSite() as site:
        site.set("/sitemap.xml", sitemap([(site.url(f"/a/{i}.html"), None) for i in range(300)]),
                 "application/xml")
        sites = _discovery_site(tmp_path, site)
        db = tmp_path / "news.db"
        result = crawl(db, site="hostile", sites_file=sites,
                       settings={"INGEST_DISCOVERY_MAX_ENTRIES": "20"})
        assert result.returncode == 0, result.stderr
        fetched = [p for p in site.counts() if p.startswith("/a/")]
    assert len(fetched) == 20
    [bound] = _bound_rows(db)
    assert bound["url"] == site.url("/sitemap.xml")
    assert "INGEST_DISCOVERY_MAX_ENTRIES" in bound["reason"] and "280 left" in bound["reason"]


def test_robots_sitemap_lines_are_bounded(tmp_path):
    with TestSite() as site:
        lines = "".join(f"Sitemap: {site.url(f'/r/{i}.xml')}\n" for i in range(5000))
        sites = _discovery_site(tmp_path, site, sitemaps=(), robots="User-agent: *\n" + lines)
        db = tmp_path / "news.db"
        result = crawl(db, site="hostile", sites_file=sites,
                       settings={"INGEST_ROBOTS_MAX_SITEMAPS": "5"})
        assert result.returncode == 0, result.stderr
        fetched = [p for p in site.counts() if p.startswith("/r/")]
    assert len(fetched) == 5
    [bound] = _bound_rows(db)
    assert bound["url"] == site.url("/robots.txt")
    assert "5000 Sitemap lines, the first 5 read" in bound["reason"]


# --- budgets per run --------------------------------------------------------------------------

def test_budget_stop_is_completed_by_the_next_run_with_nothing_lost_or_doubled(tmp_path):
    import json

    with TestSite() as site:
        hostile_news_site(site, 30, links_per_article=2)
        db = tmp_path / "news.db"
        sites = sites_toml(tmp_path, site, "max_requests = 20\n")
        first = crawl(db, site="hostile", sites_file=sites)
        assert first.returncode == 0, first.stderr
        [run] = rows(db, "SELECT status, stats FROM crawl_runs")
        stats = json.loads(run["stats"])
        assert "max_requests (20 requests)" in stats["ingest/budget/stopped/hostile"]
        from click.testing import CliRunner

        from ingest.cli import main
        shown = CliRunner().invoke(main, ["runs", "--db", str(db)])
        assert "hostile: stopped by its budget, INGEST_SITE_MAX_REQUESTS / max_requests " \
               "(20 requests)" in shown.output, shown.output
        stored_first = rows(db, "SELECT count(*) AS n FROM articles")[0]["n"]
        assert 10 <= stored_first < 30
        # the budget's leftovers are not recorded as failures: nothing in pages for them
        assert rows(db, "SELECT count(*) AS n FROM pages WHERE reason LIKE '%budget%'")[0]["n"] == 0
        second = crawl(db, site="hostile", sites_file=sites)
        assert second.returncode == 0, second.stderr
        hits = site.counts()
    stored = rows(db, "SELECT count(*) AS n FROM articles")[0]["n"]
    assert stored == 30
    articles = {p: n for p, n in hits.items() if p.startswith("/news/")}
    assert len(articles) == 30 and set(articles.values()) == {1}, articles
    assert rows(db, "SELECT count(*) AS n FROM revisions")[0]["n"] == 30


def test_run_record_has_efficiency_figures(tmp_path):
    import json

    from click.testing import CliRunner

    from ingest.cli import main

    with TestSite() as site:
        hostile_news_site(site, 10, links_per_article=4)
        db = tmp_path / "news.db"
        assert crawl(db, site="hostile", sites_file=sites_toml(tmp_path, site)).returncode == 0
        served = len(site.hits)
        gone = sum(1 for h in site.hits if h.status == 404)
    [run] = rows(db, "SELECT stats FROM crawl_runs")
    stats = json.loads(run["stats"])
    eff = {k.split("/")[-1]: v for k, v in stats.items() if k.startswith("ingest/efficiency/")}
    requests = stats["downloader/request_count"]
    assert requests <= served
    assert eff["new_articles"] == 10
    assert eff["requests_per_new_article"] == round(requests / 10, 2)
    assert eff["wasted_share"] == round(gone / requests, 3) and eff["wasted_share"] > 0
    assert 0 <= eff["first_article_s"] <= eff["p90_article_s"]
    assert eff["requests_at_p90"] <= requests
    shown = CliRunner().invoke(main, ["runs", "--db", str(db)]).output
    assert f"efficiency: {eff['requests_per_new_article']} requests per new article" in shown


def test_article_in_feed_and_sitemap_is_not_refetched_when_nothing_changed(tmp_path):
    """Fetched because the feed listed it (old date) while the sitemap (newer lastmod) was
    still queued: the next run must not refetch it for the sitemap's date."""
    from .servers import rss

    with TestSite() as site:
        hostile_news_site(site, 20, links_per_article=1)
        site.set("/feed.xml", rss([(site.url(f"/news/2025/01/story-number-{i}.html"), "S",
                                    "Wed, 15 Jan 2025 09:00:00 GMT") for i in range(20)]),
                 "application/rss+xml")
        db = tmp_path / "news.db"
        sites = sites_toml(tmp_path, site, f'feeds = ["{site.url("/feed.xml")}"]\n')
        assert crawl(db, site="hostile", sites_file=sites).returncode == 0
        site.reset_counts()
        assert crawl(db, site="hostile", sites_file=sites).returncode == 0
        again = site.counts()
    assert not [p for p in again if p.startswith("/news/")], again


def test_max_depth_above_three_is_honoured(tmp_path):
    """A site's max_depth = 5 reaches an article 5 links from the start page (Scrapy's
    DEPTH_LIMIT = 3 used to cap it silently), and no further."""
    with TestSite() as site:
        site.set("/robots.txt", "User-agent: *\n", "text/plain")
        for i in range(7):
            site.set(f"/l/{i}/", listing_html(f"List {i}", (f"/l/{i + 1}/",
                                                            f"/news/story-at-depth-{i + 1}.html")))
            site.set(f"/news/story-at-depth-{i + 1}.html",
                     article_html(f"Depth {i + 1}", published=PUBLISHED, body=f"Depth {i + 1}."))
        path = tmp_path / "sites.toml"
        path.write_text(f'[sites.deep]\nstart_urls = ["{site.url("/l/0/")}"]\nmax_depth = 5\n')
        db = tmp_path / "news.db"
        assert crawl(db, site="deep", sites_file=str(path)).returncode == 0
    stored = {r["headline"] for r in rows(db, "SELECT headline FROM articles")}
    assert stored == {f"Depth {d}" for d in range(1, 6)}


def test_time_budget_stops_the_site_and_the_next_run_completes_it(tmp_path):
    import json

    with TestSite() as site:
        hostile_news_site(site, 12, links_per_article=1)
        site.delays["/news/"] = 0.4  # a slow site: 12 articles take about 5 s one at a time
        db = tmp_path / "news.db"
        timed = sites_toml(tmp_path, site, "max_seconds = 1.5\n")
        first = crawl(db, site="hostile", sites_file=timed, settings=ONE_AT_A_TIME)
        assert first.returncode == 0, first.stderr
        stats = json.loads(rows(db, "SELECT stats FROM crawl_runs")[0]["stats"])
        assert "max_seconds (1.5 s)" in stats["ingest/budget/stopped/hostile"]
        assert rows(db, "SELECT count(*) AS n FROM articles")[0]["n"] < 12
        site.delays.clear()
        second = crawl(db, site="hostile", sites_file=sites_toml(tmp_path, site))
        assert second.returncode == 0, second.stderr
        hits = site.counts()
    assert rows(db, "SELECT count(*) AS n FROM articles")[0]["n"] == 12
    assert {n for p, n in hits.items() if p.startswith("/news/")} == {1}
