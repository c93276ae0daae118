"""Site templates, the pure half: block fingerprints, and marking a page's template blocks.

A crawler sees many pages of one site. A block (a paragraph, a heading, a line of loose text)
that stands at the same place in the page with the same text on most of a site's pages is
the site's template (a promo, a "subscribe" line, an author-box label), not the article.

This module only computes and applies: ``page_blocks`` gives a page's fingerprints (what the
store counts per site, see ``ingest.store.templates``), and a ``SiteTemplate`` (plain data the
caller loads and passes to ``extract_article(..., template=)``) marks the blocks of a page
that belong to the template. No state is kept between calls.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from . import chrome, content

# A fingerprint is the block's structural path plus its normalised text. The path names each
# element from the root down by tag and class tokens: ids and index positions differ from
# page to page ("post-1234", the n-th <p>), classes of a template do not.
PATH_SEP = " > "
# Class tokens holding digits are per-page ("post-1234", "wp-image-88"): left out of paths.
_HAS_DIGIT = re.compile(r"\d")
# Text normalised for fingerprints: case and punctuation folded, and every run of digits
# reads "#", so "3 min read" and "12 min read" or "© 2025" and "© 2026" are one block.
_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")

# The labelled-box rule: a short template block ("About the author") that opens a small box
# takes the box with it, so the box's per-page part (each writer's own bio) goes too. The
# limits keep the rule to boxes: never the article container, which holds far more.
LABEL_MAX_CHARS = 80
BOX_MAX_BLOCKS = 4
BOX_MAX_CHARS = 700
# Elements that are never a box, whatever their size.
NOT_BOX_TAGS = frozenset(("html", "body", "main", "article"))
# A template that would take more than this share of a page's paragraph text is not that
# page's template: the page has another layout, or the "template" was learnt from copies of
# one article. Then only its short lines (labels, bylines, "3 min read") are removed. On our
# fixture site the real template takes about half of each short article's paragraph text.
MAX_TEMPLATE_SHARE = 0.8


@dataclass(frozen=True)
class PageBlock:
    fingerprint: str
    path: str
    text: str


def _segment(node) -> str:
    """One element's part of a path: its tag and its sorted class tokens without digits."""
    tag = node.tag if isinstance(node.tag, str) else "?"
    classes = sorted({c for c in (node.get("class") or "").lower().split()
                      if not _HAS_DIGIT.search(c)})
    return ".".join([tag, *classes])


def element_path(el, root=None) -> str:
    """The structural path of ``el``: tag.class segments from the root down."""
    parts = []
    node = el
    while node is not None:
        parts.append(_segment(node))
        if node is root:
            break
        node = node.getparent()
    return PATH_SEP.join(reversed(parts))


def normalise_text(text: str) -> str:
    words = _NON_WORD.sub(" ", text.lower()).split()
    return _DIGITS.sub("#", " ".join(words)) if words else ""


def fingerprint(path: str, text: str, *, normalised: str | None = None) -> str:
    """16 hex digits of sha1 over path and normalised text."""
    norm = normalise_text(text) if normalised is None else normalised
    return hashlib.sha1(f"{path}\n{norm}".encode("utf-8")).hexdigest()[:16]


def block_fingerprint(block) -> str:
    return fingerprint(element_path(block.el), block.text)


def page_blocks(html: bytes | str, url: str, *, content_type: str | None = None
                ) -> list[PageBlock]:
    """The fingerprints of a page's blocks as extraction sees them (junk stripped, generic
    chrome left out): what the store counts to learn the site's template. A crawl takes them
    from extraction itself (``extract_page(..., fingerprints=True)``); this is for pages
    read again from the store, without extracting them."""
    from .page import parse_page

    page = parse_page(html, url, content_type=content_type)
    page.strip_junk()
    blocks = content.iter_blocks(page.root)
    content.mark_chrome(blocks, page.root, chrome.ChromeMarks())
    return fingerprints_of(blocks)


def fingerprints_of(blocks) -> list[PageBlock]:
    """One PageBlock per distinct fingerprint of ``blocks`` (chrome marked by the generic
    rules only, before any template or site selector marks: what learning counts)."""
    found: dict[str, PageBlock] = {}
    paths: dict = {}   # element -> its path, built from its parent's (blocks share ancestors)
    for b in blocks:
        norm = "" if b.chrome else normalise_text(b.text)
        if not norm:
            continue
        path = paths.get(b.el)
        if path is None:
            path = _block_path(b, paths)
        fp = fingerprint(path, b.text, normalised=norm)
        found.setdefault(fp, PageBlock(fp, path, b.text))
    return list(found.values())


def _block_path(block, paths: dict) -> str:
    """``element_path(block.el)``, from the ancestor chain mark_chrome set on the block
    (el first, root last) and the paths already built for its ancestors."""
    chain = block.path
    if not chain or chain[0] is not block.el:
        paths[block.el] = path = element_path(block.el)
        return path
    known = 0
    while known < len(chain) and chain[known] not in paths:
        known += 1
    path = paths[chain[known]] if known < len(chain) else None
    for node in reversed(chain[:known]):
        segment = _segment(node)
        path = segment if path is None else path + PATH_SEP + segment
        paths[node] = path
    return path


@dataclass(frozen=True)
class SiteTemplate:
    """The learned template of one site: fingerprints of its repeated blocks.

    ``kept`` are fingerprints a person vetoed (site_templates.keep, sites.toml keep_blocks):
    never marked, even when they also sit in ``fingerprints``.
    """

    site: str
    fingerprints: frozenset[str] = field(default_factory=frozenset)
    kept: frozenset[str] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return bool(self.fingerprints - self.kept)

    def is_template(self, block) -> bool:
        fp = block_fingerprint(block)
        return fp in self.fingerprints and fp not in self.kept

    def mark(self, blocks) -> int:
        """Mark template blocks (and the boxes that template labels open) as chrome;
        returns how many blocks were newly marked."""
        hits = [b for b in blocks if self.is_template(b)]
        doomed = {id(b) for b in hits}
        boxed = set()
        for b in hits:
            if len(b.text) <= LABEL_MAX_CHARS:
                box = _box_blocks(b, blocks)
                boxed.update(id(x) for x in box)
                doomed.update(id(x) for x in box)
        # A template heading that heads the article's own text ("Key takeaways" over each
        # article's own points) is the article's structure: it stays, its text being kept.
        for i, b in enumerate(blocks):
            if b.kind == "heading" and id(b) in doomed and id(b) not in boxed:
                nxt = next((x for x in blocks[i + 1:] if not x.chrome), None)
                if nxt is not None and nxt.kind == "para" and id(nxt) not in doomed:
                    doomed.discard(id(b))
        good = sum(len(b.text) for b in blocks if b.is_good and not b.chrome)
        taken = sum(len(b.text) for b in blocks if b.is_good and not b.chrome and id(b) in doomed)
        if good and taken > MAX_TEMPLATE_SHARE * good:
            doomed = {id(b) for b in blocks if id(b) in doomed and not b.is_good}
        marked = 0
        for b in blocks:
            if id(b) in doomed and not b.chrome:
                b.chrome = True
                marked += 1
        return marked


def _box_blocks(label, blocks) -> list:
    """The blocks of the small box that ``label`` opens, or [] when it opens none."""
    # A leaf block's box is its parent; loose text's element is already its container.
    leaf = label.kind == "heading" or label.el.tag in content.LEAF_TAGS
    box = label.el.getparent() if leaf else label.el
    if box is None or not isinstance(box.tag, str) or box.tag in NOT_BOX_TAGS:
        return []
    inside = [b for b in blocks if _under(b.el, box)]
    if not inside or inside[0] is not label or len(inside) > BOX_MAX_BLOCKS:
        return []
    if sum(len(b.text) for b in inside) > BOX_MAX_CHARS:
        return []
    return inside


def _under(el, box) -> bool:
    while el is not None:
        if el is box:
            return True
        el = el.getparent()
    return False
