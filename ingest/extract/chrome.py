"""Navigation chrome: what every page of a site repeats and no reader counts as the article.

Three layers, each cheap:
1. generic rules: tags and class/id tokens that name chrome (nav, share bars, "related" lists),
   and hidden elements;
2. blocks repeated within one page (a banner printed twice) — see ``repeated_texts``;
3. blocks repeated across a site's pages (learned templates) are passed in by the caller as
   data, never kept here: extraction has no state of its own.
"""

from __future__ import annotations

import re
from collections import Counter

from lxml import etree

# Elements that never hold article text.
JUNK_TAGS = (
    "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas",
    "select", "button", "input", "textarea", "dialog", "link", "meta",
)
# Landmarks that hold the site's chrome. <header> inside the article is its title block
# (headline, byline), read before this removal and not body text either.
CHROME_TAGS = ("nav", "footer", "aside", "header", "menu")

# class/id tokens that name chrome. Matched as whole tokens of the attribute split on
# space, "-" and "_", so "ad" matches "ad-slot" but not "heading" or "shadow".
CHROME_TOKENS = frozenset(
    """share sharing sharebar social socials related popular trending newsletter subscribe
    subscription signup comment comments disqus advert advertisement ad ads adslot adunit dfp
    promo promotion sponsor sponsored sidebar breadcrumb breadcrumbs cookie cookies consent
    gdpr modal popup overlay menu navbar nav navigation footer masthead toolbar pagination
    pager recommended recommendations recirc outbrain taboola mostread most-read byline
    author-bio bio tags tagcloud taglist widget newsletter-signup paywall login signin
    skip skiplink print rss follow jump hidden sr-only visually-hidden screen-reader-text
    caption credit copyright disclaimer date timestamp published posted-on meta entry-meta
    post-meta article-meta""".split()
)
# Tokens that mark the content itself: an element carrying one of these is never removed by
# the token rule (e.g. class="main-content has-sidebar").
CONTENT_TOKENS = frozenset(
    "article articlebody article-body body content entry entry-content main post post-body "
    "post-content story story-body text articletext".split()
)
_TOKEN_SPLIT = re.compile(r"[\s_]+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def raw_tokens(el) -> list[str]:
    raw = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    return [t for t in _TOKEN_SPLIT.split(raw) if t]


def attribute_tokens(el) -> set[str]:
    """class and id split into tokens, lower case, plus their dash-separated parts."""
    tokens = set()
    for tok in raw_tokens(el):
        tokens.add(tok)
        if "-" in tok:
            tokens.update(p for p in tok.split("-") if p)
    return tokens


def _names_content(token: str) -> bool:
    """'main-content' names the content; 'post-date' does not (its 'date' part is chrome)."""
    if token in CONTENT_TOKENS:
        return True
    parts = set(token.split("-"))
    return bool(parts & CONTENT_TOKENS) and not parts & CHROME_TOKENS


def is_hidden(el) -> bool:
    if el.get("hidden") is not None or (el.get("aria-hidden") or "").lower() == "true":
        return True
    style = el.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def is_chrome(el, extra_tokens: frozenset = frozenset()) -> bool:
    tag = el.tag
    if tag in ("html", "body", "main", "article"):
        return False
    if tag in CHROME_TAGS:
        return True
    raw = raw_tokens(el)
    if not raw or any(_names_content(t) for t in raw):
        return False
    return bool(attribute_tokens(el) & (CHROME_TOKENS | extra_tokens))


def remove_element(el) -> None:
    """Remove ``el`` but keep its tail text in the tree."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def strip_junk(root) -> None:
    """Remove comments, scripts, styles, hidden elements: never text a reader sees."""
    etree.strip_tags(root, etree.Comment, etree.ProcessingInstruction)
    etree.strip_elements(root, *JUNK_TAGS, with_tail=False)
    for el in list(root.iter()):
        if isinstance(el.tag, str) and el.getparent() is not None and is_hidden(el):
            remove_element(el)


def remove_chrome(root, *, extra_selectors=(), extra_tokens: frozenset = frozenset()) -> int:
    """Remove chrome landmarks and token-named blocks; returns how many were removed."""
    doomed = []
    for el in root.iter():
        if isinstance(el.tag, str) and is_chrome(el, extra_tokens):
            doomed.append(el)
    for sel in extra_selectors:
        doomed.extend(sel(root))
    removed = 0
    for el in doomed:
        if el.getparent() is not None and not _has_removed_ancestor(el, root):
            remove_element(el)
            removed += 1
    return removed


def _has_removed_ancestor(el, root) -> bool:
    # An ancestor removed earlier detaches the subtree from root: its root is then not ours.
    top = el
    while top.getparent() is not None:
        top = top.getparent()
    return top is not root


def repeated_texts(texts, *, min_chars: int = 4) -> set[str]:
    """Texts that occur more than once among the page's blocks (a doubled banner)."""
    counts = Counter(t for t in texts if len(t) >= min_chars)
    return {t for t, n in counts.items() if n > 1}
