"""The page as lines of text: for pages without semantic markup.

Some pages are only ``div``s with meaningless (hashed) class names: no ``h1``, no byline class,
no ``<time>``, no JSON-LD, a ``<title>`` holding only the site's name. What a reader still sees
there is lines in order: a banner, a section label, a short prominent line, "Written by ...",
a date-time line, paragraphs. The field rules read such pages by position around the byline
line (``fields``): this module gives them the lines.

A line is a block element (``text.BLOCK_TAGS``) with no block inside it, and its text.
"""

from __future__ import annotations

from lxml import etree

from .text import BLOCK_TAGS, element_text

# Lines read, at most, in document order: a page's title block and byline sit in its first
# few hundred lines; a crafted page with a million divs must not cost a million texts.
MAX_LINES = 3000
# <br> and <hr> are empty: they separate lines but never are one.
_LEAF_BLOCKS = BLOCK_TAGS - {"br", "hr"}


def text_lines(root, limit: int = MAX_LINES) -> list[tuple[object, str]]:
    """(element, text) of the leaf blocks of ``root`` that hold text, in document order."""
    return list(iter_text_lines(root, limit))


def iter_text_lines(root, limit: int = MAX_LINES):
    """``text_lines`` one at a time: a caller that needs the first few stops the walk."""
    count = 0
    has_block = [False]  # per open block element: whether a block opened inside it
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag not in _LEAF_BLOCKS:
            continue
        if event == "start":
            has_block[-1] = True
            has_block.append(False)
            continue
        if not has_block.pop():
            text = element_text(el)
            if text:
                yield el, text
                count += 1
                if count >= limit:
                    break
