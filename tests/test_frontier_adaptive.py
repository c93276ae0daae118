"""Issue 13, the rest of the revisit policy: listing pages that keep showing no new link are
fetched more rarely (adaptive revisit), and a server's long Retry-After holds its host (429)
or the URL (503) across runs. Real crawls of sites on 127.0.0.1; what was fetched is read
from the server's log."""

from datetime import datetime, timedelta, timezone

from click.testing import CliRunner

from ingest.cli import main
from ingest.crawl.schedule import Known, Policy, decide, listing_wait
from ingest.store.crawlstate import CrawlState

from .conftest import rows
from .servers import TestSite, article_html, crawl, listing_html, sitemap

PUBLISHED = "2025-01-15T09:00:00+00:00"
ONE_AT_A_TIME = {"CONCURRENT_REQUESTS": "1", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


def _story(path: str) -> str:
    return f"/news/2025/01/{path}.html"


def _sections_site(site: TestSite, a: tuple[str, ...], b: tuple[str, ...]) -> None:
    site.set("/robots.txt", "User-agent: *\n", "text/plain")
    site.set("/", listing_html("Home", ("/section/a/", "/section/b/")))
    for name, stories in (("a", a), ("b", b)):
        site.set(f"/section/{name}/", listing_html(f"Section {name}",
                                                   tuple(_story(s) for s in stories)))
        for s in stories:
            site.set(_story(s), article_html(f"Story {s}", published=PUBLISHED, body=s))


def _frontier(db, *args) -> str:
    shown = CliRunner().invoke(main, ["frontier", *args, "--db", str(db)])
    assert shown.exit_code == 0, shown.output
    return shown.output


def test_quiet_listing_page_waits_and_one_with_a_new_link_is_refetched(tmp_path):
    with TestSite() as site:
        _sections_site(site, a=("story-a-one",), b=("story-b-one",))
        sites = tmp_path / "sites.toml"
        sites.write_text(f'[sites.sections]\nstart_urls = ["{site.url("/")}"]\n')
        db = tmp_path / "news.db"

        def run() -> set[str]:
            site.reset_counts()
            result = crawl(db, site="sections", sites_file=str(sites))
            assert result.returncode == 0, result.stderr
            return set(site.counts())

        first = run()
        assert {"/", "/section/a/", "/section/b/"} <= first
        # section b shows a new story; section a stays as it was
        _sections_site(site, a=("story-a-one",), b=("story-b-one", "story-b-two"))
        second = run()
        assert {"/", "/section/a/", "/section/b/", _story("story-b-two")} <= second, second
        third = run()
        assert "/" in third and "/section/b/" in third, third   # the start page every run
        assert "/section/a/" not in third, third                # quiet once: waits
        quiet = {r["url"]: r["quiet"] for r in rows(db, "SELECT url, quiet FROM listing_pages")}
        assert quiet == {site.url("/section/a/"): 1, site.url("/section/b/"): 1}  # no start page

        shown = _frontier(db)
        assert f"{site.url('/section/a/')}  due " in shown
        assert "(listing page: no new link on 1 fetch(es) in a row)" in shown
        reset = CliRunner().invoke(main, ["frontier", "reset", "--db", str(db),
                                          site.url("/section/a/")])
        assert reset.exit_code == 0 and "1 URL(s) reset" in reset.output, reset.output
        fourth = run()
    assert "/section/a/" in fourth and "/section/b/" not in fourth, fourth
    assert rows(db, "SELECT count(*) AS n FROM articles")[0]["n"] == 3


def test_listing_wait_doubles_with_each_quiet_fetch_up_to_the_cap():
    policy = Policy(listing_hours=1, listing_max_hours=10)
    waits = [listing_wait(Known(outcome="skipped", fetched_at="x", listing_quiet=n), policy)[0]
             for n in range(1, 7)]
    assert waits == [timedelta(hours=h) for h in (1, 2, 4, 8, 10, 10)]
    assert listing_wait(Known(outcome="skipped", fetched_at="x", listing_quiet=0), policy) is None
    checked = (NOW - timedelta(hours=3)).isoformat()

    def known(quiet):
        return Known(outcome="skipped", fetched_at=checked, listing_quiet=quiet,
                     listing_checked_at=checked)

    held = decide(known(3), hint=None, now=NOW, recheck_days=2, policy=policy)  # waits 4 h
    assert not held.fetch and "no new link on 3 fetch(es) in a row" in held.reason
    assert decide(known(2), hint=None, now=NOW, recheck_days=2, policy=policy).fetch  # 2 h
    # a listing page that now answers 404 waits by the failure rules, not these
    gone = Known(outcome="error", status=404, failures=1, fetched_at=checked, listing_quiet=3,
                 listing_checked_at=checked)
    assert decide(gone, hint=None, now=NOW, recheck_days=2, policy=policy).fetch is False
    assert listing_wait(gone, policy) is None


def _busy(handler):
    """A server that rate-limits us for an hour."""
    body = b"<html><body>slow down</body></html>"
    handler.send_response(429)
    handler.send_header("Retry-After", "3600")
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
    return 429


def test_long_retry_after_holds_the_host_in_this_run_and_the_next(tmp_path):
    """A 429 with Retry-After: 3600 (longer than a run waits): nothing more goes to the host in
    that run, the next run sends it no request at all (robots.txt included) and says why,
    `ingest frontier` shows the hold, and lifting it makes the next run crawl again."""
    recent = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat(timespec="seconds")
    stories = tuple(_story(f"story-number-{i}") for i in range(8))
    with TestSite() as site:
        site.set("/robots.txt", "User-agent: *\n", "text/plain")
        site.set("/", listing_html("Home", stories))
        for path in stories:
            site.set(path, article_html(path, published=PUBLISHED, body=path))
        # the sitemap's entry outranks the home page's links: it is asked for first
        site.set("/sitemap.xml", sitemap([(site.url("/busy/"), recent)]), "application/xml")
        site.faults["/busy/"] = _busy
        sites = tmp_path / "sites.toml"
        sites.write_text(f'[sites.busy]\nstart_urls = ["{site.url("/")}"]\n'
                         f'sitemaps = ["{site.url("/sitemap.xml")}"]\n')
        db = tmp_path / "news.db"
        first = crawl(db, site="busy", sites_file=str(sites), settings=ONE_AT_A_TIME)
        assert first.returncode == 0, first.stderr
        hits = list(site.hits)
        busy_at = [i for i, h in enumerate(hits) if h.path == "/busy/"]
        assert len(busy_at) == 1, [h.path for h in hits]        # not retried at once
        # one request may already be on its way when the answer comes; no more than that
        assert len(hits) - busy_at[0] - 1 <= 1, [h.path for h in hits]
        [page] = rows(db, "SELECT outcome, status FROM pages WHERE url = ?", site.url("/busy/"))
        assert (page["outcome"], page["status"]) == ("error", 429)
        [hold] = rows(db, "SELECT target, scope, until, status, reason FROM retry_holds")
        until = datetime.fromisoformat(hold["until"])
        assert (hold["target"], hold["scope"], hold["status"]) == ("127.0.0.1", "host", 429)
        assert timedelta(minutes=55) < until - datetime.now(timezone.utc) <= timedelta(hours=1)
        assert "Retry-After 3600 s" in hold["reason"]

        site.reset_counts()
        second = crawl(db, site="busy", sites_file=str(sites), settings=ONE_AT_A_TIME)
        assert second.returncode == 0, second.stderr      # waiting as asked is no failure
        assert site.hits == [], [h.path for h in site.hits]
        assert f"held by its server until {hold['until']}" in second.stderr, second.stderr

        shown = _frontier(db)
        assert f"host 127.0.0.1: no request before {hold['until']}" in shown, shown
        lifted = CliRunner().invoke(main, ["frontier", "reset", "--db", str(db),
                                           "--host", "127.0.0.1"])
        assert lifted.exit_code == 0 and "1 host hold(s) lifted" in lifted.output, lifted.output
        site.faults.clear()
        site.set("/busy/", listing_html("Not busy any more", ()))
        third = crawl(db, site="busy", sites_file=str(sites))
        assert third.returncode == 0, third.stderr
        again = site.counts()
    assert {p for p in again if p.startswith("/news/")} == set(stories), again
    assert again["/busy/"] == 1
    assert rows(db, "SELECT count(*) AS n FROM retry_holds")[0]["n"] == 0
    assert rows(db, "SELECT count(*) AS n FROM articles")[0]["n"] == 8


def test_a_hold_ends_at_its_time(tmp_path):
    state = CrawlState(tmp_path / "news.db")
    try:
        now = datetime.now(timezone.utc)
        state.hold("A.example", scope="host", until=(now + timedelta(minutes=5)).isoformat(),
                   status=429, url="https://a.example/x", reason="HTTP 429")
        state.hold("https://b.example/y", scope="url",
                   until=(now - timedelta(seconds=1)).isoformat(), status=503,
                   url="https://b.example/y", reason="HTTP 503")
        assert [h.target for h in state.holds(now)] == ["a.example"]
        assert state.holds(now + timedelta(minutes=6)) == []
        assert len(state.holds()) == 2
    finally:
        state.close()


def _down_for_an_hour(handler):
    TestSite._send(handler, 503, b"maintenance", "text/plain", {"Retry-After": "3600"})
    return 503


def test_long_retry_after_on_a_503_holds_that_url_only_across_runs(tmp_path):
    """A 503 is one page's trouble: the next run asks the rest of the site as usual but not
    that URL, until its time; `ingest frontier reset URL` lifts the hold."""
    with TestSite() as site:
        site.set("/robots.txt", "User-agent: *\n", "text/plain")
        site.set("/", listing_html("Home", (_story("up"), "/down/")))
        site.set(_story("up"), article_html("Up", published=PUBLISHED, body="up"))
        site.faults["/down/"] = _down_for_an_hour
        sites = tmp_path / "sites.toml"
        sites.write_text(f'[sites.down]\nstart_urls = ["{site.url("/")}"]\n')
        db = tmp_path / "news.db"
        assert crawl(db, site="down", sites_file=str(sites)).returncode == 0
        assert site.count("/down/") == 1 and site.count(_story("up")) == 1
        [hold] = rows(db, "SELECT target, scope, status FROM retry_holds")
        assert (hold["target"], hold["scope"], hold["status"]) == (site.url("/down/"), "url", 503)
        site.reset_counts()
        second = crawl(db, site="down", sites_file=str(sites))
        assert second.returncode == 0, second.stderr
        assert "/" in site.counts() and site.count("/down/") == 0, site.counts()
        assert f"url {site.url('/down/')}: no request before " in _frontier(db)
        reset = CliRunner().invoke(main, ["frontier", "reset", "--db", str(db),
                                          site.url("/down/")])
        assert reset.exit_code == 0 and "1 URL(s) reset" in reset.output, reset.output
        site.faults.clear()
        site.reset_counts()
        assert crawl(db, site="down", sites_file=str(sites)).returncode == 0
        assert site.count("/down/") == 1
    assert rows(db, "SELECT count(*) AS n FROM retry_holds")[0]["n"] == 0
