"""Request priorities: which of a site's candidate URLs a polite crawl fetches first (issue 13).

A polite crawl makes a few requests a second per site, so its requests are its budget. Scrapy
fetches higher ``Request.priority`` first (it is in the request, so a shared scheduler keeps
the order too). The tiers, highest first, and why:

- DISCOVERY: feeds and sitemaps themselves: each one names many articles at once;
- LISTED: entries of news sitemaps and feeds, and sitemap entries with a recent ``lastmod``:
  the publisher says these are (new) articles;
- SITEMAP: other sitemap entries: articles, but perhaps old ones;
- ARTICLE_SHAPE: links whose URL has the shape of the site's stored articles (learned from
  its own article URLs in the database; ``article_urls`` patterns of sites.toml);
- LISTING: start and listing pages: how new articles are found when there is no feed;
- OTHER: everything else (tags, authors, sections, pagination...): mostly not articles.

No Scrapy here: pure functions over URLs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

DISCOVERY = 500
LISTED = 400
SITEMAP = 300
ARTICLE_SHAPE = 200
LISTING = 100
OTHER = 0

# A sitemap entry whose lastmod is within this many days counts as news (LISTED): news
# sitemaps hold two days of articles by Google's rules; a week allows for slow sites.
RECENT_LASTMOD_DAYS = 7
# Document kinds (ingest.crawl.discovery) whose every entry is a fresh article.
NEWS_KINDS = frozenset({"news-sitemap", "rss", "atom"})
# How many of the site's stored article URLs are read to learn their shapes: enough to see
# every template a site uses, few enough to read at start in milliseconds.
SHAPE_SAMPLE = 2000

_DIGITS = re.compile(r"^\d+$")
_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+){2,}$", re.I)  # three or more words


def _segment(seg: str) -> str:
    """One path segment's shape: years, months and ids by their digits, slugs as 'slug'."""
    stem, dot, ext = seg.rpartition(".")
    if not dot or "/" in ext or len(ext) > 5:
        stem, ext = seg, ""
    if _DIGITS.match(stem):
        kind = f"d{len(stem)}"
    elif _SLUG.match(stem):
        kind = "slug"
    else:
        kind = f"={stem.lower()}"   # a fixed word (section name): only the first one counts
    return kind + (f".{ext.lower()}" if ext else "")


def url_shape(url: str) -> tuple[str, ...] | None:
    """The shape of an article-like URL: path depth, date segments, slug; None without a slug
    or number at the end (a section, tag or home page)."""
    segs = [s for s in urlsplit(url).path.split("/") if s]
    if not segs:
        return None
    shape = tuple(_segment(s) for s in segs)
    if shape[-1].startswith("="):
        return None
    # Words other than the first are free (a section name inside a dated path).
    return (shape[0],) + tuple("word" if s.startswith("=") else s for s in shape[1:])


class ArticleShapes:
    """The URL shapes of one site's stored articles, plus its ``article_urls`` patterns."""

    def __init__(self, urls: Iterable[str] = (), patterns: Iterable[str] = ()):
        self.shapes = {s for s in map(url_shape, urls) if s is not None}
        self.patterns = [re.compile(p) for p in patterns]

    def matches(self, url: str) -> bool:
        if any(p.search(url) for p in self.patterns):
            return True
        shape = url_shape(url)
        return shape is not None and shape in self.shapes


def entry_priority(kind: str, lastmod: str | None, now: datetime) -> int:
    """Priority of a feed or sitemap entry (``kind``: ingest.crawl.discovery Document.kind)."""
    if kind in NEWS_KINDS:
        return LISTED
    if lastmod:
        try:
            when = datetime.fromisoformat(lastmod)
        except ValueError:
            when = None
        if when is not None and when.tzinfo and now - when <= timedelta(days=RECENT_LASTMOD_DAYS):
            return LISTED
    return SITEMAP


def link_priority(url: str, shapes: ArticleShapes, *, listing_hint: bool = False) -> int:
    """Priority of a followed link."""
    if shapes.matches(url):
        return ARTICLE_SHAPE
    if listing_hint:
        return LISTING
    return OTHER
