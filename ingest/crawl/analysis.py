"""What the spider learns from one fetched page before it decides anything: the feeds it
announces, whether it is a listing, the extracted article, the links to follow.

Computing it needs only the page and the site profile (no database), so a distributed worker
computes it and the coordinator routes it (spiders/news.py ``analyse`` and ``route``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.extract.template import PageBlock
from ingest.items import Article


@dataclass
class PageAnalysis:
    feeds: list[str] = field(default_factory=list)
    listing: str | None = None          # the page-kind reason when it is a listing page
    article: Article | None = None
    extract_error: str | None = None    # the extraction budget's message when it ran out
    links: list[str] = field(default_factory=list)   # links to consider (depth allowing)
    fingerprints: list[PageBlock] | None = None   # the article's template fingerprints
