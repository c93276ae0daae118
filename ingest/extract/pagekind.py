"""Is a fetched HTML page an article, a listing (section, tag, author, archive page), or
unknown? The spider follows the links of every page, but hands only articles and unknown
pages to extraction and the pipelines: a listing is recorded as skipped, never stored.

"Unknown" is not a guess: the extraction result decides (the validate pipeline drops what is
not an article, with the reason). Pure: no Scrapy, no network, no state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from ingest.extract.metadata import ARTICLE_TYPES, PageMetadata, read_metadata

ARTICLE, LISTING, UNKNOWN = "article", "listing", "unknown"

# JSON-LD types that describe a page of links to other pages, not a story.
LISTING_TYPES = frozenset({"CollectionPage", "ItemList", "SearchResultsPage", "ProfilePage",
                           "Blog", "SiteNavigationElement"})
# og:type values that publishers use for articles.
ARTICLE_OG_TYPES = frozenset({"article", "news", "blog", "blogposting"})

# URL paths of section, tag, author and archive pages on common CMSs (WordPress, Ghost,
# Arc, Drupal). Why: these carry no article metadata to decide by, and many have enough text
# (teasers) to pass the validate step's word count. Applied to the path only.
# What each pattern means -> the pattern. The name is what the pages table, Datasette and
# the log show as the reason (a person reads "a tag or category path", not a regex).
LISTING_PATH_PATTERNS = {
    "a tag, topic, category, section, author, archive or series path":
        r"/(tag|tags|topic|topics|category|categories|section|sections|author|authors|"
        r"archive|archives|series)(/|$)",
    "a numbered listing page, e.g. /page/2": r"/page/\d+/?$",
    "the home page": r"^/?$",
    "a one-level section front, e.g. /news/ or /news/index.html": r"^/[^/]+/(index\.html?)?$",
}
_LISTING_PATHS = tuple((name, re.compile(p, re.I)) for name, p in LISTING_PATH_PATTERNS.items())


@dataclass(frozen=True)
class PageKind:
    kind: str     # ARTICLE, LISTING or UNKNOWN
    reason: str   # the evidence, for the pages table and the log


def classify(root, url: str, article_patterns: tuple = (), *,
             metadata: PageMetadata | None = None) -> PageKind:
    """Classify the parsed page ``root`` (lxml) fetched from ``url``; ``metadata`` is the
    page's, when the caller read it already (``ingest.extract.page.ParsedPage.metadata``:
    a crawl reads it once, for this and for extraction).

    Evidence in order: the site's article URL patterns (sites.toml ``article_urls``), JSON-LD
    types, og:type; then listing evidence: JSON-LD listing types, listing URL paths. Article
    evidence wins over listing evidence: an article at /news/index.html is still an article."""
    for pattern in article_patterns:
        if re.search(pattern, url):
            return PageKind(ARTICLE, "URL matches the site's article_urls (sites.toml)")
    md = metadata if metadata is not None else read_metadata(root)
    types = md.jsonld_types if isinstance(md.jsonld_types, set) else set(md.jsonld_types)
    article_types = sorted(types & ARTICLE_TYPES)
    if article_types:
        return PageKind(ARTICLE, f"JSON-LD type {article_types[0]}")
    og_type = (md.meta_first("og:type") or ("", ""))[0].lower()
    if og_type in ARTICLE_OG_TYPES:
        return PageKind(ARTICLE, f"og:type={og_type}")
    listing_types = sorted(types & LISTING_TYPES)
    if listing_types:
        return PageKind(LISTING, f"JSON-LD type {listing_types[0]}")
    path = urlsplit(url).path
    for name, pattern in _LISTING_PATHS:
        if pattern.search(path):
            return PageKind(LISTING, f"listing URL: {name}")
    return PageKind(UNKNOWN, "no article or listing evidence; extraction decides")
