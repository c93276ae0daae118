"""One function per field of the record. Each returns ``(value, source)``; source names where
the value came from for ``provenance`` ("json-ld", "meta:og:title", "heuristic:h1", ...)."""

from __future__ import annotations

import html
import re
from datetime import datetime, tzinfo
from urllib.parse import urljoin, urlsplit

from w3lib.url import safe_url_string

from ..items import Author
from .byline import clean_author_name, dedupe_authors, parse_byline
from .chrome import attribute_tokens
from . import datecands
from .dates import extract_date_from_text, parse_date
from .keys import TRACKING_PARAMS, normalise_url, site_of  # noqa: F401 - re-exported
from .metadata import PageMetadata, jsonld_text
from .text import BLOCK_TAGS, element_text, fold, is_ancestor
from .textlines import text_lines

# ---------------------------------------------------------------- URL, site, canonical

def canonical_url(md: PageMetadata, url: str,
                  site_hosts: frozenset[str] | set[str] = frozenset()) -> tuple[str, str]:
    """The page's canonical URL and its source. A rel=canonical or og:url counts only on the
    same site as the page: its host (www. ignored) or one of ``site_hosts`` (the profile's).
    Otherwise a page could take over another site's article (the key of ``articles``); the
    page's own URL is the key then and the source records the claim:
    ``"url (link:canonical names another site: https://...)"``."""
    own = {site_of(url), *site_hosts}
    refused = None
    for value, source in ((md.canonical, "link:canonical"),
                          (next(iter(md.meta_all("og:url")), None), "meta:og:url")):
        if value and not value.startswith(("javascript:", "data:")):
            absolute = urljoin(url, value)
            if urlsplit(absolute).scheme in ("http", "https"):
                candidate = normalise_url(absolute)
                if site_of(candidate) in own:
                    return candidate, source
                refused = refused or f"{source} names another site: {candidate}"
    return normalise_url(url), f"url ({refused})" if refused else "url"


# ---------------------------------------------------------------- headline

# Separators between a headline and the site's name in <title> and og:title.
TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:·•»/]\s+|\s+::\s+")
_QUOTES = str.maketrans("‘’“”", "''\"\"")


def _title_key(text: str) -> str:
    return re.sub(r"\W+", " ", text.translate(_QUOTES).casefold()).strip()


def strip_site_name(title: str, site_names: tuple[str, ...]) -> str:
    """'Headline | Site Name' -> 'Headline'; keeps the longest part when the site is unknown."""
    parts = [p for p in TITLE_SEPARATORS.split(title) if p.strip()]
    if len(parts) < 2:
        return title
    keys = {_title_key(s) for s in site_names if s}
    rest = [p for p in parts if _title_key(p) not in keys and
            not any(k and (k in _title_key(p) and len(_title_key(p)) <= len(k) + 6) for k in keys)]
    if rest and len(rest) < len(parts):
        return fold(" - ".join(rest)) if len(rest) > 1 else fold(rest[0])
    return fold(max(parts, key=len))


TITLE_CONTAINMENT_SHARE = 0.5
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", re.I)


def _unescape(text: str | None) -> str | None:
    """Metadata escaped twice ("D&amp;amp;D" in the source) still holds an entity."""
    return html.unescape(text) if text and _ENTITY.search(text) else text



def _similar(a: str, b: str) -> bool:
    ka, kb = _title_key(a), _title_key(b)
    if not ka or not kb:
        return False
    if ka in kb or kb in ka:
        # Containment counts when the shorter is most of the longer: a site name alone
        # ("Quiet Bytes") is contained in "Quiet Bytes: Why I still use RSS" but is no headline.
        return min(len(ka), len(kb)) >= TITLE_CONTAINMENT_SHARE * max(len(ka), len(kb))
    ta, tb = set(ka.split()), set(kb.split())
    return len(ta & tb) >= 0.6 * min(len(ta), len(tb))


def headline(root, md: PageMetadata, site_names: tuple[str, ...]) -> tuple[str | None, str]:
    meta_titles = []
    jl = _unescape(jsonld_text(md.jsonld("headline")) or jsonld_text(md.jsonld_article.get("name")))
    if jl:
        meta_titles.append((jl, "json-ld"))
    for name in ("og:title", "twitter:title"):
        found = md.meta_first(name)
        if found:
            meta_titles.append((strip_site_name(_unescape(found[0]), site_names), found[1]))
    page_title = md.title or ""
    if page_title:
        meta_titles.append((strip_site_name(page_title, site_names), "title"))

    h1s = [t for t in (element_text(h) for h in root.iter("h1")) if 3 <= len(t) <= 400]
    # The visible headline wins where it agrees with what the page says its title is:
    # it is the text a reader sees, while metadata is often shortened for search engines.
    for h in h1s:
        if any(_similar(h, m) for m, _ in meta_titles):
            return h, "heuristic:h1"
    # No h1 agrees: a blog theme may print the site name in h1 and the post title in h2.
    for tag in ("h2", "h3"):
        for h in (element_text(e) for e in root.iter(tag)):
            if 3 <= len(h) <= 400 and any(_similar(h, m) for m, _ in meta_titles):
                return h, f"heuristic:{tag}"
    for value, source in meta_titles:
        if source != "title":
            return value, source
    if h1s:
        return h1s[0], "heuristic:h1"
    if not meta_titles or is_site_title(page_title, site_names, root):
        # No heading and a <title> that only names the site (pages of divs): the short
        # line printed just before the byline is the headline.
        found = headline_before_byline(root, site_names)
        if found:
            return found, "heuristic:before-byline"
    if meta_titles:
        return meta_titles[0]
    return None, "none"


def _compact(text: str) -> str:
    return re.sub(r"\W+", "", text.casefold())


# Lines at the top of a page read for its banner: the site's name printed as a banner opens
# the page, before any article line.
BANNER_LINES = 3


def is_site_title(title: str, site_names, root) -> bool:
    """Whether ``title`` is only the site's name: one of its names or its host's name
    ("The Future of Tech" on futureoftech.test), or the banner line that opens the page."""
    key = _compact(title)
    if not key:
        return True
    names = {_compact(n) for n in site_names if n}
    names |= {n[3:] for n in names if n.startswith("the")}
    if key in names or key.removeprefix("the") in names:
        return True
    return any(_compact(t) == key for _, t in text_lines(root, BANNER_LINES))


# The headline is one of the lines just before the byline (a standfirst may sit between).
HEADLINE_SEARCH_LINES = 3
HEADLINE_MIN_WORDS = 3
HEADLINE_MAX_CHARS = 200


def headline_before_byline(root, site_names) -> str | None:
    """The headline of a page without headings: of the few lines before the byline line,
    the nearest with at least HEADLINE_MIN_WORDS words (the section label has fewer) that is
    not a sentence (a standfirst ends with a full stop; headlines do not); else the nearest."""
    lines = text_lines(root)
    found = byline_line(lines, site_names)
    if found is None:
        return None
    before = [t for _, t in reversed(lines[max(0, found - HEADLINE_SEARCH_LINES):found])
              if len(t.split()) >= HEADLINE_MIN_WORDS and len(t) <= HEADLINE_MAX_CHARS
              and extract_date_from_text(t) is None]
    for t in before:
        if not t.endswith("."):
            return t
    return before[0] if before else None


def headline_element(root, head: str | None):
    """The element that prints the headline: an h1 or h2 with its text, else (pages of
    divs) the first line whose whole text it is."""
    if not head:
        return None
    for tag in ("h1", "h2"):
        for el in root.iter(tag):
            if element_text(el) == head:
                return el
    for el, text in text_lines(root):
        if text == head:
            return el
    return None


# ---------------------------------------------------------------- authors and byline

# class/id/itemprop/rel tokens that mark a visible byline.
BYLINE_TOKENS = frozenset(("byline", "author", "authors", "by-line", "writer", "contributor",
                           "article-author", "post-author", "author-name", "byline-name",
                           "creator", "reporter",
                           # German, French, Italian, Spanish, Dutch
                           "autor", "autoren", "auteur", "autore", "autores", "firma",
                           "verfasser", "redakteur"))
# Substrings without which an element's attributes cannot name a byline (a prefilter).
BYLINE_HINT = re.compile("author|byline|by-line|writer|contributor|creator|reporter|autor|"
                         "auteur|firma|verfasser|redakteur")
# Tokens that start so are bylines too ("AuthorLink-sc-1x", "authorName", "byline__name");
# "authority" and "authorization" are not.
BYLINE_PREFIXES = ("author", "byline", "autor", "auteur")
NOT_BYLINE_PREFIXES = ("authority", "authoriz", "authoris")
# A visible byline is short; longer blocks with these tokens are author bios.
BYLINE_MAX_CHARS = 200
# "By" and a lower-case word in -ing opens a clause, not a byline: the consent line under a
# form ("By pressing Submit you agree ...", "By clicking", "By signing up"). Names are
# capitalised, so "By Sterling Archer" and "By Jane Manning" stay bylines (the lookahead is
# case-sensitive inside the otherwise case-blind pattern).
BYLINE_PREFIX = re.compile(r"^\s*(by|written\s+by|posted\s+by|words\s+by|von|par|por)\b"
                           r"(?!\s+(?-i:[a-z]+ing)\b)", re.I)


# Elements whose attributes hint at a byline that are looked at, at most. A real page marks
# a few dozen (its own byline, teasers' bylines, author boxes); a crafted one marks thousands,
# and every candidate costs an ancestor walk and a text search: bounding them keeps
# extraction linear in the page (issue 16: 8,000 bylines took 17.5 s).
MAX_BYLINE_CANDIDATES = 200


def byline_elements(root, deadline=None):
    """Visible elements that look like a byline, in document order, outermost first (of the
    first MAX_BYLINE_CANDIDATES elements whose attributes hint at one)."""
    found = []
    considered = 0
    for el in root.xpath("//*[@class or @id or @itemprop or @rel]"):
        if el.tag in ("html", "body", "head"):
            continue
        hint = f"{el.get('class', '')} {el.get('id', '')} {el.get('itemprop', '')} " \
               f"{el.get('rel', '')}".lower()
        if not BYLINE_HINT.search(hint):
            continue  # cheap test first: most elements name nothing like a byline
        considered += 1
        if considered > MAX_BYLINE_CANDIDATES:
            break
        if deadline is not None:
            deadline.check("byline candidates")
        tokens = attribute_tokens(el)
        itemprop = (el.get("itemprop") or "").split()
        rel = (el.get("rel") or "").split()
        if tokens & BYLINE_TOKENS or "author" in itemprop or "author" in rel or \
                any(t.startswith(BYLINE_PREFIXES) and not t.startswith(NOT_BYLINE_PREFIXES)
                    for t in tokens):
            # Found elements are disjoint and in document order: only the last one can
            # hold ``el``.
            if not found or not is_ancestor(found[-1], el):
                found.append(el)
    return found


# Ancestors that put a byline in another article's teaser, not ours.
ELSEWHERE_TAGS = frozenset(("aside", "nav", "footer"))
ELSEWHERE_TOKENS = frozenset(("related", "recirc", "popular", "trending", "sidebar", "promo",
                              "recommended", "more-stories", "newsletter", "comments",
                              "comment", "teaser", "card", "widget"))
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?)])")


def spaced_text(el) -> str:
    """Element text with a space wherever two elements meet ("Jane Doe" + "Published" does
    not become "Jane DoePublished"), punctuation kept tight; but a word split by an inline
    element ("Molly Woo<span>d</span>": a letter, then a lower-case letter, no space between)
    stays one word."""
    parts: list[str] = []
    for piece in el.itertext():
        if parts and not (_word_goes_on(parts[-1], piece)):
            parts.append(" ")
        parts.append(piece)
    return _SPACE_BEFORE_PUNCT.sub(r"\1", fold("".join(parts)))


def _word_goes_on(before: str, after: str) -> bool:
    return bool(before) and bool(after) and before[-1].isalpha() and after[0].isalpha() \
        and after[0].islower()


def _elsewhere(el) -> bool:
    p = el.getparent()
    while p is not None:
        if p.tag in ELSEWHERE_TAGS or attribute_tokens(p) & ELSEWHERE_TOKENS:
            return True
        p = p.getparent()
    return False


def visible_byline(root, head_el, deadline=None) -> tuple[str | None, object | None]:
    """The byline text a reader sees: a byline-marked element near the headline, or a short
    'By ...' line after it."""
    candidates = []
    for el in byline_elements(root, deadline):
        el = _byline_line(el)
        text = spaced_text(el)
        if _label_alone(text):
            el, text = _with_name_beside(el, text)
        if NOT_AUTHOR_CREDIT.match(text):
            continue
        if 2 < len(text) <= BYLINE_MAX_CHARS and not _elsewhere(el):
            candidates.append((text, el))
    if candidates:
        if head_el is not None:
            # The first byline after our headline; teasers' bylines come before it in the
            # page's chrome or far after it.
            following = _following(head_el, {el for _, el in candidates}, deadline)
            after = [c for c in candidates if c[1] in following]
            if after:
                return after[0]
        return candidates[0]
    if head_el is not None:
        # No marked byline: the smallest "By ..." line among the headline's next siblings
        # (a row "By A · Updated 3 hours ago" holds a smaller "By A" element).
        for i, el in enumerate(head_el.itersiblings()):
            if i >= BYLINE_SEARCH_SIBLINGS:
                break
            lines = []
            for j, n in enumerate(el.iter()):
                if j >= BYLINE_SEARCH_NODES:
                    break
                if isinstance(n.tag, str) and BYLINE_PREFIX.match(t := spaced_text(n)) \
                        and len(t) <= BYLINE_MAX_CHARS:
                    if _label_alone(t):
                        n, t = _with_name_beside(n, t)
                        if _label_alone(t):
                            continue
                    lines.append((len(t), j, t, n))
            if lines:
                _, _, text, node = min(lines)
                return text, node
    # No marked byline: a link to an author's page, outside other articles' teasers; its
    # parent is the byline ("By <a href=/author/x>Jane Doe</a>").
    looked_at = 0
    parent_texts: dict = {}  # siblings' links share their parent: its text is read once
    for a in root.iter("a"):
        if AUTHOR_HREF.search(a.get("href") or "") and not _elsewhere(a):
            looked_at += 1
            if looked_at > MAX_AUTHOR_LINKS:
                break
            if deadline is not None:
                deadline.check("author links")
            parent = a.getparent()
            name = spaced_text(a)
            if parent is not None and parent not in parent_texts:
                parent_texts[parent] = spaced_text(parent)
            text = parent_texts[parent] if parent is not None else ""
            # A byline is the link with little around it, or a "By ..." line; a sentence
            # that links to staff pages ("The newsroom: A, B and C") is not.
            if BYLINE_PREFIX.match(text) and len(text) <= BYLINE_MAX_CHARS:
                return text, parent
            if len(text) <= len(name) + LINKED_BYLINE_SLACK:
                return text, parent
    # Nothing marks a byline (pages of divs): a short line "Written by A, Role" wherever it
    # sits.
    lines = text_lines(root)
    found = byline_line(lines)
    if found is not None:
        el, text = lines[found]
        return text, el
    return None, None


# Credit lines that name someone who did not write the article: a recipe's tester, a
# medical or fact checker, an editor, a photographer ("Recipe tested by A", "Medically
# reviewed by B", "Fact checked by C"). They sit in byline-marked boxes beside the byline.
NOT_AUTHOR_CREDIT = re.compile(
    r"^\s*(?:[\w-]+\s+){0,2}?(?:tested|reviewed|fact[- ]?checked|checked|edited|"
    r"photographed|photographs|photos?|illustrated|illustrations?|styled|produced|"
    r"how\s+we\s+reviewed)\b", re.I)


def _label_alone(text: str) -> bool:
    """ "Written by", "Posted by:", "By": a byline's label printed in an element of its own."""
    m = BYLINE_PREFIX.match(text)
    return bool(m) and not text[m.end():].strip(" :")


def _with_name_beside(el, text):
    """(element, text) of a byline whose label sits alone in ``el``: its parent when that
    is short (the label and the name in one row), else the label with its next sibling's
    text ("<p>Written by</p><p>Jane Doe</p>")."""
    parent = el.getparent()
    if parent is not None and parent.tag not in ("body", "html"):
        whole = spaced_text(parent)
        if len(whole) <= BYLINE_MAX_CHARS and not _label_alone(whole):
            return parent, whole
    sibling = el.getnext()
    while sibling is not None and not isinstance(sibling.tag, str):
        sibling = sibling.getnext()
    if sibling is not None:
        name = spaced_text(sibling)
        if 0 < len(name) <= BYLINE_MAX_CHARS:
            return el, f"{text.rstrip(' :')} {name}"
    return el, text


# An unmarked line is a byline only when this short: "By ..." sentences are longer.
UNMARKED_BYLINE_MAX_CHARS = 120


def byline_line(lines, site_names=()) -> int | None:
    """Index in ``lines`` (``textlines.text_lines``) of the first line that is a byline
    by its words alone: short, opening with "By"/"Written by"/..., naming a person, outside
    other articles' teasers."""
    for i, (el, text) in enumerate(lines):
        if len(text) <= UNMARKED_BYLINE_MAX_CHARS and BYLINE_PREFIX.match(text) and \
                not _elsewhere(el):
            people = parse_byline(text, site_names=site_names)
            if people and all(_person_like(a.name) for a in people):
                return i
    return None


# Lower-case words a personal name may hold ("Ludwig van Beethoven", "Ana de la Cruz").
NAME_PARTICLES = frozenset(("de", "da", "das", "do", "dos", "del", "della", "di", "du", "la",
                            "le", "van", "von", "der", "den", "ten", "ter", "bin", "ibn",
                            "al", "el", "y", "zu"))


def _person_like(name: str) -> bool:
    """A name as an unmarked line must print it: two words or more, each capitalised or a
    particle. "Von Kartoffeln und Hartbrot", "By Course or Type" and "Por La ..." are
    sentences and labels that open with a byline's word."""
    words = name.split()
    return len(words) >= 2 and all(w[:1].isupper() or w in NAME_PARTICLES for w in words)


# Words after which a date is part of the byline's sentence ("Posted by A on March 3"):
# a date element right after a name is printed beside the byline, not in it.
DATE_CONNECTORS = frozenset(("on", "am", "le", "el", "il", "op", "em", "at", "published",
                             "updated", "posted"))
_TRAILING_SEPARATORS = " ,|·•-–—/"


def _without_trailing_date(el, text: str) -> str:
    """``text`` without the date (and time) element that ends the byline element: "By A
    @a Nov 19, 2019, 7:53pm EST" -> "By A @a", where the date is an element of its own."""
    if el is None:
        return text
    last = None
    for node in el.iterdescendants():
        if isinstance(node.tag, str) and (node.tag == "time" or
                                          _is_date_only(spaced_text(node))):
            last = node
    if last is None:
        return text
    date = spaced_text(last)
    if not date or not text.endswith(date):
        return text
    head = text[:-len(date)].rstrip(_TRAILING_SEPARATORS)
    words = head.split()
    if not words or words[-1].casefold() in DATE_CONNECTORS or not BYLINE_PREFIX.match(head) \
            and len(words) < 2:
        return text
    return head


# An element whose text is only a date has at most this many words.
DATE_ONLY_MAX_WORDS = 8


def _is_date_only(text: str) -> bool:
    return 0 < len(text.split()) <= DATE_ONLY_MAX_WORDS and \
        extract_date_from_text(text) is not None and not parse_byline(text)


# How many of the headline's next siblings may hold an unmarked "By ..." line.
BYLINE_SEARCH_SIBLINGS = 6
# How many elements of each such sibling are looked at (in document order): the byline row
# opens the sibling; the text of every element of a huge sibling, each read whole, would
# cost the square of its size.
BYLINE_SEARCH_NODES = 100
# How many descendants of a byline-marked element may be the "By ..." line it holds.
BYLINE_LINE_NODES = 50
# Separators after which a byline line goes on with other things ("| 3 comments").
_BYLINE_TAIL = re.compile(r"\s+[|·•]\s+.*$")


def _byline_line(el):
    """The element that prints the byline line: a byline-marked block may hold the line in
    a child ("By A and B" beside "Updated 3 hours ago"), and a marked name may sit in a line
    ("Posted by <span class=author>A</span> on March 3")."""
    own = None
    for i, node in enumerate(el.iterdescendants()):
        if i >= BYLINE_LINE_NODES:
            break
        if isinstance(node.tag, str) and (m := BYLINE_PREFIX.match(text := spaced_text(node))) \
                and text[m.end():].strip():  # a "By" label alone is not the line
            own = spaced_text(el) if own is None else own
            if text != own:
                return node
    if not BYLINE_PREFIX.match(spaced_text(el)):
        parent = el.getparent()
        if parent is not None and BYLINE_PREFIX.match(spaced_text(parent)) and \
                len(spaced_text(parent)) <= BYLINE_MAX_CHARS:
            return parent
    return el


def _following(anchor, wanted: set, deadline=None) -> set:
    """Those of ``wanted`` that come after ``anchor`` in document order (in its following
    siblings' subtrees, and its ancestors' up to the body): one walk for all of them, that
    stops once all are found."""
    hits = set()
    node = anchor
    while node is not None and len(hits) < len(wanted):
        for sibling in node.itersiblings():
            for d in sibling.iter():
                if d in wanted:
                    hits.add(d)
            if deadline is not None:
                deadline.check("byline position")
            if len(hits) == len(wanted):
                break
        node = node.getparent()
        if node is not None and node.tag in ("body", "html"):
            break
    return hits


# Links to author pages looked at, at most, for an unmarked byline: a real page has a few (its
# byline, teasers, a staff list); 5,000 in one paragraph cost 28 s when each read its parent's
# text whole (issue 16).
MAX_AUTHOR_LINKS = 100
# Characters a bare author link's parent may hold besides the name ("Jane Doe | 4 min read").
LINKED_BYLINE_SLACK = 40
# Links to an author's page: their text is a name, whatever else the byline says.
AUTHOR_HREF = re.compile(r"/(author|authors|people|person|staff|contributors?|profile|"
                         r"profiles|writers?|journalists?|reporters?|columnists?|by|team)/",
                         re.I)


def _linked_names(el, base_url, site_names) -> list[Author]:
    found = []
    for a in el.iter("a"):
        href = a.get("href") or ""
        rel = (a.get("rel") or "").split()
        if AUTHOR_HREF.search(href) or "author" in rel:
            name = clean_author_name(spaced_text(a), site_names=site_names)
            if name:
                found.append(Author(name, None, web_url(base_url, href)))
    return found


def visible_people(text, el, base_url, site_names) -> list[Author]:
    parsed = parse_byline(text, site_names=site_names) if text else []
    linked = _linked_names(el, base_url, site_names) if el is not None else []
    if linked:
        # The names the byline links to its authors' pages are the people; the parsed text
        # adds their roles.
        roles = {_key(a.name): a.role for a in parsed}
        for a in linked:
            a.role = roles.get(_key(a.name))
        return linked
    urls = _author_urls(el, base_url)
    for a in parsed:
        if a.url is None and a.name.casefold() in urls:
            a.url = urls[a.name.casefold()]
    return parsed


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


def _author_urls(el, base_url: str) -> dict[str, str]:
    urls = {}
    if el is None:
        return urls
    for a in el.iter("a"):
        name = fold("".join(a.itertext()))
        href = a.get("href")
        link = web_url(base_url, href)
        if name and link:
            urls[name.casefold()] = link
    return urls


def web_url(base_url: str, href: str | None) -> str | None:
    """``href`` resolved against the page, if it is an http(s) URL: never a javascript:,
    data: or mailto: link (they would be stored and shown to analysts as links)."""
    if not href or not isinstance(href, str):
        return None
    absolute = urljoin(base_url, href.strip())
    return safe_url_string(absolute) if urlsplit(absolute).scheme in ("http", "https") \
        else None


def _jsonld_people(md: PageMetadata, base_url: str, site_names) -> list[Author]:
    value = md.jsonld("author") or md.jsonld("creator")
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    people = []
    for item in items:
        if isinstance(item, dict):
            types = item.get("@type")
            types = types if isinstance(types, list) else [types]
            if set(map(str, types)) & ORGANISATION_TYPES:
                continue
            name = jsonld_text(item.get("name"))
            url = item.get("url") if isinstance(item.get("url"), str) else None
            # One Person object is one person: "Jane Doe, Worcester Telegram & Gazette"
            # is a name and an affiliation.
            name = re.split(r"\s*[,|]\s*|\s+-\s+", name or "", maxsplit=1)[0]
            cleaned = clean_author_name(name, site_names=site_names)
            if cleaned:
                people.append(Author(cleaned, None, web_url(base_url, url)))
        else:
            text = jsonld_text(item)
            if text:
                people.extend(parse_byline(text, site_names=site_names))
    return people


ORGANISATION_TYPES = frozenset(("Organization", "NewsMediaOrganization", "Corporation",
                                "EducationalOrganization", "GovernmentOrganization"))
# Meta tags that name the author, in the order they are trusted.
AUTHOR_META = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
               "byl")


def authors(root, md: PageMetadata, url: str, site_names, head_el, deadline=None):
    """-> (authors, byline text, source).

    JSON-LD names the people when it has Person authors (right more often than the visible
    byline on the pages we measured: publishers' own records, no teaser bylines to confuse);
    the visible byline adds roles and author-page URLs, and names the people where the page
    has no structured authors.
    """
    byline_text, byline_el = visible_byline(root, head_el, deadline)
    if byline_text and NOT_AUTHOR_CREDIT.match(byline_text):
        byline_text, byline_el = None, None  # a tester's or reviewer's credit, no byline
    if byline_text:
        byline_text = _BYLINE_TAIL.sub("", byline_text) or byline_text
        byline_text = _without_trailing_date(byline_el, byline_text)
    visible = visible_people(byline_text, byline_el, url, site_names)
    structured = _jsonld_people(md, url, site_names)
    linked = byline_el is not None and _linked_names(byline_el, url, site_names)
    if structured and linked and {_key(a.name) for a in structured} < \
            {_key(a.name) for a in visible}:
        # The byline names everyone JSON-LD names and more (JSON-LD often keeps only the
        # first of several authors).
        structured = []
    if structured:
        seen = {_key(a.name): a for a in visible}
        for a in structured:
            v = seen.get(_key(a.name))
            if v is not None:
                a.role = a.role or v.role
                a.url = a.url or v.url
        return dedupe_authors(structured), byline_text, "json-ld"
    if visible:
        return dedupe_authors(visible), byline_text, "heuristic:byline"
    for name in AUTHOR_META:
        found = []
        for value in md.meta_all(name):
            if not value.startswith("http"):
                found.extend(parse_byline(value, site_names=site_names))
        if found:
            return dedupe_authors(found), byline_text, f"meta:{name}"
    found = corroborated_people(md, url, byline_text, site_names)
    if found:
        return found, byline_text, "corroborated"
    return [], byline_text, "none"


# How many sources (JSON-LD author, author meta tags, the visible byline) must name a
# person whom the site-name rule alone ruled out, for the name to stand. One: the site
# being named after the person is the other witness. Two cost wcxb-dev (folds 1-4) 0.034
# authors for no gain elsewhere (personal blogs state their author in one meta tag).
CORROBORATING_SOURCES = 1


def corroborated_people(md: PageMetadata, url: str, byline_text, site_names) -> list[Author]:
    """People the name filters ruled out for one reason only, that the page bears out.

    A personal site is named after its author ("Rick Steves" on ricksteves.com, "Sam
    Bossley" on sam.bossley.com; a blog whose JSON-LD publisher is the Person who writes
    it): the site-name rule, meant for "By The Verge", drops the author there. Such a
    name stands where it is shaped as a person's (``_person_like``: two words or
    more, each capitalised, as printed; "StarsInsider" and "AUTO ZEITUNG" are not) and
    CORROBORATING_SOURCES of its author sources name it (or JSON-LD types it Person); never
    where the JSON-LD publisher is an Organization of that name (unless the author is typed
    Person: Substack and Ghost name the blog's publisher after its author). A brand
    mistyped as a Person still passes: the labelled sets disagree on those (one labels
    "Presse Augsburg" an author, another labels "Die Tagespresse" none)."""
    votes: dict[str, set] = {}
    spelled: dict[str, str] = {}
    typed: set = set()
    urls: dict[str, str] = {}

    def vote(name, source, person=False, link=None):
        name = " ".join((name or "").split())
        if not name or clean_author_name(name, site_names=site_names):
            return  # a name the filters keep is no corroboration case (read already)
        if clean_author_name(name) != name or not _person_like(name):
            return  # ruled out for more than the site's name, or not shaped as a name
        key = _key(name)
        if key in org_names and not person:
            return  # the JSON-LD publisher, an Organization, goes by this name
        votes.setdefault(key, set()).add(source)
        spelled.setdefault(key, name)
        if person:
            typed.add(key)
        if link:
            urls.setdefault(key, link)

    publisher = md.jsonld("publisher")
    org_names = {_key(jsonld_text(p) or "") for p in
                 (publisher if isinstance(publisher, list) else [publisher])
                 if isinstance(p, dict) and "Person" not in _types(p)}
    value = md.jsonld("author") or md.jsonld("creator")
    for item in (value if isinstance(value, list) else [value] if value else []):
        if isinstance(item, dict):
            types = _types(item)
            if types & ORGANISATION_TYPES:
                continue
            link = item.get("url") if isinstance(item.get("url"), str) else None
            vote(jsonld_text(item.get("name")), "json-ld", person="Person" in types,
                 link=web_url(url, link))
        elif isinstance(item, str):
            vote(item, "json-ld")
    for name in AUTHOR_META:
        for meta_value in md.meta_all(name)[:3]:
            if not meta_value.startswith("http"):
                vote(meta_value, "meta")
    if byline_text:
        stripped = BYLINE_PREFIX.sub("", byline_text, count=1).strip(" :")
        vote(stripped, "byline")
    people = [Author(spelled[k], None, urls.get(k)) for k in votes
              if k in typed or len(votes[k]) >= CORROBORATING_SOURCES]
    return dedupe_authors([a for a in people if _person_name(a.name)])


def _types(node: dict) -> set:
    t = node.get("@type")
    return set(map(str, t if isinstance(t, list) else [t]))


def _person_name(name: str) -> bool:
    """Still a person's name by its shape: no digits, at most MAX_NAME_WORDS words."""
    return not any(ch.isdigit() for ch in name) and 0 < len(name.split()) <= 5


# ---------------------------------------------------------------- dates

PUBLISHED_META = ("article:published_time", "og:published_time", "published_time",
                  "datepublished", "pubdate", "publishdate", "publish-date", "date",
                  "dc.date", "dc.date.issued", "dcterms.created", "parsely-pub-date",
                  "sailthru.date", "article.published", "cxenseparse:recs:publishtime")
MODIFIED_META = ("article:modified_time", "og:updated_time", "modified_time", "datemodified",
                 "dcterms.modified", "last-modified", "article.updated")


def published_at(root, md: PageMetadata, url: str, *, now: datetime,
                 default_tz: tzinfo | None, head_el,
                 modified: str | None = None) -> tuple[str | None, str]:
    """The publication time: every date the page states is a candidate, ranked
    (``datecands``: source, label, position by the headline, agreement, plausibility
    against ``modified``), not the first found."""
    def by_byline():
        return _date_by_byline(root, now=now, default_tz=default_tz)

    cands = datecands.date_candidates(root, md, url, now=now, default_tz=default_tz,
                                      head_el=head_el, published_meta=PUBLISHED_META,
                                      byline_date=by_byline)
    best = datecands.pick_published(cands, modified)
    if best is None:
        return None, "none"
    return best.value, best.source


# Lines on either side of an unmarked byline line where its date-time line may sit.
BYLINE_DATE_LINES = 2


def _date_by_byline(root, *, now, default_tz):
    """(value, element) of the lone date-time line beside an unmarked byline line (pages of
    divs): a line that is only a date, within BYLINE_DATE_LINES of the byline, the nearer
    first, after before; None without one."""
    lines = text_lines(root)
    at = byline_line(lines)
    if at is None:
        return None
    for offset in range(1, BYLINE_DATE_LINES + 1):
        for i in (at + offset, at - offset):
            if 0 <= i < len(lines):
                text = lines[i][1]
                if len(text.split()) <= DATE_LINE_MAX_WORDS:
                    value = extract_date_from_text(text, now=now, default_tz=default_tz)
                    if value:
                        return value, lines[i][0]
    return None


# A line of at most this many words that holds a date is a timestamp line, not prose
# ("Wednesday, Jul 2, 2025, 6:25 PM UTC" has 7).
DATE_LINE_MAX_WORDS = 8


def modified_at(md: PageMetadata, *, now, default_tz) -> tuple[str | None, str]:
    value = jsonld_text(md.jsonld("dateModified"))
    if value:
        parsed = parse_date(value, now=now, default_tz=default_tz)
        if parsed:
            return parsed, "json-ld"
    for name in MODIFIED_META:
        for raw in md.meta_all(name):
            parsed = parse_date(raw, now=now, default_tz=default_tz)
            if parsed:
                return parsed, f"meta:{name}"
    for el in md.itemprops.get("dateModified", ()):
        parsed = parse_date(el.get("datetime") or el.get("content") or element_text(el),
                            now=now, default_tz=default_tz)
        if parsed:
            return parsed, "microdata"
    return None, "none"


# ---------------------------------------------------------------- section, summary, tags, language

# class/id tokens of a visible section label ("News" above the headline).
SECTION_TOKENS = frozenset(("category", "section", "kicker", "eyebrow", "rubric", "topic",
                            "post-category", "article-section", "cat-links"))
SECTION_MAX_CHARS = 40


def section(root, md: PageMetadata, head_el) -> tuple[str | None, str]:
    value = jsonld_text(md.jsonld("articleSection"))
    if value:
        return value, "json-ld"
    found = md.meta_first("article:section", "section", "parsely-section", "category")
    if found:
        return found
    # A short label in the title block, before the headline.
    scope = head_el.getparent() if head_el is not None else None
    if scope is not None:
        for el in scope.iter():
            if el is head_el:
                break
            if isinstance(el.tag, str) and attribute_tokens(el) & SECTION_TOKENS:
                text = element_text(el)
                if 0 < len(text) <= SECTION_MAX_CHARS:
                    return text, "heuristic:label"
    label = _label_before(head_el)
    if label:
        return label, "heuristic:line-before-headline"
    return None, "none"


# An unmarked section label is a word or three ("News", "Artificial Intelligence").
SECTION_LABEL_MAX_WORDS = 3


def _label_before(head_el) -> str | None:
    """The section label of a page of divs: the short line just before a headline that is
    no heading element (an h1's neighbours are marked, or are breadcrumbs and kickers)."""
    if head_el is None or head_el.tag in ("h1", "h2", "h3"):
        return None
    prev = head_el.getprevious()
    while prev is not None and not isinstance(prev.tag, str):
        prev = prev.getprevious()
    if prev is None or next(prev.iterdescendants(*BLOCK_TAGS), None) is not None:
        return None
    text = element_text(prev)
    if 0 < len(text) <= SECTION_MAX_CHARS and len(text.split()) <= SECTION_LABEL_MAX_WORDS \
            and not any(c.isdigit() for c in text):
        return text
    return None


def summary(md: PageMetadata) -> tuple[str | None, str]:
    found = md.meta_first("description", "og:description", "twitter:description")
    if found:
        return found
    value = jsonld_text(md.jsonld("description"))
    return (value, "json-ld") if value else (None, "none")


def tags(md: PageMetadata) -> tuple[list[str], str]:
    def split(values):
        out = []
        for v in values:
            out.extend(fold(p) for p in str(v).split(","))
        return [t for t in out if t]

    found = md.meta_all("article:tag")
    if found:
        return _unique(split(found)), "meta:article:tag"
    kw = md.jsonld("keywords")
    if kw:
        items = kw if isinstance(kw, list) else [kw]
        return _unique(split(jsonld_text(i) or "" for i in items)), "json-ld"
    for name in ("news_keywords", "keywords", "parsely-tags"):
        found = md.meta_all(name)
        if found:
            return _unique(split(found)), f"meta:{name}"
    return [], "none"


def _unique(items):
    seen, out = set(), []
    for i in items:
        k = i.casefold()
        if k not in seen:
            seen.add(k)
            out.append(i)
    return out


_LANG = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2}|\d{3}|[A-Za-z]{4}))?")


def bcp47(value: str | None) -> str | None:
    m = _LANG.match((value or "").strip())
    if not m:
        return None
    lang, region = m.group(1).lower(), m.group(2)
    if region:
        region = region.title() if len(region) == 4 else region.upper()
        return f"{lang}-{region}"
    return lang


def language(md: PageMetadata) -> tuple[str | None, str]:
    candidates = ((md.html_lang, "html:lang"),
                  (jsonld_text(md.jsonld("inLanguage")), "json-ld"),
                  (next(iter(md.meta_all("og:locale")), None), "meta:og:locale"),
                  (next(iter(md.meta_all("content-language")), None), "meta:content-language"))
    for value, source in candidates:
        code = bcp47(value)
        if code:
            return code, source
    return None, "none"


def site_names(md: PageMetadata, url: str) -> tuple[str, ...]:
    """Names the site goes by: og:site_name, JSON-LD publisher, host name pieces."""
    names = md.meta_all("og:site_name") + md.meta_all("application-name")
    pub = md.jsonld("publisher")
    if pub:
        name = jsonld_text(pub)
        if name:
            names.append(name)
    host = site_of(url)
    names.append(host)
    names.append(host.rsplit(".", 1)[0])
    return tuple(dict.fromkeys(n for n in names if n))
