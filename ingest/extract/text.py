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
_ODD_SPACES = str.maketrans({"\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "", "\xad": ""})


def fold(text: str | None) -> str:
    """Collapse runs of whitespace to one space and trim; zero-width characters removed."""
    if not text:
        return ""
    return WHITESPACE.sub(" ", text.translate(_ODD_SPACES)).strip()


def normalise(text: str) -> str:
    """NFC Unicode and folded whitespace: the form every stored text field takes."""
    return fold(unicodedata.normalize("NFC", text))


def element_text(el) -> str:
    """The visible text of ``el`` with block boundaries as spaces, folded."""
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
    return sum(len(fold(a.text_content())) for a in el.iter("a"))
