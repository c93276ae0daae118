"""ingest.crawl.discovery: feeds and sitemaps parsed safely, with the dates kept per URL."""

import gzip

import parsel
import pytest

from ingest.crawl.discovery import (
    DiscoveryError,
    feed_links,
    gunzip,
    iso_date,
    parse_document,
    robots_sitemaps,
)

BASE = "https://news.example/"


def test_rss_items_with_pubdate_and_relative_links():
    doc = parse_document(b"""<?xml version="1.0"?><rss version="2.0"><channel>
        <item><title>A</title><link>https://news.example/a</link>
              <pubDate>Wed, 02 Jul 2025 18:25:00 +0100</pubDate></item>
        <item><title>B</title><link>/b</link></item>
        <item><title>C</title><guid isPermaLink="true">https://news.example/c</guid></item>
        <item><title>no link</title><guid isPermaLink="false">x1</guid></item>
        </channel></rss>""", BASE + "feed")
    assert doc.kind == "rss"
    assert [e.url for e in doc.entries] == [BASE + "a", BASE + "b", BASE + "c"]
    assert doc.entries[0].lastmod == "2025-07-02T17:25:00+00:00"
    assert doc.entries[0].published_at == "2025-07-02T17:25:00+00:00"
    assert doc.entries[0].title == "A"
    assert doc.entries[1].lastmod is None


def test_atom_entries_take_alternate_link_and_newest_date():
    doc = parse_document(b"""<feed xmlns="http://www.w3.org/2005/Atom">
        <entry><title>A</title><link rel="self" href="/self"/>
          <link rel="alternate" href="https://news.example/a"/>
          <published>2025-07-01T10:00:00Z</published><updated>2025-07-03T10:00:00Z</updated>
        </entry></feed>""", BASE)
    assert doc.kind == "atom"
    [entry] = doc.entries
    assert entry.url == BASE + "a"
    assert entry.lastmod == "2025-07-03T10:00:00+00:00"
    assert entry.published_at == "2025-07-01T10:00:00+00:00"


def test_sitemap_index_lists_child_sitemaps():
    doc = parse_document(b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
        <sitemap><loc>https://news.example/s1.xml.gz</loc><lastmod>2025-07-02</lastmod></sitemap>
        <sitemap><loc>https://news.example/news.xml</loc></sitemap></sitemapindex>""", BASE)
    assert doc.kind == "sitemap-index" and not doc.entries
    assert [s.url for s in doc.sitemaps] == [BASE + "s1.xml.gz", BASE + "news.xml"]
    assert doc.sitemaps[0].lastmod == "2025-07-02T00:00:00+00:00"


def test_gzipped_sitemap_with_lastmod():
    xml = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
           b"<url><loc>https://news.example/a</loc><lastmod>2025-07-02T18:25:00+02:00</lastmod>"
           b"</url><url><loc>https://news.example/b</loc></url></urlset>")
    doc = parse_document(gzip.compress(xml), BASE + "s.xml.gz")
    assert doc.kind == "sitemap"
    assert [(e.url, e.lastmod) for e in doc.entries] == [
        (BASE + "a", "2025-07-02T16:25:00+00:00"), (BASE + "b", None)]


def test_news_sitemap_keeps_title_and_publication_date():
    doc = parse_document(b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url>
        <loc>https://news.example/a</loc><news:news><news:publication><news:name>N</news:name>
        </news:publication><news:publication_date>2025-07-02T18:25:00+00:00</news:publication_date>
        <news:title>Chip maker raises</news:title></news:news></url></urlset>""", BASE)
    assert doc.kind == "news-sitemap"
    [e] = doc.entries
    assert (e.title, e.published_at, e.lastmod) == (
        "Chip maker raises", "2025-07-02T18:25:00+00:00", "2025-07-02T18:25:00+00:00")


def test_non_http_locations_are_ignored():
    doc = parse_document(b'<urlset><url><loc>javascript:alert(1)</loc></url>'
                         b'<url><loc>file:///etc/passwd</loc></url></urlset>', BASE)
    assert doc.entries == []


def test_entity_declarations_are_refused():
    xxe = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
        <rss><channel><item><link>&x;</link></item></channel></rss>"""
    with pytest.raises(DiscoveryError, match="entities"):
        parse_document(xxe, BASE)
    decls = b'<!ENTITY a "aaaaaaaaaa">' + b"".join(
        b'<!ENTITY %c "&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;">' % ((98 + i,) + (97 + i,) * 10)
        for i in range(9))
    laughs = (b'<?xml version="1.0"?><!DOCTYPE l [' + decls
              + b"]><urlset><url><loc>&j;</loc></url></urlset>")
    with pytest.raises(DiscoveryError, match="entities"):
        parse_document(laughs, BASE)


def test_gzip_bomb_is_refused():
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000 + b"</urlset>")
    assert len(bomb) < 10_000
    with pytest.raises(DiscoveryError, match="inflates beyond 1000000 bytes"):
        parse_document(bomb, BASE, max_bytes=1_000_000)
    assert gunzip(gzip.compress(b"ok"), 10) == b"ok"
    with pytest.raises(DiscoveryError, match="not valid gzip"):
        gunzip(b"\x1f\x8bnot gzip at all")


def test_not_a_feed_names_the_root():
    with pytest.raises(DiscoveryError, match="<html> is not a feed or sitemap"):
        parse_document(b"<html><body>hi</body></html>", BASE)
    with pytest.raises(DiscoveryError, match="not XML"):
        parse_document(b"", BASE)


def test_robots_sitemap_lines():
    text = ("User-agent: *\nDisallow: /private/\nSitemap: https://news.example/a.xml\n"
            "sitemap: /b.xml # relative\nSITEMAP: https://news.example/a.xml\n")
    assert robots_sitemaps(text, BASE + "robots.txt") == [BASE + "a.xml", BASE + "b.xml"]


def test_feed_links_from_html():
    sel = parsel.Selector(text="""<html><head>
        <link rel="alternate" type="application/rss+xml" href="/feed/">
        <link rel="alternate" type="application/atom+xml; charset=utf-8" href="atom.xml">
        <link rel="alternate" hreflang="de" href="/de/">
        <link rel="stylesheet" type="text/css" href="/s.css"></head></html>""")
    assert feed_links(sel, BASE + "news/") == [BASE + "feed/", BASE + "news/atom.xml"]


@pytest.mark.parametrize("value, expected", [
    ("2025-07-02", "2025-07-02T00:00:00+00:00"),
    ("2025-07-02T18:25:00Z", "2025-07-02T18:25:00+00:00"),
    ("2025-07-02T18:25:00-05:00", "2025-07-02T23:25:00+00:00"),
    ("Wed, 02 Jul 2025 18:25:00 GMT", "2025-07-02T18:25:00+00:00"),
    ("yesterday", None),
    ("", None),
])
def test_iso_date(value, expected):
    assert iso_date(value) == expected
