"""Navigation chrome: what every page of a site repeats and no reader counts as the article.

Three layers, each cheap:
1. generic rules: tags and class/id tokens that name chrome (nav, share bars, "related" lists),
   and hidden elements (removed outright by ``strip_junk``);
2. blocks repeated within one page (a banner printed twice): see content.body_blocks;
3. blocks repeated across a site's pages (learned templates), passed in by the caller as
   data, never kept here: extraction has no state of its own.

Chrome is marked, not removed (``ChromeMarks``): the body finder then treats blocks under a
marked element as chrome, unless the element holds most of the page's article text — a
wrapper named "page-wrapper is-below-header-ad" must not take the article with it.
"""

from __future__ import annotations

import re

from lxml import etree

# Elements that never hold article text.
JUNK_TAGS = (
    "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas",
    "select", "button", "input", "textarea", "dialog", "link", "meta", "head",
)
# Landmarks that hold the site's chrome. <header> inside the article is its title block
# (headline, byline), read before this and not body text either.
CHROME_TAGS = frozenset(("nav", "footer", "aside", "header", "menu"))

# class/id tokens that name chrome, matched against whole tokens of the attribute:
# "share-bar" and "newsletter" match, "shareholder-news" does not.
CHROME_TOKENS = frozenset(
    """share sharing sharebar share-bar share-buttons share-tools social social-share
    social-links socials related related-posts related-articles related-stories related-links
    popular popular-posts trending newsletter newsletter-signup subscribe subscription signup
    comment comments comments-area comment-list disqus advert advertisement ad ads adslot
    ad-slot ad-container ad-wrapper adunit ad-unit dfp promo promotion sponsor sponsored
    sidebar side-bar breadcrumb breadcrumbs cookie cookies cookie-banner consent gdpr modal
    popup overlay menu navbar nav navigation site-nav site-header site-footer footer masthead
    toolbar pagination pager recommended recommendations recirc outbrain taboola mostread
    most-read most-popular more-stories read-more readmore byline author-bio author-box
    about-author bio tags tag-list tagcloud taglist tag-links widget login signin
    skip-link skiplink print rss follow jump hidden sr-only visually-hidden screen-reader-text
    caption credit copyright disclaimer date timestamp published posted-on meta entry-meta
    post-meta article-meta article-tags post-tags entry-tags entry-footer article-footer
    post-footer pullquote pull-quote dek standfirst subtitle sub-title subheadline strapline kommentare kommentar teilen verwandte empfehlungen werbung anzeige
    commentaires partage publicite comentarios compartir publicidad""".split()
)
# ARIA landmark roles of the site's frame, not of the article.
CHROME_ROLES = frozenset(("navigation", "banner", "contentinfo", "complementary", "search",
                          "dialog", "alertdialog", "menu", "menubar"))
# Parts of a dashed token that mark chrome wherever they stand ("article-share",
# "post-comments", "top-ads"); fewer than the whole tokens, as parts match far more.
CHROME_PARTS = frozenset(
    """share sharing social related newsletter comments advert advertisement ads promo
    sponsored sidebar breadcrumb breadcrumbs cookie popup modal outbrain taboola recirc
    trending subscribe""".split()
)
# State classes say what an element is next to, not what it is ("is-below-header-ad",
# "has-sidebar", "no-ads"): never read as chrome.
STATE_PREFIXES = ("is-", "has-", "no-", "js-", "with-", "show-", "u-", "l-", "hide-")
# Tokens that mark the content itself: an element carrying one of these is never chrome by
# the token rule (e.g. class="main-content sidebar-layout").
CONTENT_TOKENS = frozenset(
    """article articlebody article-body article-content body content entry entry-content main
    main-content post post-body post-content story story-body text articletext article-text
    body-text""".split()
)
_TOKEN_SPLIT = re.compile(r"\s+")
# Any chrome token or part as a substring: an attribute without one cannot be chrome.
_CHROME_HINT = re.compile("|".join(sorted(
    {re.escape(w) for w in CHROME_TOKENS | CHROME_PARTS}, key=len, reverse=True)))
_PART_SPLIT = re.compile(r"[-_]+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


# Attributes that name what an element is, besides class and id: component frameworks put
# the block's name in data attributes when classes are hashed ("sc-1x9f2k").
NAMING_ATTRIBUTES = ("class", "id", "data-component", "data-testid", "data-module")


def _naming_attributes(el) -> tuple:
    get = el.get  # spelled out: this runs for every element of every page
    return (get("class"), get("id"), get("data-component"), get("data-testid"),
            get("data-module"))


def _naming_text(el) -> str:
    return " ".join(v for v in _naming_attributes(el) if v).lower()


def raw_tokens(el) -> list[str]:
    return [t for t in _TOKEN_SPLIT.split(_naming_text(el)) if t]


def attribute_tokens(el) -> set[str]:
    """class and id split into tokens, lower case, plus their dash/underscore parts."""
    tokens = set()
    for tok in raw_tokens(el):
        tokens.add(tok)
        if "-" in tok or "_" in tok:
            tokens.update(p for p in _PART_SPLIT.split(tok) if p)
    return tokens


def _token_is_chrome(token: str, extra: frozenset) -> bool:
    if token.startswith(STATE_PREFIXES):
        return False
    if token in CHROME_TOKENS or token in extra:
        return True
    parts = _PART_SPLIT.split(token)
    return len(parts) > 1 and any(p in CHROME_PARTS for p in parts) and \
        not any(p in CONTENT_TOKENS for p in parts)


def is_hidden(el) -> bool:
    if el.get("hidden") is not None or (el.get("aria-hidden") or "").lower() == "true":
        return True
    style = el.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def is_chrome(el, extra_tokens: frozenset = frozenset()) -> bool:
    tag = el.tag
    if tag in ("html", "body", "main", "article"):
        return False
    if tag == "header" and any(a.tag == "article" for a in el.iterancestors()):
        # The article's own header: its headline, byline and date are taken out by the
        # title-block rules, and the teaser paragraph some sites print there is article text.
        return False
    if tag in CHROME_TAGS:
        return True
    if tag == "figcaption" or (tag == "figure" and not _holds_text_block(el)):
        # Captions describe pictures; they are not the article's text (a figure that wraps
        # a quote or a table is kept).
        return True
    if (el.get("role") or "").lower() in CHROME_ROLES:
        return True
    attrs = _naming_text(el)
    if not extra_tokens and not _CHROME_HINT.search(attrs):
        return False  # one regex search instead of tokenising every element's classes
    raw = raw_tokens(el)
    if not raw or any(t in CONTENT_TOKENS for t in raw):
        return False
    return any(_token_is_chrome(t, extra_tokens) for t in raw)


# Words that make a wrapper chrome whatever it holds: comment threads are long prose too.
ALWAYS_CHROME_PARTS = frozenset(("comment", "comments", "disqus", "replies", "respond",
                                 "discussion"))


def is_named_chrome_only(el) -> bool:
    """Chrome by its class/id words alone (not by tag, role, or as a figure caption), and not
    a comment thread: the marks that a wrapper of the article can carry by mistake."""
    if el.tag in CHROME_TAGS or el.tag in ("figure", "figcaption") or \
            (el.get("role") or "").lower() in CHROME_ROLES:
        return False
    return not (attribute_tokens(el) & ALWAYS_CHROME_PARTS)


FIGURE_TEXT_TAGS = ("blockquote", "table", "pre", "p")


def _holds_text_block(el) -> bool:
    return any(True for _ in el.iter(*FIGURE_TEXT_TAGS))


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
    for button in root.xpath("//button[.//p or .//div or .//article or .//main or .//h1]"):
        _unwrap(button)
    etree.strip_elements(root, *JUNK_TAGS, with_tail=False)
    # Only elements with one of the attributes that can hide them are looked at.
    for el in root.xpath("//*[@hidden or @aria-hidden or @style]"):
        if el.getparent() is not None and is_hidden(el) and not _is_withheld_article(el):
            remove_element(el)


def _unwrap(el) -> None:
    """Put ``el``'s children in its place and drop its own text: a <button> left unclosed
    (a menu toggle before the article) is nested by the parser around the rest of the page,
    and removing it as junk would remove the article with it. Its label is no text."""
    parent = el.getparent()
    if parent is None:
        return
    at = parent.index(el)
    children = list(el)
    tail, el.tail = el.tail, None
    for i, child in enumerate(children):
        parent.insert(at + 1 + i, child)
    if tail and children:
        children[-1].tail = (children[-1].tail or "") + tail
    else:
        el.tail = tail
    remove_element(el)


# Hidden prose is the article withheld until a reader subscribes ("subscriber-only" paragraphs
# hidden by style, one wrapper per paragraph): kept, unlike hidden bylines, labels and menus,
# which hold no paragraph this long. Chrome rules still apply to it afterwards.
HIDDEN_PROSE_MIN_CHARS = 150


def _is_withheld_article(el) -> bool:
    total = 0
    for p in el.iter("p"):
        total += len("".join(p.itertext()))
        if total >= HIDDEN_PROSE_MIN_CHARS:
            return True
    return False


class ChromeMarks:
    """Which elements are chrome: generic rules plus elements a caller names (site profile
    selectors, learned templates). Answers are cached by tag, class and id for one page."""

    def __init__(self, extra_elements=(), extra_tokens: frozenset = frozenset()):
        self.extra = set(extra_elements)
        self.extra_tokens = extra_tokens
        self._cache: dict = {}

    def __call__(self, el) -> bool:
        if el in self.extra:
            return True
        tag = el.tag
        if tag in ("figure", "header"):  # depend on content or place, not only attributes
            return is_chrome(el, self.extra_tokens)
        # Elements with the same tag, role and naming attributes get the same answer: a page
        # repeats its class names hundreds of times.
        key = (tag, el.get("role"), _naming_attributes(el))
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = is_chrome(el, self.extra_tokens)
        return hit
