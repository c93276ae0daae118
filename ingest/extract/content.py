"""Main content -> sections (heading + paragraphs) in reading order.

The page (already stripped of junk and chrome) is cut into text blocks; every ancestor of a
block collects the block's text as "good" (a paragraph a reader reads) or "other" (links,
labels, short lines); the container with the best balance is the article body. Its blocks
are then filtered (boilerplate lines, the title block, repeated banners) and grouped under
their headings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from ..items import Section
from .dates import extract_date_from_text
from .text import BLOCK_TAGS, element_text, fold, link_text_length

HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
# Leaf blocks: their whole text is one paragraph (unless they contain blocks themselves).
LEAF_TAGS = frozenset(("p", "pre", "figcaption", "dt", "dd", "address", "caption", "summary",
                       "li", "blockquote", "td", "th"))
# Leaf tags that often wrap whole blocks (<li><p>..</p></li>): treated as containers then.
WRAPPER_LEAVES = frozenset(("li", "blockquote", "td", "th", "dd", "figcaption"))

# A paragraph counts as article text when it is at least this long and mostly not links:
# teasers, labels and menus are shorter or link-heavy.
GOOD_MIN_CHARS = 60
GOOD_MAX_LINK_DENSITY = 0.35
# How much a container is penalised for each character of non-article text it holds.
# 0.4 lets a body keep a few short lines (captions, labels) but not a sidebar of teasers.
OTHER_TEXT_PENALTY = 0.4
# A block this link-heavy is navigation, whatever container it is in.
MAX_LINK_DENSITY = 0.6
# Blocks shorter than this that also stand outside the body are site chrome (banners).
REPEATED_CHROME_MAX_CHARS = 120

# Whole-block boilerplate lines ("Advertisement", "Share this article", ...), matched on the
# folded, lower-cased block text. Each alternative names a family of chrome seen on news sites.
BOILERPLATE = re.compile(
    r"""^(?:
      advertisement|advert|sponsored(\s+content)?|ad
    | (share|share\s+this(\s+(article|story|post))?|share\s+on\s+\w+)(\s*[:|].*)?
    | (read|see)\s+(more|also|next)\b.{0,80}
    | related(\s+(articles?|stories|posts|coverage|content))?:?
    | (more|popular|trending)\s+(stories|posts|articles|news)\b.{0,40}
    | (subscribe|sign\s+up|join)\b.{0,120}(newsletter|inbox|updates|free)\b.{0,80}
    | follow\s+us\b.{0,80}
    | (©|copyright|\(c\))\s.{0,200}
    | all\s+rights\s+reserved.{0,80}
    | (tags?|topics?|filed\s+under|categories)\s*:.{0,200}
    | (photo|image|picture|video|credit|source)\s*:.{0,120}
    | click\s+here\b.{0,120}
    | (listen|print|email|comments?)(\s+\(\d+\))?
    | loading\.*|please\s+enable\s+javascript.*
    )$""",
    re.X | re.I,
)


@dataclass
class Block:
    kind: str          # heading | para
    text: str
    el: object         # the element the text belongs to (the container for loose text)
    link_chars: int = 0
    level: int = 0     # heading level 1..6
    path: tuple = ()   # el and its ancestors up to the root
    chrome: bool = False

    @property
    def link_density(self) -> float:
        return self.link_chars / len(self.text) if self.text else 0.0

    @property
    def is_good(self) -> bool:
        return (self.kind == "para" and len(self.text) >= GOOD_MIN_CHARS
                and self.link_density <= GOOD_MAX_LINK_DENSITY)


def _has_block_child(el) -> bool:
    for node in el.iterdescendants():
        if isinstance(node.tag, str) and (node.tag in BLOCK_TAGS and node.tag != "br"):
            return True
    return False


def iter_blocks(root) -> list[Block]:
    """Cut ``root`` into text blocks in document order (iteratively, any nesting depth)."""
    blocks: list[Block] = []
    buf: list[str] = []
    buf_links = [0]
    containers = [root]
    link_depth = 0

    def flush():
        text = fold("".join(buf))
        if text:
            blocks.append(Block("para", text, containers[-1], min(buf_links[0], len(text))))
        buf.clear()
        buf_links[0] = 0

    def add(text):
        if text:
            buf.append(text)
            if link_depth:
                buf_links[0] += len(fold(text))

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in HEADING_TAGS:
                flush()
                text = element_text(el)
                if text:
                    blocks.append(Block("heading", text, el, link_text_length(el), int(tag[1])))
                walker.skip_subtree()
            elif tag in LEAF_TAGS and not (tag in WRAPPER_LEAVES and _has_block_child(el)):
                flush()
                text = element_text(el)
                if text:
                    blocks.append(Block("para", text, el, min(link_text_length(el), len(text))))
                walker.skip_subtree()
            elif tag == "br":
                flush()
            elif tag in BLOCK_TAGS:
                flush()
                containers.append(el)
                add(el.text)
            else:
                if tag == "a":
                    link_depth += 1
                add(el.text)
        else:
            if containers[-1] is el:
                flush()
                containers.pop()
            elif tag == "a" and link_depth:
                link_depth -= 1
            if el is not root:
                add(el.tail)
    flush()
    return blocks


def _ancestors(el, stop):
    while el is not None:
        yield el
        if el is stop:
            return
        el = el.getparent()


# A chrome-marked element that holds at least this share of the page's article text is the
# article's wrapper with an unlucky class name, not chrome.
PROTECT_SHARE = 0.6


def mark_chrome(blocks: list[Block], root, is_chrome) -> None:
    """Set each block's path and whether it sits under (unprotected) chrome."""
    good: dict = {}
    total = 0
    for b in blocks:
        b.path = tuple(_ancestors(b.el, root))
        if b.is_good:
            n = len(b.text)
            total += n
            for anc in b.path:
                good[anc] = good.get(anc, 0) + n
    floor = PROTECT_SHARE * total
    for b in blocks:
        b.chrome = any(is_chrome(a) and not (total and good.get(a, 0) >= floor) for a in b.path)


def choose_container(blocks: list[Block], root=None):
    """The element whose good text minus penalised other text is largest (chrome ignored)."""
    good: dict = {}
    other: dict = {}
    for b in blocks:
        if b.chrome:
            continue
        n = len(b.text)
        table = good if b.is_good else other
        for anc in b.path:
            table[anc] = table.get(anc, 0) + n
    if not good:
        return None
    return max(good, key=lambda el: good[el] - OTHER_TEXT_PENALTY * other.get(el, 0))


# A block of at most this many words that holds a date is a timestamp line, not prose.
DATELINE_MAX_WORDS = 8


def is_boilerplate(text: str) -> bool:
    return len(text) < 300 and bool(BOILERPLATE.match(text))


def is_timestamp_line(text: str) -> bool:
    return len(text.split()) <= DATELINE_MAX_WORDS and extract_date_from_text(text) is not None


def body_blocks(blocks: list[Block], container, *, headline: str | None = None,
                skip_texts: frozenset = frozenset(), evidence: str | None = None) -> list[Block]:
    """The container's blocks that are article text, in order."""
    inside = [b for b in blocks if not b.chrome and container in b.path]
    outside_texts = {b.text for b in blocks if len(b.text) <= REPEATED_CHROME_MAX_CHARS} - \
        {b.text for b in inside}
    outside_texts |= _repeated_short(blocks)
    # Everything up to and including the headline is the title block (section label,
    # kicker, the headline itself), not body text.
    start = 0
    if headline:
        for i, b in enumerate(inside):
            if b.kind == "heading" and fold(b.text) == headline:
                start = i + 1
                break
    kept: list[Block] = []
    seen: set[str] = set()
    for b in inside[start:]:
        t = b.text
        if t in seen or t in skip_texts:
            continue
        if b.kind == "para":
            if b.link_density > MAX_LINK_DENSITY or is_boilerplate(t) or is_timestamp_line(t):
                continue
            if len(t) <= REPEATED_CHROME_MAX_CHARS and t in outside_texts:
                continue
        elif b.kind == "heading" and (b.level == 1 and t == headline):
            continue
        seen.add(t)
        kept.append(b)
    if evidence:
        kept = _filter_by_evidence(kept, evidence)
    # A heading with no paragraph after it ("Related articles" whose list went) is dropped.
    result = []
    for i, b in enumerate(kept):
        if b.kind == "heading":
            nxt = kept[i + 1] if i + 1 < len(kept) else None
            if nxt is None or nxt.kind == "heading" and nxt.level <= b.level:
                continue
        result.append(b)
    return result


def _repeated_short(blocks):
    counts: dict[str, int] = {}
    for b in blocks:
        if len(b.text) <= REPEATED_CHROME_MAX_CHARS:
            counts[b.text] = counts.get(b.text, 0) + 1
    return {t for t, n in counts.items() if n > 1}


_NON_ALNUM = re.compile(r"[\W_]+")
# Evidence (JSON-LD articleBody) is trusted only where it covers most of the page's body;
# a summary-length articleBody says nothing about what else is article text.
EVIDENCE_MIN_COVERAGE = 0.7


def _key(text: str) -> str:
    return _NON_ALNUM.sub(" ", text.lower()).strip()


def _filter_by_evidence(kept: list[Block], evidence: str) -> list[Block]:
    ev = _key(evidence)
    paras = [b for b in kept if b.kind == "para"]
    if not paras or len(ev) < 200:
        return kept
    found = [b for b in paras if _key(b.text)[:80] in ev]
    if sum(len(b.text) for b in found) < EVIDENCE_MIN_COVERAGE * sum(len(b.text) for b in paras):
        return kept
    found_ids = {id(b) for b in found}
    return [b for b in kept if b.kind == "heading" or id(b) in found_ids]


def to_sections(blocks: list[Block]) -> list[Section]:
    sections: list[Section] = []
    current = Section(heading=None, paragraphs=[])
    for b in blocks:
        if b.kind == "heading":
            if current.heading is not None or current.paragraphs:
                sections.append(current)
            current = Section(heading=b.text, paragraphs=[])
        else:
            current.paragraphs.append(b.text)
    if current.heading is not None or current.paragraphs:
        sections.append(current)
    return sections


def sections_text(sections: list[Section]) -> str:
    parts = []
    for s in sections:
        if s.heading:
            parts.append(s.heading)
        parts.extend(s.paragraphs)
    return "\n\n".join(parts)
