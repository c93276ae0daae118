"""Structured data on a page: JSON-LD, OpenGraph, ``article:*`` and other meta tags, microdata.

``read_metadata(root)`` reads them once into a ``PageMetadata``; the field extractors ask it
for candidates, each with the name of its source for ``provenance``. JSON-LD is read with the
json module rather than extruct: extruct re-parses the page for every syntax, which costs more
than the whole of our extraction, and we need only a few properties.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from .text import fold, plain_text

# schema.org types that describe the page's article (most specific first is not needed:
# any of them marks the node that carries headline, author and dates).
ARTICLE_TYPES = frozenset(
    """Article NewsArticle ReportageNewsArticle AnalysisNewsArticle OpinionNewsArticle
    ReviewNewsArticle BackgroundNewsArticle BlogPosting LiveBlogPosting TechArticle
    ScholarlyArticle Report SocialMediaPosting DiscussionForumPosting SatiricalArticle
    AdvertiserContentArticle""".split()
)
# Types that are the page itself; their properties serve when no article node exists.
PAGE_TYPES = frozenset("WebPage ItemPage CollectionPage".split())

# A JSON-LD block larger than this is not read (hostile pages); real ones are far smaller.
MAX_JSONLD_CHARS = 2_000_000
# How deep into nested JSON-LD we look for typed nodes.
MAX_JSONLD_DEPTH = 12

_TRAILING_COMMA = re.compile(r",\s*([}\]])")


@dataclass
class PageMetadata:
    jsonld_article: dict = field(default_factory=dict)
    jsonld_page: dict = field(default_factory=dict)
    jsonld_by_id: dict = field(default_factory=dict)
    jsonld_types: set = field(default_factory=set)
    meta: dict[str, list[str]] = field(default_factory=dict)
    itemprops: dict[str, list] = field(default_factory=dict)
    canonical: str | None = None
    html_lang: str | None = None
    title: str | None = None

    def meta_first(self, *names: str) -> tuple[str, str] | None:
        """The first non-empty meta value among ``names``, with its source name."""
        for name in names:
            for value in self.meta.get(name, ()):
                value = plain_text(value)
                if value:
                    return value, f"meta:{name}"
        return None

    def meta_all(self, name: str) -> list[str]:
        values = (plain_text(v) for v in self.meta.get(name, ()))
        return [v for v in values if v]

    def jsonld(self, key: str):
        """A property of the article node (or, failing that, the page node), resolved."""
        for node in (self.jsonld_article, self.jsonld_page):
            if key in node and node[key] not in (None, "", []):
                return self.resolve(node[key])
        return None

    def resolve(self, value):
        """Replace {"@id": ...} references by the node they name, where the page has it."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value[:50]]
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and "@id" in value:
            return self.jsonld_by_id.get(value["@id"], value)
        return value


def _node_types(node: dict) -> set[str]:
    t = node.get("@type")
    if isinstance(t, str):
        t = [t]
    if not isinstance(t, list):
        return set()
    # "http://schema.org/NewsArticle" and "schema:NewsArticle" both name NewsArticle.
    return {x.rsplit("/", 1)[-1].rsplit(":", 1)[-1] for x in t if isinstance(x, str)}


def _walk_nodes(data, depth=0):
    """Every dict with an @type inside a JSON-LD document (graphs, lists, nesting)."""
    stack = [(data, depth)]
    while stack:
        item, d = stack.pop()
        if d > MAX_JSONLD_DEPTH:
            continue
        if isinstance(item, list):
            stack.extend((x, d + 1) for x in reversed(item[:200]))
        elif isinstance(item, dict):
            if "@type" in item:
                yield item
            for key in ("@graph", "mainEntity", "hasPart", "itemListElement"):
                if key in item:
                    stack.append((item[key], d + 1))


def _load_json(text: str):
    text = text.strip().removeprefix("<!--").removesuffix("-->").strip().rstrip(";")
    if not text or len(text) > MAX_JSONLD_CHARS:
        return None
    try:
        return json.loads(text, strict=False)
    except (ValueError, RecursionError):
        pass
    try:  # the commonest hand-written mistake: a trailing comma
        return json.loads(_TRAILING_COMMA.sub(r"\1", text), strict=False)
    except (ValueError, RecursionError):
        return None


def _score_article_node(node: dict) -> int:
    # Prefer the node that carries the article's own content over a teaser of another one.
    return (
        2 * bool(node.get("articleBody"))
        + bool(node.get("headline"))
        + bool(node.get("datePublished"))
        + bool(node.get("author"))
    )


def read_jsonld(root, md: PageMetadata) -> None:
    articles, pages = [], []
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        data = _load_json(script.text or "")
        if data is None:
            continue
        for node in _walk_nodes(data):
            types = _node_types(node)
            md.jsonld_types |= types
            node_id = node.get("@id")
            if isinstance(node_id, str):
                md.jsonld_by_id.setdefault(node_id, node)
            if types & ARTICLE_TYPES:
                articles.append(node)
            elif types & PAGE_TYPES:
                pages.append(node)
    if articles:
        md.jsonld_article = max(articles, key=_score_article_node)
    if pages:
        md.jsonld_page = pages[0]


def read_meta(root, md: PageMetadata) -> None:
    head_or_root = root
    for meta in head_or_root.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        content = meta.get("content")
        if key and content is not None:
            md.meta.setdefault(key.strip().lower(), []).append(content)
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel and link.get("href") and md.canonical is None:
            md.canonical = link.get("href").strip()


# Microdata properties we read (itemprop on visible elements, not <meta>).
ITEMPROPS = ("headline", "name", "author", "datePublished", "dateModified", "articleBody",
             "articleSection", "keywords", "description")


def read_microdata(root, md: PageMetadata) -> None:
    for el in root.xpath("//*[@itemprop]"):
        for prop in (el.get("itemprop") or "").split():
            if prop in ITEMPROPS:
                md.itemprops.setdefault(prop, []).append(el)


def read_metadata(root) -> PageMetadata:
    md = PageMetadata()
    title = root.find(".//title")
    if title is not None:
        md.title = fold("".join(title.itertext())) or None
    read_jsonld(root, md)
    read_meta(root, md)
    read_microdata(root, md)
    html_el = root if root.tag == "html" else next(iter(root.xpath("/html")), None)
    if html_el is not None:
        md.html_lang = (html_el.get("lang") or html_el.get("xml:lang") or "").strip() or None
    return md


def jsonld_text(value) -> str | None:
    """A JSON-LD property as one string (first of a list, name of an object)."""
    if isinstance(value, list):
        for v in value:
            t = jsonld_text(v)
            if t:
                return t
        return None
    if isinstance(value, dict):
        return jsonld_text(value.get("name") or value.get("@value"))
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return plain_text(str(value)) or None
    return None
