"""The links a page's crawl follows, read from the page's own parsed tree.

Scrapy's ``LinkExtractor.extract_links(response)`` reads ``response.selector``, which decodes
the body and parses it a second time; the crawl has parsed the page already
(``ingest.extract.page``), so ``TreeLinkExtractor`` runs the same extraction over that tree.
It must run before extraction strips the tree (step 2 of ``ingest.extract.page``): hidden
elements and ``<template>`` hold links a crawl follows. tests/test_parsed_page.py checks
that it finds what ``extract_links`` finds on every fixture page.
"""

from __future__ import annotations

import parsel
from scrapy.linkextractors import LinkExtractor
from scrapy.utils.python import unique as unique_list
from w3lib.html import get_base_url

# What Scrapy's get_base_url reads of a page for its <base href> (scrapy.utils.response).
BASE_URL_PREFIX = 4096


class TreeLinkExtractor(LinkExtractor):
    """A LinkExtractor (same allow/deny/domain rules) that also reads a parsed tree."""

    def extract_tree_links(self, root, url: str, body: bytes, encoding: str) -> list:
        """``extract_links`` of the response ``url``/``body``/``encoding`` whose parsed
        tree is ``root``, without parsing it again."""
        if self.restrict_xpaths:
            raise ValueError("TreeLinkExtractor reads the whole tree: restrict_xpaths and "
                             "restrict_css are not supported; use allow/deny patterns")
        base_url = get_base_url(body[:BASE_URL_PREFIX].decode(encoding, "replace"), url,
                                encoding)
        # LinkExtractor.extract_links without restrict_xpaths, over our tree: the
        # extraction and filtering steps are its own.
        links = self._process_links(self._extract_links(
            parsel.Selector(root=root, type="html"), url, encoding, base_url))
        if self.link_extractor.unique:
            return unique_list(links, key=self.link_extractor.link_key)
        return links


def tree_selector(root) -> parsel.Selector:
    """A parsel selector over a parsed page's tree (feed links, site selectors)."""
    return parsel.Selector(root=root, type="html")
