"""The links a page's crawl follows, read from the page's own parsed tree.

Scrapy's ``LinkExtractor.extract_links(response)`` reads ``response.selector``, which decodes
the body and parses it a second time; the crawl has parsed the page already
(``ingest.extract.page``), so ``TreeLinkExtractor`` runs the same extraction over that tree.
It must run before extraction strips the tree (step 2 of ``ingest.extract.page``): hidden
elements and ``<template>`` hold links a crawl follows. tests/test_parsed_page.py checks
that it finds what ``extract_links`` finds on every fixture page.

``tree_link_urls`` is what the crawl calls: the URLs of those links only, the same list in
the same order, for less work per link. A page repeats its hrefs (a section link in the
menu, the footer and above each teaser), and Scrapy joins, quotes and filters each
occurrence and reads its text; here each distinct raw href is resolved once, no link text is
read, and whether a URL passes the allow/deny/domain filter is remembered across pages
(the menu's links are on every page).
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urljoin

import parsel
from scrapy.link import Link
from scrapy.linkextractors import LinkExtractor
from scrapy.utils.misc import arg_to_iter
from scrapy.utils.python import unique as unique_list
from w3lib.html import get_base_url, strip_html5_whitespace
from w3lib.url import canonicalize_url, safe_url_string

# What Scrapy's get_base_url reads of a page for its <base href> (scrapy.utils.response).
BASE_URL_PREFIX = 4096
# URLs whose filter verdict (allow/deny, domains, extensions) is remembered, per extractor:
# a site's menu and footer links recur on every page, and the cache stays this size however
# long the crawl (a few hundred KB).
ALLOWED_CACHE_URLS = 4096


class TreeLinkExtractor(LinkExtractor):
    """A LinkExtractor (same allow/deny/domain rules) that also reads a parsed tree."""

    def __init__(self, *args, tags=("a", "area"), attrs=("href",), deny_tags=(),
                 deny_attrs=(), **kwargs):
        super().__init__(*args, tags=tags, attrs=attrs, deny_tags=deny_tags,
                         deny_attrs=deny_attrs, **kwargs)
        tags, attrs = set(arg_to_iter(tags)), set(arg_to_iter(attrs))
        # tree_link_urls looks the tags up by name: only plain tag and attribute names, no
        # "*" and no denials (otherwise it takes extract_tree_links' way).
        plain = not (deny_tags or deny_attrs or "*" in tags or "*" in attrs)
        # "{*}a": lxml's any-namespace-or-none, as Scrapy strips a namespace off each tag.
        self._tag_names = (tuple(sorted(tags | {"{*}" + t for t in tags}))
                           if plain else None)
        self._attr_names = tuple(sorted(attrs)) if plain else None
        self._allowed = lru_cache(maxsize=ALLOWED_CACHE_URLS)(self._url_allowed)

    def extract_tree_links(self, root, url: str, body: bytes, encoding: str) -> list:
        """``extract_links`` of the response ``url``/``body``/``encoding`` whose parsed
        tree is ``root``, without parsing it again."""
        self._check_whole_tree()
        base_url = _base_url(body, url, encoding)
        # LinkExtractor.extract_links without restrict_xpaths, over our tree: the
        # extraction and filtering steps are its own.
        links = self._process_links(self._extract_links(
            parsel.Selector(root=root, type="html"), url, encoding, base_url))
        if self.link_extractor.unique:
            return unique_list(links, key=self.link_extractor.link_key)
        return links

    def tree_link_urls(self, root, url: str, body: bytes, encoding: str) -> list[str]:
        """``[link.url for link in extract_tree_links(...)]``, with each distinct raw href
        resolved once and no link text read."""
        self._check_whole_tree()
        le = self.link_extractor
        if self.restrict_text or not le.unique or self._tag_names is None:
            # The text decides (restrict_text), every occurrence counts (unique=False), or
            # tags are matched by rule: Scrapy's own way.
            return [link.url for link in self.extract_tree_links(root, url, body, encoding)]
        base_url = _base_url(body, url, encoding)
        raw_seen: set[str] = set()
        found: dict[str, None] = {}   # resolved URLs in first-seen order
        for el in root.iter(*self._tag_names):
            if len(self._attr_names) == 1:
                raw = el.get(self._attr_names[0])
                values = () if raw is None else (raw,)
            else:  # in the element's attribute order, as Scrapy's _iter_links
                values = [v for k, v in el.attrib.items() if k in self._attr_names]
            for raw in values:
                if raw in raw_seen:
                    continue
                raw_seen.add(raw)
                resolved = _resolve(le, raw, base_url, url, encoding)
                if resolved is not None:
                    found.setdefault(resolved)
        urls = [u for u in found if self._allowed(u)]
        if self.canonicalize:
            urls = unique_list(canonicalize_url(u) for u in urls)
        return urls

    def _url_allowed(self, url: str) -> bool:
        # Without restrict_text, Scrapy's filter reads the link's URL only.
        return self._link_allowed(Link(url))

    def _check_whole_tree(self) -> None:
        if self.restrict_xpaths:
            raise ValueError("TreeLinkExtractor reads the whole tree: restrict_xpaths and "
                             "restrict_css are not supported; use allow/deny patterns")


def _base_url(body: bytes, url: str, encoding: str) -> str:
    return get_base_url(body[:BASE_URL_PREFIX].decode(encoding, "replace"), url, encoding)


def _resolve(le, raw: str, base_url: str, url: str, encoding: str) -> str | None:
    """One href as Scrapy's LxmlParserLinkExtractor._extract_links makes it absolute (None:
    a link it skips)."""
    try:
        value = strip_html5_whitespace(raw) if le.strip else raw
        value = urljoin(base_url, value)
    except ValueError:
        return None
    value = le.process_attr(value)
    if value is None:
        return None
    try:
        value = safe_url_string(value, encoding=encoding)
    except ValueError:
        return None
    return urljoin(url, value)


def tree_selector(root) -> parsel.Selector:
    """A parsel selector over a parsed page's tree (feed links, site selectors)."""
    return parsel.Selector(root=root, type="html")
