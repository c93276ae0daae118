"""Text helpers shared by the field extractors: whitespace folding and element text.

lxml's ``text_content()`` glues block children together ("<li>a</li><li>b</li>" -> "ab"),
so element text is built here with a separator at block and <br> boundaries. Walking is
iterative (``etree.iterwalk``): pages with thousands of nested tags must not hit Python's
recursion limit.
"""

from __future__ import annotations

import re
import unicodedata

from lxml import etree

WHITESPACE = re.compile(r"\s+")

# Tags whose start or end separates text (a space between their words and the neighbours').
BLOCK_TAGS = frozenset(
    "address article aside blockquote body br dd details div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody "
    "td tfoot th thead tr ul".split()
)

# Characters that look like spaces but are not matched by \s in every context we care about.
_ODD_SPACES = {0x200B: None, 0x200C: None, 0x200D: None, 0xFEFF: None, 0xAD: None}
# C0 control characters other than whitespace, and DEL: never text a reader sees; a page that
# has them (NUL bytes, escape sequences) must not carry them into stored records.
# C1 controls (U+0080-U+009F: CSI U+009B starts an escape sequence terminals obey) likewise.
# Bidi overrides and isolates (U+202A-U+202E, U+2066-U+2069) reorder the text around them
# ("Trojan Source"): a headline could display as something other than what is stored. The
# marks U+200E/U+200F only hint direction and are kept.
_C1_CONTROLS = tuple(range(0x80, 0xA0))
_BIDI_CONTROLS = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
_CONTROLS = {c: None for c in (*range(0x00, 0x09), 0x0E, 0x0F, *range(0x10, 0x1C), 0x7F,
                               *_C1_CONTROLS, *_BIDI_CONTROLS)}
_DROP_CHARS = {**_ODD_SPACES, **_CONTROLS}
_DROP_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in _DROP_CHARS) + "]")


def fold(text: str | None) -> str:
    """Collapse runs of whitespace to one space and trim; zero-width and control characters
    removed."""
    if not text:
        return ""
    if _DROP_RE.search(text):  # rare: translate only the texts that need it (it is slow)
        text = text.translate(_DROP_CHARS)
    # str.split() splits at exactly the characters \s matches (str.isspace), in C: the same
    # result as WHITESPACE.sub(" ", text).strip() at a third of the cost (bench/README.md).
    return " ".join(text.split())


# Something that starts a tag, a comment or a doctype: "<b", "</", "<!". A bare "<" as in
# "a < b" or "<3" is text and is left alone.
_MARKUP_START = re.compile(r"<[A-Za-z/!?]")
# Elements whose content is code, not text, when markup turns up inside a text value.
_CODE_TAGS = ("script", "style", "template", "noscript", "iframe", "object")


def plain_text(text: str | None) -> str:
    """Folded text of a value that should be text but may hold markup (JSON-LD and meta
    values are strings the publisher, or an attacker, wrote): tags, comments and the content
    of script/style are removed, entities decoded. Plain strings are only folded."""
    if not text:
        return ""
    if _MARKUP_START.search(text) is None:
        return fold(text)
    doc = etree.fromstring(
        "<html><body><div>" + text.translate(_CONTROLS) + "</div></body></html>",
        etree.HTMLParser(no_network=True))
    if doc is None:
        return fold(_MARKUP_START.sub(" ", text))
    etree.strip_elements(doc, *_CODE_TAGS, etree.Comment, etree.ProcessingInstruction,
                         with_tail=False)
    return element_text(doc)


def normalise(text: str) -> str:
    """NFC Unicode and folded whitespace: the form every stored text field takes."""
    return fold(unicodedata.normalize("NFC", text))


def element_text(el) -> str:
    """The visible text of ``el`` with block boundaries as spaces, folded."""
    if len(el) == 0:
        return fold(el.text)
    if next(el.iterdescendants(*BLOCK_TAGS), None) is None:
        # Inline markup only (the common paragraph): lxml joins the text in C.
        return fold("".join(el.itertext()))
    parts: list[str] = []
    walker = etree.iterwalk(el, events=("start", "end"))
    for event, node in walker:
        tag = node.tag if isinstance(node.tag, str) else ""
        if event == "start":
            if tag in BLOCK_TAGS:
                parts.append(" ")
            if node.text:
                parts.append(node.text)
        else:
            if tag in BLOCK_TAGS:
                parts.append(" ")
            if node is not el and node.tail:
                parts.append(node.tail)
    return fold("".join(parts))


def link_text_length(el) -> int:
    """Characters of ``el``'s text that sit inside links (for link density)."""
    return sum(len(fold("".join(a.itertext()))) for a in el.iter("a"))


def is_ancestor(a, el) -> bool:
    """True when ``a`` holds ``el`` (``el`` itself excluded)."""
    p = el.getparent()
    while p is not None:
        if p is a:
            return True
        p = p.getparent()
    return False
