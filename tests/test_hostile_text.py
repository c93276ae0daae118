"""Issue 16 item 7: C1 controls and bidi overrides never reach stored text, control and
markup characters in URLs are percent-encoded, and a stored ETag / Last-Modified holding
NUL or DEL is never echoed into a conditional request. Real crawls of a 127.0.0.1 site."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from ingest.crawl.schedule import Known, conditional_headers
from ingest.extract import extract_article
from ingest.extract.text import normalise, plain_text

from .conftest import rows
from .servers import TestSite, crawl

# C1 controls (CSI U+009B, NEL U+0085), bidi overrides and isolates.
HOSTILE = "\u009b\u0085\u202e\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069"
BAD_CHARS = re.compile("[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]")


def hostile_page(now: str) -> str:
    h = HOSTILE
    paras = "".join(
        f"<p>Paragraph {i} {h}of the story about chips, with enough words to count as an "
        "article body for the validate pipeline, which wants eighty words at least; so this "
        f"sentence goes on about fabs, wafers and yields for a while longer.{h}</p>"
        for i in range(4))
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Chips{h} news</title><meta property='og:type' content='article'>"
        f"<meta property='article:published_time' content='{now}'>"
        f"<meta property='article:section' content='Hard{h}ware'>"
        f"<meta property='article:tag' content='sili{h}con'>"
        "<link rel='canonical' href='/a\x01\x1b[31m<script>alert(1)</script>.html'>"
        "</head><body><article>"
        f"<h1>Chips{h} news</h1>"
        f"<p class='byline'>By <a href='/author/sam\x01\"<b>'>Sam{h} Rivera</a>, "
        f"Senior{h} Editor</p>"
        f"<time datetime='{now}'>{now}</time><h2>Fabs{h} today</h2>{paras}</article>"
        "</body></html>")


def test_text_helpers_drop_c1_and_bidi_controls():
    assert normalise(f"a{HOSTILE}b") == "ab"
    assert plain_text(f"<b>a{HOSTILE}</b>b") == "ab"
    # Direction marks (not overrides) and ordinary non-ASCII text stay.
    assert normalise("\u200fשלום é ü") == "\u200fשלום é ü"


def test_conditional_headers_never_echo_controls():
    def known(etag, modified):
        return Known(outcome="stored", fetched_at="2026-01-01T00:00:00+00:00",
                     is_article=True, etag=etag, last_modified=modified)

    assert conditional_headers(known('"abc"', "Wed, 15 Jan 2025 09:00:00 GMT")) == {
        "If-None-Match": '"abc"', "If-Modified-Since": "Wed, 15 Jan 2025 09:00:00 GMT"}
    assert conditional_headers(known('"a\x00b"', "Wed, 15 Jan\x7f 2025")) == {}


def test_extracted_urls_are_percent_encoded():
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    art = extract_article(hostile_page(now), "http://127.0.0.1:9/news/x.html")
    assert art.canonical_url == ("http://127.0.0.1:9/a%01%1B%5B31m%3Cscript%3Ealert(1)"
                                 "%3C/script%3E.html")
    assert all(not re.search(r"[\x00-\x20\x7f<>\"]", a.url or "") for a in art.authors)


def test_crawl_stores_no_c1_or_bidi_controls_and_no_raw_url_controls(tmp_path):
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    db = tmp_path / "news.db"
    with TestSite() as site:
        site.set("/", "<html><body><a href='/news/x.html'>x</a></body></html>")
        site.set("/news/x.html", hostile_page(now),
                 headers={"ETag": '"v1\x00\x7f"', "Last-Modified": "Wed, 15\x00 Jan 2025"})
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(f'[sites.t]\nstart_urls = ["{site.url("/")}"]\n')
        first = crawl(db, site="t", sites_file=sites_file)
        assert first.returncode == 0, first.stderr[-3000:]
        [art] = rows(db, "select * from articles")
        values = [art[k] for k in ("headline", "byline", "section", "summary", "body_text",
                                   "tags")]
        values += [v for r in rows(db, "select name, url from authors") for v in r.values()]
        values += [r["role"] for r in rows(db, "select role from article_authors")]
        for r in rows(db, "select heading, paragraphs from sections"):
            values += [r["heading"], " ".join(json.loads(r["paragraphs"]))]
        values = [v for v in values if isinstance(v, str)]
        assert len(values) >= 8 and "Rivera" in " ".join(values)
        assert "Chips news" == art["headline"] and "Hardware" == art["section"]
        assert json.loads(art["tags"]) == ["silicon"]
        for value in values:
            assert not BAD_CHARS.search(value), value
        for url in [art["canonical_url"], art["url"],
                    *[r["canonical_url"] for r in rows(db, "select canonical_url from pages")
                      if r["canonical_url"]]]:
            assert not re.search(r"[\x00-\x20\x7f<>\"]", url), url
        # Second crawl: the young article is rechecked; the server's NUL/DEL-bearing ETag and
        # Last-Modified are not sent back.
        site.reset_counts()
        second = crawl(db, site="t", sites_file=sites_file)
        assert second.returncode == 0, second.stderr[-3000:]
        refetches = site.requests_to("/news/x.html")
        assert refetches, site.counts()
        for hit in refetches:
            for name, value in hit.headers.items():
                assert not re.search(r"[\x00-\x08\x0a-\x1f\x7f]", value), (name, value)
