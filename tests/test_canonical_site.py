"""Issue 16 item 1: a page's rel=canonical / og:url counts only on the page's own site (its
host without www., or the `hosts` of its sites.toml profile). Real crawls of two sites on
127.0.0.1 and 127.0.0.2: site B's page claiming site A's URL cannot overwrite A's article,
and a canonical naming a host never crawled does not create a record of that host."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ingest.extract import extract_article
from ingest.sites import SitesError, parse_site

from .conftest import rows
from .servers import TestSite, article_html, crawl

PUBLISHED = "2025-03-01T09:00:00+00:00"


class SiteOn(TestSite):
    """A TestSite bound to another loopback address (a second host name for site_of)."""
    __test__ = False

    def __init__(self, host: str):
        super().__init__()
        self.host = host

    def start(self) -> str:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # noqa: A002
                pass

            def do_GET(self):  # noqa: N802
                site._answer(self)

        self.server = ThreadingHTTPServer((self.host, 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base_url = f"http://{self.host}:{self.server.server_address[1]}/"
        return self.base_url


def with_head(page: str, extra_head: str) -> str:
    return page.replace("</head>", extra_head + "</head>", 1)


@pytest.fixture(scope="module")
def two_sites(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("canonical")
    db = tmp / "news.db"
    with TestSite() as a, SiteOn("127.0.0.2") as b:
        a_url = a.url("/news/original.html")
        a.set("/", f"<html><body><a href='{a_url}'>story</a></body></html>")
        a.set("/news/original.html", with_head(
            article_html("Original story from A", published=PUBLISHED, body="Original A."),
            f"<link rel='canonical' href='{a_url}'>"))
        b.set("/", "<html><body><a href='/copy.html'>c</a> <a href='/ghost.html'>g</a>"
                   "</body></html>")
        b.set("/copy.html", with_head(
            article_html("Hijacked headline from B", published=PUBLISHED, body="Fake B."),
            f"<link rel='canonical' href='{a_url}'>"))
        b.set("/ghost.html", with_head(
            article_html("Ghost story from B", published=PUBLISHED, body="Ghost B."),
            "<meta property='og:url' content='https://uncrawled.example/ghost.html'>"))
        sites_file = tmp / "sites.toml"
        sites_file.write_text(f'[sites.a]\nstart_urls = ["{a.url("/")}"]\n'
                              f'[sites.b]\nstart_urls = ["{b.url("/")}"]\n')
        first = crawl(db, site="a", sites_file=sites_file)
        assert first.returncode == 0, first.stderr[-3000:]
        before = rows(db, "select * from articles")
        second = crawl(db, site="b", sites_file=sites_file)
        assert second.returncode == 0, second.stderr[-3000:]
        yield {"db": db, "a_url": a_url, "b": b, "before": before}


def test_other_sites_canonical_claim_does_not_overwrite_the_article(two_sites):
    db, a_url = two_sites["db"], two_sites["a_url"]
    [original] = two_sites["before"]
    assert original["canonical_url"] == a_url
    now = rows(db, "select * from articles where canonical_url = ?", a_url)
    assert len(now) == 1
    assert now[0]["headline"] == "Original story from A"
    assert now[0]["body_text"] == original["body_text"]
    assert now[0]["content_hash"] == original["content_hash"]
    assert len(rows(db, "select * from revisions where article_id = ?", original["id"])) == 1
    # B's page is its own article, keyed by its own URL, with the claim kept as data.
    copy_url = two_sites["b"].url("/copy.html")
    [copy] = rows(db, "select * from articles where canonical_url = ?", copy_url)
    assert copy["site"] == "127.0.0.2" and copy["headline"] == "Hijacked headline from B"
    assert f"link:canonical names another site: {a_url}" in copy["provenance"]


def test_canonical_on_an_uncrawled_host_creates_no_record_of_that_host(two_sites):
    db = two_sites["db"]
    assert rows(db, "select * from articles where site like '%uncrawled%' "
                    "or canonical_url like '%uncrawled%'") == []
    ghost_url = two_sites["b"].url("/ghost.html")
    [ghost] = rows(db, "select * from articles where canonical_url = ?", ghost_url)
    assert ghost["site"] == "127.0.0.2"
    assert "meta:og:url names another site: https://uncrawled.example/ghost.html" \
        in ghost["provenance"]
    assert {r["site"] for r in rows(db, "select site from articles")} == \
        {"127.0.0.1", "127.0.0.2"}


def test_profile_hosts_allow_canonical_on_the_sites_other_hosts():
    page = with_head(article_html("Mobile story", published=PUBLISHED),
                     "<link rel='canonical' href='https://www.example.com/story.html'>")
    profile = parse_site("example", {"start_urls": ["https://m.example.net/"],
                                     "hosts": ["example.com"]})
    art = extract_article(page, "https://m.example.net/story.html", profile)
    assert art.canonical_url == "https://www.example.com/story.html"
    assert art.site == "example.com" and art.provenance["canonical_url"] == "link:canonical"
    # Same host ignoring www.: counts without any profile.
    art = extract_article(page, "https://example.com/story.html?x=1")
    assert art.canonical_url == "https://www.example.com/story.html"
    # Without the profile's hosts the claim is refused and kept as data.
    art = extract_article(page, "https://m.example.net/story.html")
    assert art.canonical_url == "https://m.example.net/story.html"
    assert art.site == "m.example.net"
    assert "names another site" in art.provenance["canonical_url"]


@pytest.mark.parametrize("bad", ["https://example.com/", "example.com:8080", "exa mple.com",
                                 ""])
def test_profile_hosts_are_validated(bad):
    with pytest.raises(SitesError, match=r'hosts = \["m.example.com"\]'):
        parse_site("x", {"start_urls": ["https://example.com/"], "hosts": [bad]})
    with pytest.raises(SitesError, match="list of strings"):
        parse_site("x", {"start_urls": ["https://example.com/"], "hosts": [3]})
