"""The publication date picked from candidates, not the first one found.

A page states its date in many places: JSON-LD ``datePublished``, meta tags, microdata, a
``<time>``, the URL path, a "Published"/"Updated" line by the headline or the byline. They
disagree more often than one would think: a page template's JSON-LD holds the day the page
was rebuilt, a ``<time>`` in a teaser box holds another article's day, the line by the
byline says "Updated", a buying guide's URL holds the day it was first written. Taking the
first found in a fixed order of sources gets each of those wrong.

``date_candidates(...)`` collects every date the page states, each with what we know of it
(``DateCandidate``: its source, the label printed with it, where it sits relative to the
headline and byline, whether it is inside another article's teaser); ``pick_published``
scores them with the named weights below and returns the best. The weights are data: each
says why. They were set looking at naeb-dev and trafilatura-eval failures only; wcxb-dev is
the held-out set (bench/README.md).

Values keep the offset the page states (``dates.parse_date``): nothing here converts to UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from types import MappingProxyType
from urllib.parse import urlsplit

from .chrome import attribute_tokens
from .dates import extract_date_from_text, parse_date
from .metadata import PageMetadata, jsonld_text
from .text import element_text, is_ancestor
from .textlines import iter_text_lines

__all__ = ["DateCandidate", "date_candidates", "pick_published", "score_candidates",
           "SOURCE_WEIGHTS", "LABEL_WEIGHTS"]


@dataclass
class DateCandidate:
    """One date the page states. ``kind`` keys SOURCE_WEIGHTS; ``source`` is what
    provenance records ("json-ld", "meta:article:published_time", "time", "url", ...)."""

    value: str
    kind: str
    source: str
    label: str | None = None         # "published" | "updated" | None: what the page says it is
    elsewhere: bool = False          # inside another article's teaser, a nav, a footer
    after_headline: bool | None = None   # None: no element (metadata) or no headline known
    near_headline: bool = False      # within NEAR_HEADLINE_ELEMENTS after the headline
    order: int = 0                   # collection order: the tie-break
    score: float = 0.0
    why: list[str] = field(default_factory=list)

    @property
    def day(self) -> str:
        return self.value[:10]


# How much each source is trusted, before any agreement. Why these numbers:
# - the publisher's structured record of the article (JSON-LD datePublished, the Open Graph
#   article:published_time, microdata) is the commonest right answer, and right most often
#   when it disagrees with a visible date by one day (the visible one is read in another
#   zone);
# - other meta names are written by plugins and SEO tools (a "date" meta is sometimes the
#   build day), so a little less;
# - a <time> marked as the publication time is visible and meant as such;
# - a URL path date is the day the article was filed: reliable, but some sites keep the
#   first version's URL for a guide they rewrite (then the printed date wins by label);
# - unmarked visible dates are the weakest: an event date, a related item's day.
SOURCE_WEIGHTS = MappingProxyType({
    "jsonld-published": 5.0,
    "meta-published": 5.0,     # article:published_time, og:published_time, published_time
    "meta-other": 3.5,         # pubdate, date, dc.date, parsely-pub-date, sailthru.date ...
    "microdata": 4.5,
    "jsonld-created": 2.5,
    "time-published": 4.0,     # <time pubdate> or class "published"
    "time": 2.5,
    "url": 3.5,
    "text-marked": 2.0,        # an element whose class/id says date/time/published
    "text-headline": 1.5,      # a short block among the headline's next siblings
    "text-byline": 1.5,        # the lone date line beside an unmarked byline (pages of divs)
    "text-line": 1.5,          # a short line by the headline, in a page's lines of text
    "text-anywhere": 0.5,      # a short line elsewhere on the page: the last resort
})
# Meta names that state the article's publication time as such (Open Graph article:*);
# the rest of fields.PUBLISHED_META are "meta-other".
STRONG_PUBLISHED_META = frozenset(("article:published_time", "og:published_time",
                                   "published_time", "datepublished"))

# The label printed with a visible date: "Updated Dec 19, 2023" is the modified date, and
# a page that prints both labels gives the publication day under "Published".
LABEL_WEIGHTS = MappingProxyType({
    "published": 1.0,
    "updated": -2.5,
})
# Another article's date (in a teaser, a "related" box, a nav or footer) is rarely ours.
ELSEWHERE_WEIGHT = -3.0
# A visible date right after the headline is the article's own (the title block).
TITLE_BLOCK_WEIGHT = 1.0
# A structured date that the title block does not print, where it prints a date: the page
# shows its readers another day (a guide rewritten and printed "Updated Dec 19, 2023"
# keeps the first version's datePublished; a template's build day). Both labelled sets
# we tuned on label the printed day there (17 pages to none).
UNPRINTED_WEIGHT = -2.5
# A visible date printed before the headline is in the page's chrome (a date bar, a ticker).
BEFORE_HEADLINE_WEIGHT = -1.0
# Every other kind of source that states the same day adds this much: agreement between
# independent sources is the strongest sign (capped, so that three meta tags copied from one
# CMS field do not outvote everything).
AGREEMENT_WEIGHT = 1.0
MAX_AGREEMENT = 3
# A publication date after the page's own modified date is impossible: it is a modified
# date under another name (a template that fills datePublished with the build day).
AFTER_MODIFIED_WEIGHT = -2.0

# Elements after the headline (in document order) within which a date counts as near it.
NEAR_HEADLINE_ELEMENTS = 40
# Visible elements looked at, at most: a crafted page with thousands of "date" classes must
# not cost thousands of parses.
MAX_VISIBLE_CANDIDATES = 60
# A visible timestamp block is short.
DATE_TEXT_MAX_CHARS = 120
# Containers above the headline whose lines are read for its title block's date.
LINE_SCOPE_LEVELS = 6
# Lines of text around the headline's line that belong to its title block.
LINES_BEFORE_HEADLINE = 2
LINES_AFTER_HEADLINE = 12
# Elements before the headline whose timestamp still belongs to its title block (a
# dateline or kicker row printed above it).
MARKED_BEFORE_HEADLINE = 10
# Headline's next siblings read for a date.
HEADLINE_SIBLINGS = 6
# Characters of text before a <time> (in its parent) read for its label.
LABEL_WINDOW = 40

# class/id tokens of visible timestamps.
DATE_TOKENS = frozenset(("date", "time", "published", "posted", "timestamp", "dateline",
                         "pubdate", "post-date", "entry-date", "article-date", "meta",
                         "datetime", "updated", "modified",
                         # German and Spanish pages mark their dates in their own words
                         "datum", "fecha"))
# Substrings without which class/id cannot hold a DATE_TOKENS token (a prefilter).
DATE_HINTS = ("date", "time", "publish", "posted", "meta", "updated", "modified", "datum",
              "fecha")
# Words and tokens that say which date a visible one is. Checked in the text before the
# date (its own element and the text just before it) and in class/id/itemprop.
UPDATED_WORDS = re.compile(
    r"\b(updated?|last\s+updated|modified|last\s+modified|revised|edited|"
    r"aktualisiert|zuletzt|stand|mis\s+à\s+jour|actualizado|actualisé)\b", re.I)
PUBLISHED_WORDS = re.compile(
    r"\b(published|posted|first\s+published|publish\s+date|released|"
    r"veröffentlicht|erschienen|publié|publicado)\b", re.I)
UPDATED_TOKENS = frozenset(("updated", "modified", "datemodified", "update", "lastmod",
                            "last-modified", "date-modified", "dateupdated"))
PUBLISHED_TOKENS = frozenset(("published", "pubdate", "datepublished", "publish-date",
                              "date-published", "publishdate", "posted", "created"))

# Ancestors that put a date in another article's teaser or the page's chrome.
ELSEWHERE_TAGS = frozenset(("aside", "nav", "footer"))
ELSEWHERE_TOKENS = frozenset(("related", "recirc", "popular", "trending", "sidebar", "promo",
                              "recommended", "more-stories", "newsletter", "comments",
                              "comment", "teaser", "card", "widget", "footer", "nav",
                              "most-read", "mostread", "latest", "rail"))

URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])"
                      r"(?:/|[-_]|$)")
_MONTHS = {m: i for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
URL_DATE_NAMED = re.compile(r"/((?:19|20)\d{2})/(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|"
                            r"dec)[a-z]*/(0?[1-9]|[12]\d|3[01])(?:/|[-_]|$)", re.I)


# /news/29-10-2021, /newsroom/23-01-2022-title (day first: no site writes month-day-year
# with dashes in a path that we have seen).
URL_DATE_DAY_FIRST = re.compile(r"/(0?[1-9]|[12]\d|3[01])-(0?[1-9]|1[0-2])-((?:19|20)\d{2})"
                                r"(?:/|[-_.]|$)")
# /20211108-title, /news_20211108.html: eight digits standing alone as a date.
URL_DATE_COMPACT = re.compile(r"(?<![\d])((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])"
                              r"(?![\d])")


# Each URL date form and how its groups give (year, month, day).
URL_DATE_FORMS = (
    (URL_DATE, lambda m: (m.group(1), int(m.group(2)), int(m.group(3)))),
    (URL_DATE_NAMED, lambda m: (m.group(1), _MONTHS[m.group(2).lower()[:3]], int(m.group(3)))),
    (URL_DATE_DAY_FIRST, lambda m: (m.group(3), int(m.group(2)), int(m.group(1)))),
    (URL_DATE_COMPACT, lambda m: (m.group(1), int(m.group(2)), int(m.group(3)))),
)


def url_date(url: str) -> str | None:
    """'YYYY-MM-DD' from a date in the URL path (/2025/07/02/, /2025/jul/02/, /29-10-2021,
    /20211108-), or None; the forms are tried in URL_DATE_FORMS's order."""
    path = urlsplit(url).path
    for pattern, parts in URL_DATE_FORMS:
        if m := pattern.search(path):
            year, month, day = parts(m)
            return f"{year}-{month:02d}-{day:02d}"
    return None


class _Collector:
    def __init__(self, root, head_el, now, default_tz):
        self.root, self.head_el = root, head_el
        self.now, self.tz = now, default_tz
        self.found: list[DateCandidate] = []
        self._positions: dict | None = None
        self._elements: list | None = None
        self.marked_seen: set = set()
        self._elsewhere: dict = {}
        self._head_chain: set | None = None

    def parse(self, text):
        return parse_date(text, now=self.now, default_tz=self.tz) if text else None

    def add(self, value, kind, source, el=None, label=None):
        if not value:
            return
        c = DateCandidate(value=value, kind=kind, source=source, label=label,
                          order=len(self.found))
        if el is not None:
            c.elsewhere = self.is_elsewhere(el)
            pos = self.position(el)
            head = self.position(self.head_el) if self.head_el is not None else None
            if pos is not None and head is not None:
                c.after_headline = pos > head
                c.near_headline = head < pos <= head + NEAR_HEADLINE_ELEMENTS
        self.found.append(c)

    def elements(self) -> list:
        if self._elements is None:
            self._elements = list(self.root.iter())
        return self._elements

    def position(self, el):
        if self._positions is None:
            self._positions = {e: i for i, e in enumerate(self.elements())}
        return self._positions.get(el)

    def is_elsewhere(self, el) -> bool:
        """Inside a teaser, nav or footer below the element it shares with the headline:
        a wrapper that holds our headline too (a "widget" around the whole article, a
        body class "nav-open") is the article's own."""
        if self._head_chain is None:
            self._head_chain = set()
            p = self.head_el
            while p is not None:
                self._head_chain.add(p)
                p = p.getparent()
        chain = []
        p = el.getparent()
        result = False
        while p is not None and p not in self._head_chain and p.tag not in ("body", "html"):
            if p in self._elsewhere:
                result = self._elsewhere[p]
                break
            chain.append(p)
            if p.tag in ELSEWHERE_TAGS or attribute_tokens(p) & ELSEWHERE_TOKENS:
                result = True
                break
            p = p.getparent()
        for q in chain:
            self._elsewhere[q] = result
        return result


def label_of(el, text: str | None = None) -> str | None:
    """"updated" / "published" from the words printed before the date (in the element and
    just before it in its parent) and from its class/id/itemprop, else None."""
    tokens = attribute_tokens(el) | {t.lower() for t in (el.get("itemprop") or "").split()}
    if tokens & UPDATED_TOKENS:
        return "updated"
    if tokens & PUBLISHED_TOKENS or el.get("pubdate") is not None:
        return "published"
    own = text if text is not None else element_text(el)
    before = _text_before(el)
    for chunk in (own, before):
        if not chunk:
            continue
        # The label nearest the date decides ("Published Jan 2, updated Jan 5" is read
        # per date by the caller: here the last label before the date wins).
        last = None
        for m in re.finditer(f"{UPDATED_WORDS.pattern}|{PUBLISHED_WORDS.pattern}", chunk,
                             re.I):
            last = "updated" if UPDATED_WORDS.fullmatch(m.group(0)) else "published"
        if last:
            return last
    return None


def _text_before(el) -> str:
    """Up to LABEL_WINDOW characters printed just before ``el`` inside its parent."""
    parent = el.getparent()
    if parent is None:
        return ""
    parts = [parent.text or ""]
    for child in parent:
        if child is el:
            break
        parts.append("".join(child.itertext()) if isinstance(child.tag, str) else "")
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())[-LABEL_WINDOW:]


def date_candidates(root, md: PageMetadata, url: str, *, now: datetime,
                    default_tz: tzinfo | None, head_el, published_meta,
                    byline_date=None) -> list[DateCandidate]:
    """Every publication-date candidate the page states, in the order of the old cascade
    (which is the tie-break). ``published_meta`` are the meta names read;
    ``byline_date`` a callable giving (value, element) of the date line beside an unmarked
    byline, or None (called only where nothing else gave a candidate)."""
    col = _Collector(root, head_el, now, default_tz)
    col.add(col.parse(jsonld_text(md.jsonld("datePublished"))), "jsonld-published", "json-ld")
    for name in published_meta:
        kind = "meta-published" if name in STRONG_PUBLISHED_META else "meta-other"
        for raw in md.meta_all(name):
            col.add(col.parse(raw), kind, f"meta:{name}")
            break  # one per name: a page repeats a tag, it does not state a new date
    for el in md.itemprops.get("datePublished", ())[:3]:
        col.add(col.parse(el.get("datetime") or el.get("content") or element_text(el)),
                "microdata", "microdata", el=el if el.tag != "meta" else None)
    col.add(col.parse(jsonld_text(md.jsonld("dateCreated"))), "jsonld-created", "json-ld")
    seen = 0
    for el in root.iter("time"):
        seen += 1
        if seen > MAX_VISIBLE_CANDIDATES:
            break
        text = element_text(el)
        value = col.parse(el.get("datetime")) or col.parse(text) or \
            (extract_date_from_text(text, now=now, default_tz=default_tz)
             if text and len(text) <= DATE_TEXT_MAX_CHARS else None)
        label = label_of(el, text)
        marked = el.get("pubdate") is not None or "published" in attribute_tokens(el)
        col.add(value, "time-published" if marked else "time", "time", el=el, label=label)
    day = url_date(url)
    if day:
        col.add(col.parse(day), "url", "url")
    _visible(col)
    if not any(in_title_block(c) for c in col.found):
        _lines(col)  # no marked date by the headline: its lines of text, read as printed
    if byline_date is not None and not col.found:  # the last resort: it reads every line
        found = byline_date()
        if found:
            value, el = found
            col.add(value, "text-byline", "heuristic:text", el=el, label=label_of(el))
    return col.found


def _marked(col: _Collector, elements) -> None:
    seen = 0
    for el in elements:
        if not isinstance(el.tag, str) or el.tag in ("html", "body", "time") or \
                not (el.get("class") or el.get("id")):
            continue
        hint = f"{el.get('class', '')} {el.get('id', '')}".lower()
        if not any(h in hint for h in DATE_HINTS) or not attribute_tokens(el) & DATE_TOKENS:
            continue
        if el in col.marked_seen or next(el.iter("time"), None) is not None:
            continue  # read already, or its <time> is a candidate already
        col.marked_seen.add(el)
        if _longer_than(el, DATE_TEXT_MAX_CHARS):
            continue
        text = element_text(el)
        if not text or len(text) > DATE_TEXT_MAX_CHARS:
            continue
        seen += 1
        if seen > MAX_VISIBLE_CANDIDATES:
            break
        for value, label in text_dates(col, text, el):
            col.add(value, "text-marked", "heuristic:text", el=el, label=label)


_ANY_LABEL = re.compile(f"{UPDATED_WORDS.pattern}|{PUBLISHED_WORDS.pattern}", re.I)


def text_dates(col, text: str, el) -> list[tuple[str, str | None]]:
    """(value, label) of the dates in a short visible text. A text that prints two labels
    ("Updated: 24.11.2021 Published: 19.11.2021") gives each label's date with its label;
    else its first date, labelled by its words or its element's class."""
    labels = list(_ANY_LABEL.finditer(text))
    if len(labels) >= 2:
        found = []
        for k, m in enumerate(labels):
            end = labels[k + 1].start() if k + 1 < len(labels) else len(text)
            value = extract_date_from_text(text[m.start():end], now=col.now,
                                           default_tz=col.tz)
            if value:
                found.append((value, "updated" if UPDATED_WORDS.fullmatch(m.group(0))
                              else "published"))
        if found:
            return found
    value = extract_date_from_text(text, now=col.now, default_tz=col.tz)
    return [(value, label_of(el, text))] if value else []


def _longer_than(el, limit: int) -> bool:
    """Whether ``el``'s raw text is longer than ``limit`` (read only until it is: a
    container marked "meta" may hold the whole article)."""
    total = 0
    for piece in el.itertext():
        total += len(piece.strip())
        if total > limit:
            return True
    return False


def _visible(col: _Collector) -> None:
    """Elements marked as timestamps (class/id), and short blocks among the headline's
    next siblings. With a headline, only the marked elements by it are read (its title
    block: MARKED_BEFORE_HEADLINE elements before to NEAR_HEADLINE_ELEMENTS after) unless
    the page gave no candidate at all: the rest are other articles' dates and comments'."""
    head = col.position(col.head_el) if col.head_el is not None else None
    if head is not None:
        _marked(col, col.elements()[max(0, head - MARKED_BEFORE_HEADLINE):
                                    head + NEAR_HEADLINE_ELEMENTS + 1])
    if head is None or not col.found:
        _marked(col, col.root.xpath("//*[@class or @id]"))
    if col.head_el is not None:
        for i, el in enumerate(col.head_el.itersiblings()):
            if i >= HEADLINE_SIBLINGS:
                break
            text = element_text(el)
            if text and len(text) <= DATE_TEXT_MAX_CHARS:
                for value, label in text_dates(col, text, el):
                    col.add(value, "text-headline", "heuristic:text", el=el, label=label)


def _lines(col: _Collector) -> None:
    """Short lines holding a date, from the page's lines of text: those by the headline
    (LINES_BEFORE_HEADLINE before it to LINES_AFTER_HEADLINE after) are "text-line" and
    in the title block. On a page with no other candidate, the short date lines anywhere
    are "text-anywhere" ("Datum: 19.11.2021 Autor: ..." in an unmarked div, a "Stand:"
    line): the walk goes on past the headline only then."""
    head_line = None
    recent: list = []  # the last LINES_BEFORE_HEADLINE lines with a date, before the headline
    anywhere = not col.found
    seen = 0
    scope = col.root
    if col.head_el is not None and not anywhere:
        # The title block sits in the headline's nearest containers: walking the lines from
        # the top of a long page down to the headline costs more than all the rest.
        scope = col.head_el
        for _ in range(LINE_SCOPE_LEVELS):
            parent = scope.getparent()
            if parent is None or parent.tag in ("body", "html"):
                break
            scope = parent
    for i, (el, text) in enumerate(iter_text_lines(scope)):
        if head_line is None and col.head_el is not None and \
                (el is col.head_el or is_ancestor(el, col.head_el) or is_ancestor(col.head_el, el)):
            head_line = i
            for j, dated, line_el in recent:
                if j >= i - LINES_BEFORE_HEADLINE:
                    _add_line(col, dated, "text-line", line_el, above=True)
            continue
        if head_line is not None and i > head_line + LINES_AFTER_HEADLINE and not anywhere:
            break
        if len(text) > DATE_TEXT_MAX_CHARS or not any(ch.isdigit() for ch in text):
            continue
        near = head_line is not None and i <= head_line + LINES_AFTER_HEADLINE
        if not near and seen >= MAX_VISIBLE_CANDIDATES:
            if not anywhere and head_line is None and col.head_el is None:
                break
            continue
        dated = text_dates(col, text, el)
        if not dated:
            continue
        if head_line is None:
            recent = [*recent[-(LINES_BEFORE_HEADLINE - 1):], (i, dated, el)] \
                if LINES_BEFORE_HEADLINE > 1 else [(i, dated, el)]
            if col.head_el is not None and not anywhere:
                continue  # kept until the headline's line shows whether it is just above
        seen += 1
        _add_line(col, dated, "text-line" if near else "text-anywhere", el)


def _add_line(col, dated, kind, el, above=False) -> None:
    for value, label in dated:
        col.add(value, kind, "heuristic:text", el=el, label=label)
        _place_line(col.found[-1], kind, above)


def _place_line(c: DateCandidate, kind: str, above: bool) -> None:
    if kind == "text-line":
        c.near_headline = not above
        if above:
            c.after_headline = None  # just above the headline: a dateline, still the title


def score_candidates(cands: list[DateCandidate], modified: str | None = None) -> None:
    """Set each candidate's ``score`` (and ``why``) from its features and the others."""
    title = [c for c in cands if in_title_block(c)]
    stated = {c.day for c in cands if c.kind not in VISIBLE_KINDS and c.kind != "url"}
    if modified:
        stated.add(modified[:10])
    # The printed days that another statement of the page bears out: the modified day, or
    # within a day of a structured one (the same instant read in another zone). A printed
    # day nothing bears out may be a list item's or an event's: it does not overrule.
    title_days = {c.day for c in title if _near_any(c.day, stated)}
    published_days = {c.day for c in title if c.label != "updated"}
    kinds_by_day: dict[str, set] = {}
    for c in cands:
        if c.label != "updated" and not c.elsewhere:
            kinds_by_day.setdefault(c.day, set()).add(_family(c.kind))
    for c in cands:
        s = SOURCE_WEIGHTS[c.kind]
        why = [f"{c.kind} {s:+.1f}"]

        def add(weight, reason):
            nonlocal s
            s += weight
            why.append(f"{reason} {weight:+.1f}")

        if c.label == "published":
            add(LABEL_WEIGHTS["published"], "labelled published")
        elif c.label == "updated" and published_days - {c.day}:
            add(LABEL_WEIGHTS["updated"], "labelled updated, another day printed")
        if c.elsewhere:
            add(ELSEWHERE_WEIGHT, "elsewhere")
        if c in title:
            add(TITLE_BLOCK_WEIGHT, "title block")
        elif c.after_headline is False and c.kind.startswith("text"):
            add(BEFORE_HEADLINE_WEIGHT, "before headline")
        if title_days and c.kind not in VISIBLE_KINDS and c.day not in title_days and \
                _swapped(c.day) not in title_days:
            add(UNPRINTED_WEIGHT, "not the day printed")
        others = len(kinds_by_day.get(c.day, set()) - {_family(c.kind)})
        if others:
            add(AGREEMENT_WEIGHT * min(others, MAX_AGREEMENT), "agreement")
        if modified and c.day > _day_after(modified[:10]):
            add(AFTER_MODIFIED_WEIGHT, "after modified")
        c.score, c.why = s, why


def _near_any(day: str, days: set) -> bool:
    """``day`` is one of ``days``, a day before or after one, or one with day and month
    swapped (03/05 read month-first where the page meant day-first)."""
    if day in days or _swapped(day) in days:
        return True
    try:
        d = date.fromisoformat(day)
    except ValueError:
        return False
    return any((d + timedelta(days=k)).isoformat() in days for k in (-1, 1))


def _swapped(day: str) -> str:
    """'2022-03-05' -> '2022-05-03' (the same printed numbers read the other way)."""
    y, m, d = day[:4], day[5:7], day[8:10]
    return f"{y}-{d}-{m}" if d <= "12" else day


def in_title_block(c: DateCandidate) -> bool:
    """A visible date the reader sees as the article's: printed near after the headline
    (or anywhere, on a page whose headline element is unknown), outside teasers."""
    return c.kind in VISIBLE_KINDS and c.kind != "text-anywhere" and not c.elsewhere and \
        (c.near_headline or c.after_headline is None)


# Sources that copy one field of the CMS count as one voice in agreement.
_FAMILIES = MappingProxyType({
    "jsonld-published": "structured", "meta-published": "structured",
    "meta-other": "structured", "microdata": "structured", "jsonld-created": "structured",
    "time-published": "visible", "time": "visible", "text-marked": "visible",
    "text-headline": "visible", "text-byline": "visible", "text-line": "visible",
    "text-anywhere": "visible", "url": "url",
})


VISIBLE_KINDS = frozenset(k for k, f in _FAMILIES.items() if f == "visible")


def _family(kind: str) -> str:
    return _FAMILIES[kind]


def pick_published(cands: list[DateCandidate], modified: str | None = None
                   ) -> DateCandidate | None:
    """The best-scored candidate (the earliest collected among equals), or None. Where
    another candidate states the same instant in the publisher's own zone while the best
    one says UTC ("22:04:00+00:00" in JSON-LD, "00:04:00+02:00" in a meta tag), the value
    is the other's: the same time, with the offset the publisher printed (its own day)."""
    if not cands:
        return None
    score_candidates(cands, modified)
    best = max(cands, key=lambda c: (c.score, -c.order))
    if _offset_of(best.value) == 0:
        instant = _instant(best.value)
        for c in sorted(cands, key=lambda c: (-c.score, c.order)):
            if c is not best and not c.elsewhere and c.kind not in ("url", "text-anywhere") \
                    and _offset_of(c.value) not in (None, 0) and instant is not None and \
                    _instant(c.value) is not None and \
                    abs((_instant(c.value) - instant).total_seconds()) <= SAME_INSTANT_SECONDS:
                return DateCandidate(**{**best.__dict__, "value": c.value, "source": c.source,
                                        "why": [*best.why, f"offset of {c.kind}"]})
    return best


# Two timestamps this close are one instant written twice (one rounded to the minute).
SAME_INSTANT_SECONDS = 60


def _instant(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _offset_of(value: str) -> int | None:
    """The UTC offset of an ISO value in seconds, or None."""
    d = _instant(value)
    off = d.utcoffset() if d is not None else None
    return None if off is None else int(off.total_seconds())


def _day_after(day: str) -> str:
    """The day after ``day`` (a date later by one day is one instant in another zone)."""
    try:
        return (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    except ValueError:
        return day
