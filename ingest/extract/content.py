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
from . import chrome
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
# Short lines that are not links (labels, list items, a caption) in a container cost less:
# pages with few long paragraphs keep their short lines.
SHORT_TEXT_PENALTY = 0.15
# A block this link-heavy is navigation, whatever container it is in.
MAX_LINK_DENSITY = 0.6
# "RELATED: Other headline" / "READ MORE: ..." lines are links to other articles when most of
# their text is a link.
PROMO_PREFIX = re.compile(r"^(related|more|read\s+more|also\s+read|see\s+also|watch|listen|"
                          r"recommended|icymi|don'?t\s+miss|read\s+next|up\s+next)\b", re.I)
PROMO_LINK_DENSITY = 0.4
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
    # Photo credits, contact lines, newsletter headings (prose chrome; the costlier credit
    # and appeal patterns are PROSE_CHROME's, behind a prefilter).
    | (photo(graph)?s?|images?|illustrations?|video)\s+(by|courtesy\s+of|credit)\b.{0,120}
    | (have|got)\s+a\s+(news\s+)?(tip|story(\s+idea)?|question|correction)\b.{0,250}(contact|e-?mail|write|reach|call|send)\b.{0,250}
    # Customer-service notes and form consent text (service boxes beside the article).
    | .{0,80}\b(questions|problems|issues)\s+(about|with)\s+(your|an?|the)\s+(order|subscription|delivery|account|appointment|invoice|bill|billing|payment|booking)s?\b.{0,250}\bcustomer\s+(service|support|care)\b.{0,250}
    | by\s+(pressing|clicking|tapping|submitting|signing\s+up)\b.{0,80}\b(you|i)\s+(agree|consent)\b.{0,300}
    | (contact|e-?mail|reach)\s+(us|our\s+newsroom|the\s+(newsroom|author|reporter|writer|editors?))\s+(at|on|via)\b.{0,200}
    | (breaking\s+news|daily|weekly|morning|evening)\s+(emails?|alerts?|newsletters?|briefing)
    | subscribe(\s+(now|today|here))?
    | (disclosure|disclaimer|editor'?s\s+note)\s*:?.{0,400}(affiliate|commission|rights\s+reserved|sponsor).{0,400}
    | .{0,200}\b(if|when)\s+you\s+(buy|purchase|click|shop)\b.{0,200}\b(commission|compensation|earn)\b.{0,300}
    | .{0,40}\b(ad\s*-?blocker|ad\s+block)\b.{0,400}
    | this\s+(website|site)\s+uses\s+cookies.{0,400}
    | be\s+the\s+first\s+to\s+(know|comment|rate|review).{0,80}
    | tagged\s+(in|with)\s*:?.{0,200}
    | click\s+to\s+(unmute|play|expand).{0,40}
    | please\s+use\s+an?\s+html5.{0,120}
    | your\s+browser\s+does\s+not\s+support.{0,120}
    | (listen\s+to\s+this\s+(story|article)).{0,160}
    | (trending|recommended)\s+videos?
    | like\s+loading\.*
    | (last\s+updated|updated|ultima\s+modifica|aggiornato|zuletzt\s+aktualisiert|aktualisiert|mis\s+(à|a)\s+jour|actualizado)\b\s*:?\s*(on\s+|am\s+|il\s+|le\s+)?\S{0,12}\d.{0,50}
    | (\d+\s*(min|mins|minutes?|minuten|minutos)\.?\s*(read|reading\s+time|lesezeit|lecture|de\s+lectura))
    | (lesezeit|reading\s+time|temps\s+de\s+lecture|ten\s+tekst\s+przeczytasz).{0,40}
    | .{0,40}\b(accept|allow|manage|reject)\s+(all\s+)?cookies\b.{0,600}
    | cookie\s+(preferences|settings|policy|list|notice)\b.{0,600}
    | click\s+to\s+save\s+this\s+(article|story).{0,200}
    | enjoy\s+more\s+audio\b.{0,120}
    | \(?\s*(additional\s+)?(reporting|writing|editing|compiled|research)\s+by\b.{0,300}
    | .{0,80}\b(may|might|could|will)\s+(earn|receive|get|collect)\s+(a\s+)?(small\s+)?(commission|compensation|share\s+of\s+(sales|revenue)).{0,200}
    | (teilen|drucken|versenden|merken|artikel\s+teilen|jetzt\s+teilen)(\s+(auf|per)\s+\w+)?
    | (abonnieren\s+sie|jetzt\s+abonnieren|newsletter\s+abonnieren).{0,120}
    | (partager|imprimer|s'abonner)(\s+sur\s+\w+)?
    | (compartir|imprimir|suscr(í|i)bete).{0,60}
    | (mit\s+absendung\s+des\s+formulars|ich\s+willige\s+ein).{0,300}
    | (alle\s+rechte\s+vorbehalten|tous\s+droits\s+r(é|e)serv(é|e)s|todos\s+los\s+derechos).{0,80}
    )$""",
    re.X | re.I,
)


# Lines that open what comes after an article: other articles, sign-ups, comments. Seen as a
# heading or a short line after the article has begun, they end the body.
END_MARKERS = re.compile(
    r"""^(?:
      related(\s+(articles?|stories|posts|content|coverage|links|reading|news|topics))?
    | more\s+(on|from|about|in)\b.{0,60}
    | more\s+(stories|articles|news|to\s+read|coverage)\b.{0,40}
    | more\s+(great|top|recent|good)\s+.{0,40}(stories|articles|reads|coverage)
    | (breaking\s+news|daily|weekly)\s+(emails?|alerts?|newsletters?)
    | (editor'?s'?|editors'|staff)\s+picks?
    | recommended(\s+(for\s+you|stories|reading|articles|videos))?
    | you\s+(may|might)\s+(also\s+)?(like|enjoy|be\s+interested\s+in).{0,20}
    | (read|watch|up)\s+next\b.{0,40}
    | what\s+to\s+read\s+next
    | (most|the\s+most)\s+(popular|read|viewed|shared)\b.{0,30}
    | trending(\s+(now|stories|news|articles|videos))?
    | popular(\s+(posts|stories|articles|now|on\s+\w+))?
    | (latest|top)\s+(news|stories|headlines|articles|videos)\b.{0,30}
    | sponsored(\s+(stories|content|links))?
    | around\s+the\s+web
    | (also|don'?t\s+miss|must)\s+read\b.{0,40}
    | (leave|post|add)\s+a\s+(comment|reply)
    | \d*\s*comments?
    | (join|start)\s+the\s+(conversation|discussion)
    | have\s+a\s+(news\s+)?tip\b.{0,80}
    | (sign\s+up|subscribe)\s+(for|to)\b.{0,80}
    | (follow|like)\s+us\s+on\b.{0,60}
    | about\s+the\s+author
    | (like|share)\s+this:?
    | (follow|find|connect\s+with)\s+us(\s+(today|here|online))?
    | (people|readers)\s+(who\s+read\s+this\s+)?(are\s+)?also\s+read(ing)?\b.{0,20}
    | related\s+to\s+this\s+(story|article)
    # German, French, Spanish, Italian, Dutch, Polish: the same families of lines.
    | mehr\s+(zum\s+thema|zu\s+diesem\s+thema|aus\s+dem\s+ressort|artikel|nachrichten|von)\b.{0,40}
    | (das\s+k(ö|oe)nnte\s+sie\s+auch\s+interessieren|auch\s+interessant|lesen\s+sie\s+(auch|mehr))
    | (weitere|(ä|ae)hnliche|verwandte|empfohlene)\s+(artikel|beitr(ä|ae)ge|themen|nachrichten)
    | (kommentare?|kommentieren(\s+sie)?|diskutieren\s+sie\s+mit|ihre\s+meinung)\b.{0,30}
    | (themen|schlagw(ö|oe)rter|schlagworte)\s*:?.{0,200}
    | (à|a)\s+lire\s+(aussi|également)|lire\s+aussi|sur\s+le\s+m(ê|e)me\s+sujet
    | (vos\s+r(é|e)actions|commentaires?|laisser\s+un\s+commentaire)
    | (tambi(é|e)n\s+te\s+puede\s+interesar|noticias\s+relacionadas|comentarios|lee\s+tambi(é|e)n)
    | (leggi\s+anche|articoli\s+correlati|commenti)
    | (lees\s+ook|gerelateerde\s+artikelen|reacties)
    | (czytaj\s+(tak(ż|z)e|te(ż|z)|wi(ę|e)cej)|komentarze|zobacz\s+te(ż|z))
    )[\s.:!?…]*$""",
    re.X | re.I,
)
# The body must have this many words before an end marker can end it (a "Related" line
# above the first paragraph is a kicker, not the end).
END_MARKER_MIN_WORDS = 60


# Curly apostrophes match the markers' straight ones ("Editor’s picks").
_CURLY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'"})


def is_end_marker(text: str) -> bool:
    return len(text) <= 80 and bool(END_MARKERS.match(text.translate(_CURLY)))


@dataclass(slots=True)
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


def _is_data_row(tr) -> bool:
    for node in tr.iterdescendants():
        if isinstance(node.tag, str) and node.tag in BLOCK_TAGS and node.tag not in ("td", "th"):
            return False
    return True


def iter_blocks(root) -> list[Block]:
    """Cut ``root`` into text blocks in document order (iteratively, any nesting depth)."""
    blocks: list[Block] = []
    buf: list[str] = []
    buf_links = [0]
    containers = [root]
    link_depth = 0

    def flush():
        if not buf:
            return
        text = "".join(buf)
        buf.clear()
        if not text.isspace():  # most runs between blocks are only indentation
            text = fold(text)
            if text:
                blocks.append(Block("para", text, containers[-1], min(buf_links[0], len(text))))
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
            elif tag == "tr" and _is_data_row(el):
                # A row of a data table is one line of the article: cells joined with " | "
                # (layout tables, whose cells hold paragraphs, are read as containers).
                flush()
                cells = [t for t in (element_text(c) for c in el if c.tag in ("td", "th")) if t]
                if cells:
                    text = " | ".join(cells)
                    blocks.append(Block("para", text, el, min(link_text_length(el), len(text))))
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


# A chrome-marked element that holds at least this share of the page's article text is the
# article's wrapper with an unlucky class name, not chrome.
PROTECT_SHARE = 0.6
# ... and one chrome only by its class words that holds this many times the article text
# found outside all chrome (and at least PROTECT_MIN_CHARS of it).
PROTECT_RATIO = 2.0
PROTECT_MIN_CHARS = 800


def _path(el, memo: dict) -> tuple:
    """``el`` and its ancestors, built once per element (blocks share their ancestors: asking
    lxml for them per block costs a proxy object per block per level)."""
    chain = []
    node = el
    while node is not None and node not in memo:
        chain.append(node)
        node = node.getparent()
    tail = memo.get(node, ()) if node is not None else ()
    for n in reversed(chain):
        tail = (n, *tail)
        memo[n] = tail
    return memo[el]


def mark_chrome(blocks: list[Block], root, is_chrome) -> None:
    """Set each block's path and whether it sits under (unprotected) chrome."""
    holders = set()
    paths: dict = {}
    for b in blocks:
        b.path = _path(b.el, paths)
        holders.update(b.path)
    chrome_els = {el for el in holders if is_chrome(el)}
    good: dict = {}
    total = 0
    for b in blocks:
        if b.is_good:
            n = len(b.text)
            total += n
            for anc in chrome_els.intersection(b.path):
                good[anc] = good.get(anc, 0) + n
    floor = PROTECT_SHARE * total
    active = {el for el in chrome_els if not (total and good.get(el, 0) >= floor)}
    if active and total:
        # A wrapper chrome only by its class words ("so-panel widget", "story social-share")
        # that holds several times the article text left outside all chrome is the article
        # (else a consent box or a customer-service note outside it is taken as the body).
        outside = sum(len(b.text) for b in blocks if b.is_good and
                      chrome_els.isdisjoint(b.path))
        floor = max(PROTECT_MIN_CHARS, PROTECT_RATIO * outside)
        named = getattr(is_chrome, "extra", ())  # a site profile's chrome stays chrome
        active = {el for el in active if not (good.get(el, 0) >= floor and el not in named
                                               and chrome.is_named_chrome_only(el))}
    for b in blocks:
        b.chrome = not active.isdisjoint(b.path)


def choose_container(blocks: list[Block], root=None):
    """The element whose good text minus penalised other text is largest (chrome ignored).

    Pages whose every paragraph sits under chrome (a wrapper with an unlucky name split in
    two) are read again without the chrome marks; pages with no paragraph long enough to be
    "good" (short posts, product pages) count every prose-like line instead.
    """
    for relaxed in (False, True):
        for use_chrome in (True, False):
            found = _best_container(blocks, use_chrome, SHORT_MIN_CHARS if relaxed else 0)
            if found is not None:
                if not use_chrome:
                    for b in blocks:
                        b.chrome = b.chrome and not (found in b.path)
                return found
    return None


# On pages without any "good" paragraph, a prose-like line this long counts instead.
SHORT_MIN_CHARS = 20


def _best_container(blocks, use_chrome: bool, relaxed_min: int):
    good: dict = {}
    other: dict = {}
    for b in blocks:
        if use_chrome and b.chrome:
            continue
        n = len(b.text)
        if relaxed_min:
            is_good = b.kind == "para" and n >= relaxed_min and \
                b.link_density <= GOOD_MAX_LINK_DENSITY
        else:
            is_good = b.is_good
        if is_good:
            table, n = good, n
        else:
            # Short prose lines (labels, list items, captions) cost little; links cost a lot.
            table = other
            n = n * (OTHER_TEXT_PENALTY if b.link_density > GOOD_MAX_LINK_DENSITY
                     or b.kind == "heading" else SHORT_TEXT_PENALTY)
        for anc in b.path:
            table[anc] = table.get(anc, 0) + n
    if not good:
        return None
    return max(good, key=lambda el: good[el] - other.get(el, 0))


# A block of at most this many words that holds a date is a timestamp line, not prose.
DATELINE_MAX_WORDS = 8


# Photo agencies whose name ends a credit line ("Name | Bloomberg | Getty Images").
CREDIT_SOURCES = ("getty images", "ap photo", "afp", "reuters", "shutterstock", "alamy",
                  "istock", "istockphoto", "epa", "epa-efe", "bloomberg", "associated press",
                  "nurphoto", "lightrocket", "imago", "dpa", "picture alliance", "corbis",
                  "rex features", "zuma press", "sipa", "ap")
# A credit line: a name (and an outlet) and the agency as the last part after "|" or "/",
# or "... via Getty Images".
CREDIT_SEPARATOR = re.compile(r"\s*[|/]\s*")
CREDIT_MAX_PARTS = 3
VIA_GETTY = re.compile(r"^.{0,120}\bvia\s+getty\s+images\.?$", re.I)
CREDIT_MAX_CHARS = 160
# A caption printed as a line of its own (no <figure>, no caption class) that ends with its
# photo credit: the agency first as wire captions print it ("... REUTERS/Sam Hale",
# "(AP Photo/Jo Lee)", "AFP/Getty Images"), or "Photo:"/"Foto:"/"Credit:" and a name with an
# agency after a slash. Case matters: agencies in capitals, names capitalised (prose that
# mentions "Reuters/Ipsos" ends otherwise). Only short blocks: a caption, not a paragraph.
CAPTION_CREDIT_TAIL = re.compile(
    r"""(?:
      \((?:AP|AFP|EPA|Reuters|REUTERS)\s+Photo\s*/\s*[^()]{2,60}\)
    | \b(?:REUTERS|AFP|EPA(?:-EFE)?|XINHUA|ANP|AAP|KYODO)\s*/\s*(?:[A-Z][\w.'\-]*\s?){1,4}
      (?:/\s*(?:File|Pool|Illustration|Getty\s+Images))?
    | \b(?:Photo|Photograph|Foto|Bild|Credit|Image)s?\s*:\s*[A-Z][^.!?:]{1,60}/\s*
      (?:[A-Z][\w\-]*\s?){1,3}
    )\.?\s*$""", re.X)
CAPTION_MAX_CHARS = 250
# A donation appeal: an ask and an address to the reader, in one short block.
APPEAL_ASK = re.compile(r"donat|gift|support\s+us|become\s+a\s+(member|supporter)|membership",
                        re.I)
# A credit line ends with an agency's name: its last characters are looked at first.
_CREDIT_TAIL_CHARS = max(map(len, CREDIT_SOURCES)) + 1
APPEAL = re.compile(r"\b(readers\s+like\s+you|our\s+(journalism|reporting|newsroom)|"
                    r"nonprofit\s+newsroom|independent\s+journalism|your\s+support|"
                    r"support\s+us)\b", re.I)


def is_boilerplate(text: str) -> bool:
    if len(text) >= 300:
        return False
    text = text.translate(_CURLY)
    if BOILERPLATE.match(text):
        return True
    if len(text) <= CREDIT_MAX_CHARS:
        bare = text.rstrip(". ")
        if bare[-_CREDIT_TAIL_CHARS:].casefold().endswith(CREDIT_SOURCES):
            parts = CREDIT_SEPARATOR.split(bare.casefold())
            if 1 < len(parts) <= CREDIT_MAX_PARTS and parts[-1] in CREDIT_SOURCES or \
                    VIA_GETTY.match(text):
                return True
    if len(text) <= CAPTION_MAX_CHARS and "/" in text and CAPTION_CREDIT_TAIL.search(text):
        return True
    return APPEAL_ASK.search(text) is not None and APPEAL.search(text) is not None


def is_timestamp_line(text: str) -> bool:
    return len(text.split()) <= DATELINE_MAX_WORDS and extract_date_from_text(text) is not None


def body_blocks(blocks: list[Block], container, *, headline: str | None = None,
                skip_texts: frozenset = frozenset(), evidence: str | None = None,
                headline_style: tuple | None = None, why: dict | None = None,
                byline: str | None = None) -> list[Block]:
    """The container's blocks that are article text, in order. ``why``, when given, gets the
    reason each dropped block of the container was dropped (for diagnostics)."""
    def drop(b, reason):
        if why is not None:
            why[id(b)] = reason
    in_container = [b for b in blocks if container in b.path]
    inside = [b for b in in_container if not b.chrome]
    # Short texts that also stand outside the body container: a banner, a label.
    # Repeats inside the body (a pull quote of a paragraph) keep their first copy instead.
    in_ids = {id(b) for b in in_container}
    outside_texts = {b.text for b in blocks
                     if len(b.text) <= REPEATED_CHROME_MAX_CHARS and id(b) not in in_ids}
    pull_quotes = _pull_quotes(in_container)
    # Everything up to and including the headline is the title block (section label,
    # kicker, the headline itself), not body text.
    start = 0
    if headline:
        plain = None  # a headline printed as a plain line, before any paragraph
        before_text = True
        for i, b in enumerate(in_container):
            if b.kind == "heading" and fold(b.text) == headline:
                start = i + 1
                break
            before_text = before_text and not b.is_good
            if plain is None and before_text and b.kind == "para" and b.text == headline:
                plain = i + 1
        else:
            start = plain or 0
        if start and _good_chars(in_container[start:]) < \
                TITLE_REPEAT_SHARE * _good_chars(in_container[:start]):
            # The headline printed again after the article (a "more stories" card, a
            # share box): what came before it is the article, not its title block.
            start = 0
        start = _after_title_block(in_container, start, byline)
        for b in in_container[:start]:
            drop(b, "before headline")
    kept: list[Block] = []
    seen: set[str] = set()
    words = 0
    skip_box = None
    resume_on = None
    for b in in_container[start:]:
        t = b.text
        if words and b.kind == "heading" and headline_style and t != headline and \
                (b.el.tag, b.el.get("class")) == headline_style:
            drop(b, "next article")
            break  # the next article of an endless-scroll page: a headline like ours
        if id(b) in pull_quotes:
            drop(b, "pull quote")
            continue
        if b.chrome or (skip_box is not None and skip_box in b.path):
            drop(b, "chrome" if b.chrome else "inset box")
            continue
        if resume_on is not None:
            # After a marker in the article's flow, only a paragraph styled like the
            # article's own paragraphs resumes the body (teasers are styled otherwise).
            if not (b.is_good and _style(b) in resume_on):
                drop(b, "after end marker")
                continue
            resume_on = None
        if t in seen or t in skip_texts or _is_byline_row(t, byline):
            drop(b, "repeat or byline")
            continue
        if words >= END_MARKER_MIN_WORDS and is_end_marker(t):
            drop(b, "end marker")
            skip_box = _insert_box(b, kept, container)
            if skip_box is None:
                resume_on = {_style(k) for k in kept if k.is_good}
            continue
        if b.kind == "para":
            if b.link_density > MAX_LINK_DENSITY:
                drop(b, "links")
                continue
            if is_boilerplate(t) or is_timestamp_line(t) or \
                    (b.link_density >= PROMO_LINK_DENSITY and PROMO_PREFIX.match(t)):
                drop(b, "boilerplate")
                continue
            if len(t) <= REPEATED_CHROME_MAX_CHARS and t in outside_texts:
                drop(b, "repeated outside")
                continue
        elif b.kind == "heading" and (b.level == 1 and t == headline):
            drop(b, "headline")
            continue
        seen.add(t)
        kept.append(b)
        if b.kind == "para":
            words += len(t.split())
    teasers = _lead_teasers(kept)
    for b in kept:
        if id(b) in teasers:
            drop(b, "teaser of the lead")
    kept = [b for b in kept if id(b) not in teasers]
    trimmed = _trim_tail(kept, container)
    for b in kept[len(trimmed):]:
        drop(b, "trailing")
    kept = trimmed
    if evidence:
        filtered = _filter_by_evidence(kept, evidence)
        for b in set(map(id, kept)) - set(map(id, filtered)):
            if why is not None:
                why[b] = "not in articleBody"
        kept = filtered
    # A heading with no paragraph after it ("Related articles" whose list went) is dropped.
    result = []
    for i, b in enumerate(kept):
        if b.kind == "heading":
            nxt = kept[i + 1] if i + 1 < len(kept) else None
            if nxt is None or nxt.kind == "heading" and nxt.level <= b.level:
                drop(b, "heading without text")
                continue
        result.append(b)
    return result


# A pull quote: a quote set in the article (under <blockquote>/<aside>/<figure> or an
# element whose class names a quote: "pullquote", "quote-callout") that repeats the
# article's own text, a whole paragraph or a sentence of one. Whether chrome marks reached it
# (chrome.py lists "pullquote") or not, it is dropped as a pull quote: the paragraph it
# repeats is kept, so no text is lost (a certain rule, hard under the learned model too).
PULL_QUOTE_TAGS = frozenset(("blockquote", "aside", "figure"))
PULL_QUOTE_CLASS = re.compile(r"pull|quote|callout|highlight", re.I)
# How far up from a block its quote wrapper may be (<aside><div><p>).
PULL_QUOTE_DEPTH = 4
# Shorter repeats are labels ("Photo"), left to the repeat rules.
PULL_QUOTE_MIN_CHARS = 20
_QUOTE_MARKS = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb\u201e "


def _is_quote_box(b: Block) -> bool:
    for a in b.path[:PULL_QUOTE_DEPTH]:
        if a.tag in PULL_QUOTE_TAGS:
            return True
        cls = a.get("class")
        if cls and PULL_QUOTE_CLASS.search(cls):
            return True
    return False


def _pull_quotes(in_container: list[Block]) -> set[int]:
    """ids of the container's quote blocks whose text another paragraph of it holds."""
    quotes = [b for b in in_container if b.kind == "para" and
              len(b.text) >= PULL_QUOTE_MIN_CHARS and _is_quote_box(b)]
    if not quotes:  # the common page: no quote box at all (cheap first)
        return set()
    quote_ids = {id(b) for b in quotes}
    paras = [_key(b.text) for b in in_container if b.kind == "para" and not b.chrome
             and id(b) not in quote_ids and len(b.text) >= PULL_QUOTE_MIN_CHARS]
    found = set()
    for b in quotes:
        k = _key(b.text.strip(_QUOTE_MARKS))
        if len(k) >= PULL_QUOTE_MIN_CHARS and any(k in p for p in paras):
            found.add(id(b))
    return found


# A headline matched with less than this share of the article text after it than before it
# (outside chrome) is the headline printed again below the article (a "more stories" card,
# a share box), not the title: the body was once dropped whole as "before headline" there.
# (Not a share of the whole: prose menus before a real title can outweigh the article.)
TITLE_REPEAT_SHARE = 0.25


def _good_chars(blocks: list[Block]) -> int:
    return sum(len(b.text) for b in blocks if b.is_good and not b.chrome)


# A teaser of the lead sits among the body's first few blocks and is at least this long
# (shorter repeats are labels, kept apart by the repeat rules).
TEASER_SEARCH_BLOCKS = 5
TEASER_MIN_CHARS = 40
_TEASER_END = " .…"


def _lead_teasers(kept: list[Block]) -> set[int]:
    """ids of the paragraphs that a later paragraph repeats and goes on from: a summary box
    or dek printing the lead's opening words before the lead itself."""
    found = set()
    for i, b in enumerate(kept[:TEASER_SEARCH_BLOCKS]):
        opening = b.text.rstrip(_TEASER_END)
        if b.kind != "para" or len(opening) < TEASER_MIN_CHARS:
            continue
        if any(c.kind == "para" and len(c.text) > len(b.text) and c.text.startswith(opening)
               for c in kept[i + 1:i + 1 + TEASER_SEARCH_BLOCKS]):
            found.add(id(b))
    return found


# The title block (headline, standfirst, byline, date) holds only short lines; the body
# starts after the byline when it follows the headline within this many blocks.
TITLE_BLOCK_MAX_BLOCKS = 5
TITLE_LINE_MAX_CHARS = 250


def _after_title_block(in_container: list[Block], start: int, byline: str | None) -> int:
    if not byline:
        return start
    for offset, b in enumerate(in_container[start:start + TITLE_BLOCK_MAX_BLOCKS]):
        if len(b.text) > TITLE_LINE_MAX_CHARS:
            break
        if _is_byline_row(b.text, byline):
            return start + offset + 1
    return start


# A line that starts with the byline and is not much longer is the byline row (byline,
# date, reading time), not prose.
BYLINE_ROW_EXTRA_CHARS = 80


def _is_byline_row(text: str, byline: str | None) -> bool:
    return bool(byline) and text.startswith(byline) and \
        len(text) <= len(byline) + BYLINE_ROW_EXTRA_CHARS


def _signature(el) -> tuple:
    return (el.tag, el.get("class"))


def _trim_tail(kept: list[Block], container) -> list[Block]:
    """Cut what follows the article's last paragraph in its own wrapper.

    The article's paragraphs share a parent (or parents alike: a body split by ads into
    several div.body-part); teasers, sign-ups and author boxes that trail it inside the
    same container sit in other wrappers. Everything after the last block under a wrapper
    like the main one goes.
    """
    weight: dict = {}
    for b in kept:
        if b.is_good:
            parent = b.el.getparent()
            if parent is not None:
                sig = _signature(parent)
                weight[sig] = weight.get(sig, 0) + len(b.text)
    if not weight:
        return kept
    main = max(weight, key=weight.get)
    last = -1
    for i, b in enumerate(kept):
        for anc in b.path[1:]:
            if _signature(anc) == main:
                last = i
                break
            if anc is container:
                break
    return kept[:last + 1] if last >= 0 else kept


def _style(b: Block) -> tuple:
    parent = b.el.getparent()
    return (b.el.tag, b.el.get("class"), None if parent is None else parent.tag,
            None if parent is None else parent.get("class"))


def _insert_box(marker: Block, kept: list[Block], container):
    """The box that a "Related"/"More from" marker heads inside the article (a card, an
    inset list), or None where the marker stands in the article's own flow and so ends it."""
    box = None
    for anc in marker.path[1:]:
        if anc is container or any(anc in k.path for k in kept):
            break
        box = anc
    return box




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


# A subhead printed as a plain line is short and is no sentence.
SUBHEAD_MAX_WORDS = 12
SUBHEAD_MAX_CHARS = 100
SENTENCE_END = tuple(".,;:!…\"'”’)")


def plain_subheads(blocks: list[Block]) -> set[int]:
    """ids of the lines that are subheads on a page that marks none (pages of divs): a short
    line that is no sentence, styled apart from the article's paragraphs among which it
    sits (same parent, another tag or class), followed by one of those paragraphs."""
    if any(b.kind == "heading" for b in blocks):
        return set()
    candidates = [(b, nxt) for b, nxt in zip(blocks, blocks[1:])
                  if len(b.text) <= SUBHEAD_MAX_CHARS and b.kind == "para" and
                  not b.link_chars and not b.text.endswith(SENTENCE_END) and
                  len(b.text.split()) <= SUBHEAD_MAX_WORDS and nxt.is_good]
    if not candidates:  # the common page: its short lines are no subheads (cheap first)
        return set()
    styles: dict = {}
    for b in blocks:
        if b.is_good:
            styles[_signature(b.el)] = styles.get(_signature(b.el), 0) + len(b.text)
    para_style = max(styles, key=styles.get)
    return {id(b) for b, nxt in candidates
            if _signature(b.el) != para_style and _signature(nxt.el) == para_style
            and b.el.getparent() is nxt.el.getparent()}


def to_sections(blocks: list[Block]) -> list[Section]:
    sections: list[Section] = []
    current = Section(heading=None, paragraphs=[])
    subheads = plain_subheads(blocks)
    for b in blocks:
        if b.kind == "heading" or id(b) in subheads:
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
