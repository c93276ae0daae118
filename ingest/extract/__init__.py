"""HTML + URL -> Article. Pure: no Scrapy, no network, no state kept between calls.

``extract_article(html, url, profile=None)`` is the contract (docs/design.md), a thin wrapper over
``extract_page(parse_page(html, url), ...)``: a crawl parses each response once
(``ingest.extract.page``, which also says in which order the tree is changed) and takes the
page's kind, its record and its template fingerprints from that one tree. It never raises on a
bad page: it returns what it found, and the validate pipeline decides whether that is an
article. The cascade per field is structured data, then the site profile's selectors, then
heuristics on the DOM (the publication date is ranked from every date the page states,
``datecands``, before the profile's selector); each field's source goes into ``provenance``.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from datetime import datetime, timezone

import parsel
from lxml import etree
from w3lib.encoding import html_body_declared_encoding, html_to_unicode, read_bom, resolve_encoding

from ..items import Article, Section
from . import chrome, content, fields, model_features
from .budget import Deadline, ExtractionTimeout
from .byline import parse_byline
from .dates import extract_date_from_text
from .keys import content_hash
from .metadata import jsonld_text
from .page import ParsedPage, parse_page
from .template import PageBlock, fingerprints_of
from .text import element_text, fold, normalise, plain_text

__all__ = ["extract_article", "extract_page", "parse_page", "Extraction", "ParsedPage",
           "content_hash", "decode_html", "Deadline", "ExtractionTimeout"]

# Pages larger than this are cut before parsing: no article needs 20 MB of markup, and the
# cost of parsing grows with it (a hostile page must not stall the crawl).
MAX_HTML_CHARS = 20_000_000


def decode_html(html: bytes | str, content_type: str | None = None) -> str:
    if isinstance(html, str):
        return html
    _, text = html_to_unicode(content_type, bytes(html))
    return text


def utf8_bytes(html: bytes) -> bytes | None:
    """The page's bytes as they are when they are UTF-8 (declared so or undeclared, and
    valid): lxml parses them without the decode-and-encode round trip. None otherwise."""
    bom, _ = read_bom(html)
    declared = html_body_declared_encoding(html[:4096])
    if (bom and bom != "utf-8") or (declared and resolve_encoding(declared) != "utf-8"):
        return None
    try:
        html.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return html[len(codecs.BOM_UTF8):] if bom else html


# libxml2 checks each attribute of an element against all those before it, so an element
# with 100,000 attributes took 99 s to parse (issue 16). No real element has more than a few
# dozen; past this many, the rest of a start tag's attributes are cut from the raw text
# before parsing. Only start tags of at least LONG_TAG_BYTES are looked at (a cheap scan:
# shorter ones cannot hold that many attributes), so ordinary pages pay one regex pass.
MAX_ATTRIBUTES = 256
LONG_TAG_BYTES = MAX_ATTRIBUTES * 2
_LONG_TAG = re.compile(rb"<[A-Za-z][^<>]{%d,}" % LONG_TAG_BYTES)
# An attribute: after white space (or right after a quoted value, which libxml2 accepts),
# a name, and an optional value.
_ATTRIBUTE = re.compile(rb"""(?:\s+|(?<=["']))[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?""")


def trim_attributes(body: bytes, max_attributes: int = MAX_ATTRIBUTES) -> bytes:
    """``body`` with every start tag's attributes past the first ``max_attributes`` cut."""
    out, last = [], 0
    for tag in _LONG_TAG.finditer(body):
        start, end = tag.span()
        name_end = start + 1
        while name_end < end and body[name_end:name_end + 1].isalnum():
            name_end += 1
        pos, count = name_end, 0
        while count < max_attributes:
            attr = _ATTRIBUTE.match(body, pos, end)
            if attr is None or attr.end() == pos:
                break
            pos, count = attr.end(), count + 1
        if count == max_attributes and _ATTRIBUTE.match(body, pos, end) and \
                _ATTRIBUTE.match(body, pos, end).end() > pos:
            out += [body[last:pos]]
            last = end  # the rest of the tag up to its ">" (or the next "<") is dropped
    if not out:
        return body
    out.append(body[last:])
    return b"".join(out)


def parse_html(text: str | bytes, base_url: str | None = None):
    """The page's lxml tree. A plain etree parser, not lxml.html's: its element classes cost a
    Python call for every element touched, a fifth of extraction time. huge_tree lets deeply
    nested pages parse instead of being cut at libxml2's default depth."""
    parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True,
                              remove_comments=True, remove_pis=True)
    body = text if isinstance(text, bytes) else text.encode("utf-8", "replace")
    body = trim_attributes(body.replace(b"\x00", b""))
    root = etree.fromstring(body, parser=parser, base_url=base_url)
    if root is None:  # nothing but whitespace or a lone comment
        root = etree.fromstring(b"<html><body></body></html>", parser=parser)
    flatten_deep(root)
    return root


# Elements nested deeper than this are flattened into their ancestor at this depth (their
# tags stripped, their text kept). Block paths are an element's whole ancestor chain, so
# cost grows with blocks x depth: 2,000 nested blocks cost 40 times a plain page of that
# size (issue 16). Real pages nest a few dozen deep (the golden and bad-input pages pass
# unchanged); libxml2 itself gives up at 2,048.
MAX_DEPTH = 256
_AT_MAX_DEPTH = etree.XPath("/*" + "/*" * (MAX_DEPTH - 1))


def flatten_deep(root) -> None:
    """Strip the tags of elements nested deeper than MAX_DEPTH, keeping their text."""
    for el in _AT_MAX_DEPTH(root):
        if len(el):
            etree.strip_tags(el, "*")


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _profile_get(profile, name, default=None):
    return getattr(profile, name, default) if profile is not None else default


@dataclass
class Extraction:
    """What one page gives: its record and, when asked for, the fingerprints of its blocks
    for template learning (``ingest.extract.template.fingerprints_of``), taken from the
    blocks extraction itself cut, before any template or site selector marked them."""

    article: Article
    fingerprints: list[PageBlock] | None = None


def extract_article(html: bytes | str, url: str, profile=None, *,
                    fetched_at: datetime | str | None = None,
                    template=None, deadline: Deadline | None = None,
                    body_model=None) -> Article:
    """Extract the clean record of one page.

    ``profile`` is a ``SiteProfile`` (sites.toml) or None; ``template`` an optional set of
    learned chrome fingerprints for the page's site; ``fetched_at`` the fetch time (now when
    omitted), used for relative dates and to reject dates in the future. ``deadline`` (an
    ``ingest.extract.budget.Deadline``) is checked between stages and inside the loops whose
    cost grows with the page; past it ``ExtractionTimeout`` is raised (the only exception
    extraction raises, and only when given a deadline).
    ``body_model``
    (``ingest.extract.body_model``) decides which blocks are body instead of the rules' last
    step; None keeps the rules.
    """
    return extract_page(parse_page(html, url), profile, fetched_at=fetched_at,
                        template=template, deadline=deadline, body_model=body_model).article


def extract_page(page: ParsedPage, profile=None, *, fetched_at: datetime | str | None = None,
                 template=None, deadline: Deadline | None = None, body_model=None,
                 fingerprints: bool = False) -> Extraction:
    """``extract_article`` over a page already parsed (``parse_page``); with
    ``fingerprints`` the result carries the page's template fingerprints too. The page's
    tree is stripped of junk here (``ingest.extract.page``, step 2): parse a page once and
    extract it once."""
    def check(stage):
        if deadline is not None:
            deadline.check(stage)

    now = _as_datetime(fetched_at)
    url = page.url
    root = page.root
    check("parse")
    sel = parsel.Selector(root=root, type="html")
    provenance: dict[str, str] = {}

    md = page.metadata
    page.strip_junk()
    names = fields.site_names(md, url)
    selectors = _profile_get(profile, "selectors", {}) or {}

    def from_profile(name):
        """Texts the site profile's selector for ``name`` finds (None without one)."""
        query = selectors.get(name)
        if not query:
            return None
        found = [t for t in (_selected_text(s) for s in _select_elements(sel, query)) if t]
        return found or None

    canonical, provenance["canonical_url"] = fields.canonical_url(
        md, url, _profile_get(profile, "site_hosts", frozenset()) or frozenset())

    head, provenance["headline"] = fields.headline(root, md, names)
    if (picked := from_profile("headline")):
        head, provenance["headline"] = picked[0], "selector:sites.toml"
    head_el = fields.headline_element(root, head)
    check("headline")

    authors, byline, provenance["authors"] = fields.authors(root, md, url, names, head_el,
                                                            deadline)
    check("byline")
    if (picked := from_profile("byline")):
        byline = " ".join(picked)
        authors = parse_byline(byline, site_names=names)
        provenance["authors"] = "selector:sites.toml"
    provenance["byline"] = provenance["authors"] if byline else "none"

    tz = _profile_get(profile, "tzinfo")
    modified, provenance["modified_at"] = fields.modified_at(md, now=now, default_tz=tz)
    if (picked := from_profile("modified_at")):
        value = extract_date_from_text(picked[0], now=now, default_tz=tz)
        if value:
            modified, provenance["modified_at"] = value, "selector:sites.toml"
    published, provenance["published_at"] = fields.published_at(
        root, md, url, now=now, default_tz=tz, head_el=head_el, modified=modified)
    if (picked := from_profile("published_at")):
        value = extract_date_from_text(picked[0], now=now, default_tz=tz)
        if value:
            published, provenance["published_at"] = value, "selector:sites.toml"

    sect, provenance["section"] = fields.section(root, md, head_el)
    if (picked := from_profile("section")):
        sect, provenance["section"] = picked[0], "selector:sites.toml"
    summ, provenance["summary"] = fields.summary(md)
    if (picked := from_profile("summary")):
        summ, provenance["summary"] = picked[0], "selector:sites.toml"
    tag_list, provenance["tags"] = fields.tags(md)
    if (picked := from_profile("tags")):
        tag_list, provenance["tags"] = list(dict.fromkeys(picked)), "selector:sites.toml"
    lang, provenance["language"] = fields.language(md)
    check("dates and metadata")

    prints: list = []
    sections, provenance["sections"] = _body(
        sel, root, md, profile, head=head, skip={byline, sect} - {None}, template=template,
        head_el=head_el, byline=byline, check=check,
        body_model=body_model, prints=prints if fingerprints else None)
    body_text = content.sections_text(sections)

    return Extraction(fingerprints=prints if fingerprints else None, article=Article(
        url=url,
        canonical_url=canonical,
        site=fields.site_of(canonical) or fields.site_of(url),
        headline=normalise(head) if head else None,
        authors=authors,
        byline=normalise(byline) if byline else None,
        published_at=published,
        modified_at=modified,
        section=normalise(sect) if sect else None,
        summary=normalise(summ) if summ else None,
        tags=tag_list,
        language=lang,
        sections=sections,
        body_text=body_text,
        word_count=len(body_text.split()),
        content_hash=content_hash(body_text),
        fetched_at=now.isoformat(),
        provenance={k: v for k, v in provenance.items() if v != "none"},
    ))


def _as_datetime(value) -> datetime:
    if value is None:
        return utc_now()
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _selected_text(found: parsel.Selector) -> str:
    """A selector match as text: an element's visible text, or a text/attribute result."""
    node = found.root
    if isinstance(node, str):
        return fold(node)
    return element_text(node)


def _body(sel, root, md, profile, *, head, skip, template, head_el=None, byline=None,
          check=lambda stage: None, body_model=None, prints: list | None = None):
    """-> (sections, source). ``prints``, when given, receives the page's template
    fingerprints: the blocks as the generic chrome rules mark them, as learning counts them
    (the site profile's chrome selectors and the template are marked after)."""
    extra = [s.root for q in (_profile_get(profile, "chrome_selectors", ()) or ())
             for s in _select_elements(sel, q)]
    blocks = content.iter_blocks(root)
    check("body blocks")
    if prints is not None:
        content.mark_chrome(blocks, root, chrome.ChromeMarks())
        prints.extend(fingerprints_of(blocks))
    if prints is None or extra:
        content.mark_chrome(blocks, root, chrome.ChromeMarks(extra))
    check("chrome")
    if template:
        template.mark(blocks)  # the site's learned template (ingest.extract.template)
    container = None
    body_query = (_profile_get(profile, "selectors", {}) or {}).get("body")
    source = "heuristic"
    if body_query:
        found = _select_elements(sel, body_query)
        if found:
            container, source = found[0].root, "selector:sites.toml"
    if container is None:
        container = content.choose_container(blocks)
    check("container")
    evidence = jsonld_text(md.jsonld("articleBody"))
    kept = []
    why: dict = {}
    if container is not None:
        kept = content.body_blocks(blocks, container, headline=fold(head) if head else None,
                                   skip_texts=frozenset(skip), evidence=evidence,
                                   headline_style=None if head_el is None else
                                   (head_el.tag, head_el.get("class")), byline=byline,
                                   why=why)
    if body_model is not None and source == "heuristic":
        rows = model_features.block_features(
            blocks, container=container, kept_ids={id(b) for b in kept},
            headline=fold(head) if head else None, evidence=evidence)
        kept = body_model.choose(blocks, rows, kept, why)
        source = body_model.source
    if evidence and _words(evidence) > EVIDENCE_FALLBACK_RATIO * sum(_words(b.text) for b in kept):
        # The page's markup does not hold the text (rendered by script): the publisher's own
        # articleBody is the best record of it.
        raw = md.jsonld("articleBody")
        raw = raw if isinstance(raw, str) else evidence
        paras = [t for t in (plain_text(p) for p in raw.splitlines()) if t]
        return [Section(heading=None, paragraphs=paras)], "json-ld"
    return content.to_sections(kept), source


# Where the JSON-LD articleBody has this many times more words than the body found in the
# markup, the markup lost the article (script-rendered pages) and articleBody is used.
EVIDENCE_FALLBACK_RATIO = 2.0


def _words(text: str) -> int:
    return len(text.split())


def _select_elements(sel, query: str):
    if query.startswith("xpath:"):
        return sel.xpath(query[len("xpath:"):])
    return sel.css(query.removeprefix("css:"))
