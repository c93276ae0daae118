"""Discovery documents -> URLs to crawl: RSS and Atom feeds, XML sitemaps (indexes, gzipped,
Google News), robots.txt ``Sitemap:`` lines and ``<link rel="alternate">`` feed links.

Pure functions over bytes: no Scrapy, no network, no module state. These documents come from
servers we do not control, so parsing is defensive:

- the XML parser never resolves entities, never loads a DTD and never touches the network
  (``resolve_entities=False, load_dtd=False, no_network=True``), and a document that declares
  entities at all (``<!ENTITY``: XXE, "billion laughs") is refused: before parsing, on its
  prolog decoded in the document's own encoding (UTF-16 and UTF-32 included) with comments
  taken out, and again after parsing, from the internal DTD subset libxml2 read, wherever
  in the document it was (libxml2 expands internal entities in attribute values whatever
  ``resolve_entities`` says, so no entity-declaring document may be read at all);
- gzip is inflated incrementally and refused once it passes ``max_bytes`` (gzip bombs);
- a document yields at most ``MAX_ENTRIES`` entries (the sitemap protocol's own limit).

Every refusal raises ``DiscoveryError`` with what was wrong, for the crawl's error log.
"""

from __future__ import annotations

import codecs
import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import parsel
from lxml import etree

from ingest.store.crawlstate import Entry

# The sitemap protocol caps a file at 50,000 URLs and 50 MB uncompressed; feeds are far
# smaller. Anything beyond is a mistake or an attack, and we stop reading there.
MAX_ENTRIES = 50_000
MAX_BYTES = 50 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
# Entity declarations have no legitimate use in feeds or sitemaps; they are how XXE and
# entity-expansion attacks start. Looked for in the prolog only (before the root element).
_ENTITY_DECL = re.compile(r"<!ENTITY", re.I)
_PROLOG_BYTES = 64 * 1024
# Comments are taken out of the prolog before looking for the root element: a "<x>" inside a
# comment in the DOCTYPE must not end the prolog early (the check would skip the entities).
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_XML_DECL_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
# Byte order marks and the first bytes of "<?" in the encodings an XML document may use
# without a BOM (XML 1.0, appendix F): the encoding the prolog is decoded with.
_XML_SIGNATURES = (
    (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"), (b"<\x00?\x00", "utf-16-le"),
)
_ENTITY_REFUSAL = ("document declares XML entities (<!ENTITY>); refused, feeds and sitemaps "
                   "never need them")

# <link rel="alternate" type=...> values that announce a feed.
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml",
                        "application/feed+xml"})


class DiscoveryError(ValueError):
    """A feed or sitemap that cannot or must not be read; the message says why."""


@dataclass
class Document:
    kind: str                                            # a key of PARSERS
    entries: list[Entry] = field(default_factory=list)   # pages (candidate articles)
    sitemaps: list[Entry] = field(default_factory=list)  # child sitemaps of an index


# --- helpers -----------------------------------------------------------------------------

def gunzip(body: bytes, max_bytes: int = MAX_BYTES) -> bytes:
    """Inflate gzip ``body``; refuse output beyond ``max_bytes`` (a gzip bomb)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    chunk = body
    try:
        while chunk:
            out += inflater.decompress(chunk, max_bytes + 1 - len(out))
            if len(out) > max_bytes:
                raise DiscoveryError(f"gzip data inflates beyond {max_bytes} bytes; refused "
                                     f"(raise DOWNLOAD_MAXSIZE if this sitemap is genuine)")
            chunk = inflater.unconsumed_tail
        out += inflater.flush()
    except zlib.error as exc:
        raise DiscoveryError(f"not valid gzip data ({exc})") from None
    return bytes(out)


def iso_date(value: str | None) -> str | None:
    """A sitemap/feed date (W3C datetime, ISO 8601 or RFC 822) as ISO 8601 UTC, or None.

    Dates without a zone are taken as UTC; a date alone as its midnight UTC."""
    if not value:
        return None
    value = value.strip()
    dt = None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            dt = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds")


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _child_text(el, *names: str) -> str | None:
    for child in el:
        if _local(child.tag) in names:
            text = "".join(child.itertext()).strip()
            if text:
                return text
    return None


def _descendant_text(el, name: str) -> str | None:
    for child in el.iter():
        if _local(child.tag) == name:
            text = "".join(child.itertext()).strip()
            if text:
                return text
    return None


def _absolute(url: str | None, base: str) -> str | None:
    if not url:
        return None
    url = urljoin(base, url.strip())
    return url if urlsplit(url).scheme in ("http", "https") else None


def _newest(*dates: str | None) -> str | None:
    found = [d for d in dates if d]
    return max(found) if found else None  # same ISO UTC format: string order is time order


# --- parsers, one per root element --------------------------------------------------------

def _urlset(root, base: str) -> Document:
    doc = Document("sitemap")
    for el in root:
        if _local(el.tag) != "url":
            continue
        url = _absolute(_child_text(el, "loc"), base)
        if url is None:
            continue
        # news:news/news:publication_date and news:title (Google News sitemaps).
        published = iso_date(_descendant_text(el, "publication_date"))
        doc.entries.append(Entry(url, lastmod=_newest(iso_date(_child_text(el, "lastmod")),
                                                       published),
                                 title=_descendant_text(el, "title"), published_at=published))
        if len(doc.entries) >= MAX_ENTRIES:
            break
    if any(_local(el.tag) == "url" and el.find(".//{*}publication_date") is not None
           for el in root[:50]):
        doc.kind = "news-sitemap"
    return doc


def _sitemapindex(root, base: str) -> Document:
    doc = Document("sitemap-index")
    for el in root:
        if _local(el.tag) != "sitemap":
            continue
        url = _absolute(_child_text(el, "loc"), base)
        if url:
            doc.sitemaps.append(Entry(url, lastmod=iso_date(_child_text(el, "lastmod"))))
        if len(doc.sitemaps) >= MAX_ENTRIES:
            break
    return doc


def _rss(root, base: str) -> Document:
    doc = Document("rss")
    for item in root.iter():
        if _local(item.tag) != "item":
            continue
        link = _child_text(item, "link")
        if not link:  # <guid isPermaLink="true"> is the link when <link> is missing
            guid = next((c for c in item if _local(c.tag) == "guid"), None)
            if guid is not None and (guid.get("isPermaLink") or "true").lower() == "true":
                link = (guid.text or "").strip()
        if not link and item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"):
            link = item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")  # RSS 1.0
        url = _absolute(link, base)
        if url is None:
            continue
        published = iso_date(_child_text(item, "pubDate", "date"))
        doc.entries.append(Entry(url, lastmod=_newest(published,
                                                       iso_date(_child_text(item, "updated"))),
                                 title=_child_text(item, "title"), published_at=published))
        if len(doc.entries) >= MAX_ENTRIES:
            break
    return doc


def _atom_link(entry) -> str | None:
    links = [c for c in entry if _local(c.tag) == "link" and c.get("href")]
    for link in links:  # rel defaults to "alternate"
        if (link.get("rel") or "alternate") == "alternate":
            return link.get("href")
    return links[0].get("href") if links else None


def _atom(root, base: str) -> Document:
    doc = Document("atom")
    for entry in root:
        if _local(entry.tag) != "entry":
            continue
        url = _absolute(_atom_link(entry), base)
        if url is None:
            continue
        published = iso_date(_child_text(entry, "published"))
        doc.entries.append(Entry(url, lastmod=_newest(iso_date(_child_text(entry, "updated")),
                                                       published),
                                 title=_child_text(entry, "title"), published_at=published))
        if len(doc.entries) >= MAX_ENTRIES:
            break
    return doc


# Root element local name -> parser. RSS 1.0 is RDF with <item>s, parsed like RSS 2.0.
PARSERS = {
    "urlset": _urlset,
    "sitemapindex": _sitemapindex,
    "rss": _rss,
    "RDF": _rss,
    "feed": _atom,
}


def _parser() -> etree.XMLParser:
    # A new parser per document: lxml parsers keep state between feeds, and extraction code
    # keeps no module-global mutable state.
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True,
                           huge_tree=False, recover=True, remove_comments=True,
                           remove_pis=True, dtd_validation=False)


def _decoded_head(body: bytes) -> str:
    """The first ``_PROLOG_BYTES`` of ``body`` as text, in the encoding its BOM, its first
    bytes or its XML declaration name (UTF-8 otherwise); undecodable bytes are replaced."""
    head = body[:_PROLOG_BYTES]
    encoding = next((enc for sig, enc in _XML_SIGNATURES if head.startswith(sig)), None)
    if encoding is None:
        declared = _XML_DECL_ENCODING.match(head)
        encoding = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "utf-8"
    text = head.decode(encoding, "replace")
    return text[1:] if text.startswith("\ufeff") else text


def parse_document(body: bytes, url: str, *, max_bytes: int = MAX_BYTES) -> Document:
    """Parse a feed or sitemap (gzipped or not) fetched from ``url``.

    Raises DiscoveryError for what is not a feed or sitemap, or must not be read."""
    if body[:2] == GZIP_MAGIC:
        body = gunzip(body, max_bytes)
    if len(body) > max_bytes:
        raise DiscoveryError(f"document is {len(body)} bytes, over the {max_bytes} limit")
    head = _COMMENT.sub("", _decoded_head(body))
    root_start = re.search(r"<[A-Za-z]", head)
    prolog = head[:root_start.start()] if root_start else head
    if _ENTITY_DECL.search(prolog):
        raise DiscoveryError(_ENTITY_REFUSAL)
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        raise DiscoveryError(f"not XML ({exc})") from None
    if root is None:
        raise DiscoveryError("not XML (empty or unreadable document)")
    # What the parser itself read, whatever the encoding or position: an internal subset
    # that declares entities means attribute values may hold their expansion; refused.
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and next(dtd.iterentities(), None) is not None:
        raise DiscoveryError(_ENTITY_REFUSAL)
    parse = PARSERS.get(_local(root.tag))
    if parse is None:
        raise DiscoveryError(f"root element <{_local(root.tag)}> is not a feed or sitemap; "
                             f"expected one of {sorted(PARSERS)}")
    return parse(root, url)


def robots_sitemaps(text: str, base: str) -> list[str]:
    """The ``Sitemap:`` URLs of a robots.txt, absolute, in order, without repeats."""
    found: list[str] = []
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap":
            url = _absolute(value.split("#", 1)[0], base)
            if url and url not in found:
                found.append(url)
    return found


def feed_links(selector: parsel.Selector, base: str) -> list[str]:
    """Feeds an HTML page announces with ``<link rel="alternate" type="application/rss+xml">``."""
    found: list[str] = []
    for link in selector.xpath("//link[@href]"):
        rels = (link.attrib.get("rel") or "").lower().split()
        kind = (link.attrib.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in FEED_TYPES:
            url = _absolute(link.attrib["href"], base)
            if url and url not in found:
                found.append(url)
    return found
