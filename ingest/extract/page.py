"""A fetched page, parsed once: its text decoded, its tree, its metadata.

A crawl hands each HTML response to ``parse_page`` once; the page's kind
(``ingest.extract.pagekind``), its record and the fingerprints template learning counts
(``ingest.extract.extract_page``) are all read from that one tree.

**The order in which the tree is changed** (the one place it is written down; the stages
run in this order and no other code changes the tree):

1. ``parse_page``: the bytes are parsed as they are when they are UTF-8 (no decode and
   encode round trip), else decoded (HTTP charset, BOM, ``<meta charset>``, then a guess)
   and cut to ``MAX_HTML_CHARS``; NUL bytes are dropped and start tags past
   ``MAX_ATTRIBUTES`` attributes cut before libxml2 sees them; comments and processing
   instructions are left out by the parser; elements nested deeper than ``MAX_DEPTH`` are
   flattened. ``metadata`` (JSON-LD, meta tags, microdata, ``<link rel=canonical>``) is read
   here, on the whole tree: the next step removes ``<script>`` and ``<head>``.
2. ``ParsedPage.strip_junk`` (``ingest.extract.chrome.strip_junk``), the first step of
   extraction: scripts, styles, ``<head>``, form controls and hidden elements are removed.
   Everything after this (headline, byline, dates, section, body blocks, chrome marks,
   fingerprints) reads the stripped tree and changes no element: chrome and template are
   marks on the blocks, not removals.

Pure: no Scrapy, no network, no state kept between calls.
"""

from __future__ import annotations

from dataclasses import dataclass

from w3lib.encoding import html_to_unicode, http_content_type_encoding

from . import chrome
from .metadata import PageMetadata, read_metadata


@dataclass
class ParsedPage:
    url: str
    root: object                  # the lxml tree (``ingest.extract.parse_html``)
    metadata: PageMetadata        # read before junk is stripped
    stripped: bool = False        # step 2 above has run

    def strip_junk(self) -> None:
        """Step 2 of the tree's changes (module docstring); runs once whoever asks."""
        if not self.stripped:
            chrome.strip_junk(self.root)
            self.stripped = True


def parse_page(html: bytes | str, url: str, *, content_type: str | None = None) -> ParsedPage:
    """Step 1 (module docstring). ``content_type`` is the response's Content-Type header,
    whose charset decides how bytes that are not UTF-8 are decoded (as Scrapy's
    ``response.text`` does)."""
    from . import MAX_HTML_CHARS, parse_html, utf8_bytes

    if isinstance(html, (bytes, bytearray, memoryview)):
        html = bytes(html)
        raw = utf8_bytes(html) if _charset_allows_utf8(content_type) else None
        text = raw[:MAX_HTML_CHARS] if raw is not None else \
            html_to_unicode(content_type, html)[1][:MAX_HTML_CHARS]
    else:
        text = html[:MAX_HTML_CHARS]
    if not text.strip():
        text = "<html></html>"
    root = parse_html(text, url)
    return ParsedPage(url=url, root=root, metadata=read_metadata(root))


def _charset_allows_utf8(content_type: str | None) -> bool:
    """False when the HTTP header names a charset other than UTF-8 (it wins over the page's
    own declaration, as in Scrapy and browsers)."""
    if not content_type:
        return True
    declared = http_content_type_encoding(content_type)
    return declared is None or declared == "utf-8"
