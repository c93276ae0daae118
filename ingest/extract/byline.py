"""Byline text -> one ``Author`` per person, names apart from roles.

Public functions:

``parse_byline(text, *, site_names=()) -> list[Author]``
    The visible byline ("Written by Dolapo Omole, Reporter / Editor", "By A, B and C",
    "Reporting by A; Editing by B", "BY JANE DOE · 5 min read") -> authors, in printed order,
    deduplicated.
``clean_author_name(name, *, site_names=()) -> str | None``
    One name candidate from metadata (JSON-LD ``author.name``, ``<meta name=author>``) -> the
    person's name, or None when it is not one person ("https://...", "Staff", the site's own
    name, "Jane Doe and John Smith": use parse_byline for a value that lists several people).
``split_names(text) -> list[str]``
    "A, B and C" / "A & B" / "A und B" -> ["A", "B", "C"]; "John Smith, Jr." stays one name
    ("John Smith Jr.").
``dedupe_authors(authors) -> list[Author]``
    One entry per person (names compared without case, accents, punctuation or extra spaces);
    the first spelling is kept, with the first non-null role and url.

Decisions a caller must know:

- ``role`` holds what the byline says the person is *or writes for*: a job title ("Reporter /
  Editor", "Senior Writer"), a credit label ("Reporting", "Editing" from "Reporting by A"),
  an outlet ("Special to X"; "By A for X" gives role "X"), or a news agency ("A and B, Reuters"
  gives both A and B the role "Reuters"). An agency alone ("By Reuters", "AP") is no author.
- Dropped from the text: dates, times, reading time, "Updated ..." notes, places ("By A in
  London"), e-mail addresses, @handles, URLs, "Follow"/"Twitter"-style link labels.
- Never a person: a job title alone, "Staff", "Editorial Team", "Admin" and the like
  (``NON_PERSON_NAMES`` / ``ORGANISATION_WORDS``), an agency (``AGENCY_NAMES``), the site's own
  name (from ``site_names``: "theverge.com", "www.theverge.com" and "The Verge" all rule out
  "The Verge"), anything with digits, URLs or "@", more than ``MAX_NAME_WORDS`` words, and
  anything with no capitalised word (so a single lowercase word, or "danah boyd", is dropped).
- ALL-CAPS names are title-cased ("BY JANE DOE" -> "Jane Doe"; "MCDONALD" -> "Mcdonald").
  Other capitalisation is kept as printed.
- "Von A" (German), "Par A" (French) and "Por A" (Spanish) are read like "By A", so a name
  that starts with "Von " at the very start of a byline loses that word.
- A one-word part after a full name ("Jane Doe, London", "Jane Doe | TechCrunch") is taken as a
  place or outlet, not a second person; one-word names count only inside an "and" list
  ("Jane Doe and Cher") or alone ("By Cher").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from ..items import Author
from .keys import author_key

__all__ = [
    "AGENCY_NAMES",
    "MAX_NAME_WORDS",
    "NON_PERSON_NAMES",
    "ORGANISATION_WORDS",
    "ROLE_WORDS",
    "clean_author_name",
    "dedupe_authors",
    "parse_byline",
    "split_names",
]

# --- limits ---------------------------------------------------------------------------------

# Personal names, even "Juan Carlos de la Fuente", fit in five words; longer strings are
# sentences, bios or headlines.
MAX_NAME_WORDS = 5
# A byline block longer than this is an author bio or a paragraph, not a byline.
MAX_BYLINE_LENGTH = 500

# --- vocabularies (all lower case, compared after case folding) -----------------------------

# Words that make up job titles and credit lines. A part made only of these (and of
# ROLE_CONNECTORS) is a role, never a name: "Senior Writer", "Reporter / Editor",
# "Editor-at-large", "Contributors".
ROLE_WORDS = frozenset(
    """
    reporter reporters editor editors writer writers correspondent correspondents columnist
    columnists contributor contributors contributing journalist journalists author authors
    blogger analyst analysts critic reviewer reviewers producer producers photographer
    photographers photojournalist illustrator illustrations illustration researcher fellow
    intern freelance freelancer stringer anchor host presenter commentator economist
    strategist consultant specialist expert engineer developer designer scientist professor
    founder cofounder co-founder ceo cto cfo coo president manager director head lead chief
    senior junior staff special guest executive managing deputy associate assistant
    principal global national international foreign investigative data visual video audio
    digital social media copy desk bureau news tech technology science business politics
    political features feature opinion culture sports entertainment finance markets
    consumer security health climate gaming games mobile ai reviews review
    large at-large correspondent-at-large editor-at-large in-chief editor-in-chief
    reporting editing writing additional photography photos photo graphics research
    member team contributor's
    redakteur redakteurin autor autorin korrespondent korrespondentin chefredakteur
    chefredakteurin journalistin mitarbeiter mitarbeiterin
    rédacteur rédactrice journaliste correspondant correspondante envoyé envoyée
    spécial spéciale
    redactor redactora periodista corresponsal
    """.split()
)
# Role words that are also section names: alone they are the section label printed beside the
# byline ("News | By Jane Doe", "Opinion"), so a role needs another role word ("Tech Editor").
SECTION_WORDS = frozenset(
    """news tech technology science business politics political features feature opinion
    culture sports entertainment finance markets consumer security health climate gaming games
    mobile ai reviews review video audio data digital social media global national
    international foreign""".split()
)
# Short words that may stand between role words ("Editor at Large", "Head of News").
ROLE_CONNECTORS = frozenset("and & of at to for the in on with und et y de".split())
# Connectors after which the rest of a role names an outlet ("Special to The Globe",
# "Contributor for Wired", "Senior Editor at The Verge").
ROLE_LINKS = frozenset("to for at with".split())
# Nouns that end a job title printed right after a name without a separator
# ("Jane Doe Senior Writer" -> name "Jane Doe", role "Senior Writer").
ROLE_NOUNS = frozenset(
    """reporter editor writer correspondent columnist contributor journalist analyst critic
    producer photographer illustrator researcher blogger""".split()
)

# A comma part ending in one of these nouns is a job title whatever its other words are
# ("Healthcare Reporter", "Hardware Desk"); titles are short, names after commas are not titles.
TITLE_END_NOUNS = ROLE_NOUNS | frozenset("desk officer director manager editors writers".split())
MAX_TITLE_WORDS = 4

# News agencies: an affiliation, never a person. Compared on folded text.
AGENCY_NAMES = frozenset({
    name.strip()
    for name in """
    ap|associated press|the associated press|reuters|thomson reuters|afp|agence france-presse|
    agence france presse|bloomberg|bloomberg news|dpa|efe|ansa|kyodo|kyodo news|xinhua|
    xinhua news agency|pti|ians|upi|united press international|tass|yonhap|press association|
    pa|pa media|aap|australian associated press|canadian press|the canadian press|cp|cnn wire|
    ap news|reuters staff|afp relaxnews|apa|sda|kna|epd|jiji|jiji press|anadolu|anadolu agency
    """.replace("\n", "").split("|")
} - {""})
# Agency acronyms that are also given names ("Ani"): only the upper-case spelling is an agency.
AGENCY_ACRONYMS_CASE_SENSITIVE = frozenset({"ANI"})

# Whole values that name no person (besides job titles and agencies).
NON_PERSON_NAMES = frozenset({
    name.strip()
    for name in """
    staff|staff writer|staff writers|staff reporter|editorial team|editorial staff|editorial board|
    editorial desk|editorial|editors|the editors|editor|admin|administrator|webmaster|newsroom|
    news desk|guest|guest author|guest contributor|anonymous|unknown|author|authors|contributor|
    contributors|team|sponsored|sponsored content|partner content|press release|wire|wires|
    null|none|n/a|na|undefined|user|root|system|support|by|from|editor's note|redaktion|
    rédaction|redacción|the team|our team|news team|tech desk|web desk|digital desk|
    """.replace("\n", "").split("|")
} - {""})
# A name containing any of these words is an organisation or a desk, not a person
# ("Tech Desk", "The Verge Staff", "CNN Wire", "Fox News", "Acme Inc").
ORGANISATION_WORDS = frozenset(
    """staff team desk newsroom editors editorial bureau wire wires agency media news inc llc
    ltd gmbh corp corporation company magazine journal times daily weekly online network
    channel radio tv podcast blog website com org net official sponsored partner admin
    administrator webmaster redaktion rédaction redacción images pictures photos studio
    studios
    magazin zeitung presse nachrichten verlag verband stiftung ministerium foundation
    association institute society store shop""".split()
)
# First words that never start a person's name ("The Verge", "Our Correspondent").
NON_PERSON_FIRST_WORDS = frozenset("the our your a an this these all by from der die das"
                                   .split())

# Months and weekdays: alone they are dates, and they are cut from a byline's date tail.
MONTH_NAMES = frozenset(
    """january february march april may june july august september october november
    december jan feb mar apr jun jul aug sep sept oct nov dec""".split()
)
WEEKDAY_NAMES = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur
    thurs fri sat sun""".split()
)
# Words left dangling once a date or reading time is cut from the end of a byline
# ("Posted by A on March 3, 2025" -> "Posted by A on March" -> "Posted by A").
DATE_TAIL_WORDS = MONTH_NAMES | WEEKDAY_NAMES | frozenset(
    """on at am um le the updated update published posted modified last edited
    yesterday today ago hours hour minutes minute min mins read reading time and""".split()
)
# Labels before "by" that say nothing about the person's role ("Written by A").
GENERIC_BY_LABELS = frozenset(
    """written posted story words article text published created authored reported
    a an the post published compiled contributed updated""".split()
)
# Labels before a colon that say nothing about the role ("Author: A", "Byline: A").
COLON_GENERIC_LABELS = frozenset("author authors byline by autor autorin auteur name names".split())
# Link labels that sit in bylines next to the name.
SOCIAL_WORDS = frozenset(
    """follow twitter linkedin facebook instagram mastodon bluesky threads rss email e-mail
    bio profile""".split()
)

# --- compiled patterns ----------------------------------------------------------------------

_CHAR_FIXES = str.maketrans(
    {"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u200b": "", "\u200c": "", "\u200d": "",
     "\ufeff": "", "\xad": "", "\u2019": "'", "\uff5c": "|"}
)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"(?<![\w.])@\w{1,40}")
_EMPTY_BRACKETS = re.compile(r"[(\[<{]\s*[)\]>}]")
_SOCIAL = re.compile(
    r"\b(?:follow(?:\s+(?:me|us|him|her|them))?(?:\s+on)?"
    r"|(?:on\s+)?(?:twitter|linkedin|facebook|instagram|mastodon|bluesky|threads)"
    r"|(?:send\s+an?\s+)?e-?mail(?:\s+(?:me|the\s+author|author))?"
    r"|(?:view|see|read)\s+(?:full\s+)?(?:bio|profile)|full\s+bio|rss)\b",
    re.IGNORECASE,
)
# Clauses: "Reporting by A; Editing by B", or with commas: "Reporting by A, editing by B".
_CLAUSE_SPLIT = re.compile(r"\s*;\s*|,\s*(?=(?:[^\W\d_]+\s+){1,2}by\s)", re.IGNORECASE)
# Segments within a clause: lines, pipes, middle dots, bullets, dashes with spaces, em dashes.
_SEGMENT_SPLIT = re.compile(r"\s*(?:\n|\||·|•|∙|‧|\s[-–—]\s|[–—])\s*")
# A label before "by": "By", "Written by", "Reporting by", "Additional reporting by", "Von".
_BY_LABEL = re.compile(
    r"^(?P<label>(?:[^\W\d_]+\s+){0,3}?)(?:by|von|par|por)\b\s*:?\s*(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
# Credits in a byline for people who checked the article, not wrote it.
_CHECKER_CREDIT = re.compile(
    r"^(?:[^\W\d_]+\s+)?(?:reviewed|fact[- ]?checked|checked|tested|verified)\s+by\b",
    re.IGNORECASE)
# "Author Jane Doe", "Autor Anna Schmidt": a label word without a colon, before a name of
# two capitalised words or more (a one-word rest may be a surname: "Author" is no label then).
_LEAD_LABEL = re.compile(
    r"^(?i:author|authors|autor|autorin|auteur|byline)\s+(?P<rest>[A-ZÀ-Þ]\S*\s+[A-ZÀ-Þ].*)$",
    re.DOTALL,
)
# "Author: A", "Authors: A and B", "Autor: A".
_COLON_LABEL = re.compile(
    r"^(?P<label>[^\W\d_][^:]{0,30}):\s*(?P<rest>.+)$", re.DOTALL
)
# Segments that are metadata, not names: "Updated ...", "Reading time: ...".
_META_SEGMENT = re.compile(
    r"^(?:last\s+)?(?:updated|published|posted\s+(?:on|at)|modified|reading\s+time|read\s+time"
    r"|aktualisiert|veröffentlicht|mis\s+à\s+jour|publié)\b(?!\s*:?\s*by\b)",
    re.IGNORECASE,
)
_RELATIVE_TAIL = re.compile(
    r"\b(?:just\s+now|moments?\s+ago|yesterday|today)\b.*$", re.IGNORECASE | re.DOTALL
)
_DIGIT = re.compile(r"\d")
# A digit that starts a token: where a date, a time or a count begins ("R2D2" has none).
_TAIL_DIGIT = re.compile(r"(?<![^\W\d_])\d")
# " in London", " in New York City" before the end of a name, a comma or the next name.
_PLACE = re.compile(
    r"\s+[Ii][Nn]\s+[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,2}(?=\s*(?:$|,|&|\band\b|\bund\b))"
)
# "A for X": the outlet X.
_FOR_OUTLET = re.compile(r"^(?P<names>.+?)\s+for\s+(?P<outlet>\S.*)$", re.IGNORECASE | re.DOTALL)
# A name suffix after a comma belongs to the name ("John Smith, Jr."); a degree after a comma
# is dropped ("Jane Doe, PhD").
_COMMA_SUFFIX = re.compile(r",\s*(Jr\.?|Sr\.?|II|III|IV)(?=\s|,|;|$)", re.IGNORECASE)
_COMMA_DEGREE = re.compile(r",\s*(?:Ph\.?\s?D\.?|M\.D\.|MD|MBA)(?=\s|,|;|$)", re.IGNORECASE)
# "and" left at the start of a comma part ("A, B, and C").
_LEADING_CONNECTOR = re.compile(r"^(?:and|und|et|&)\s+", re.IGNORECASE)
# Name-list separators for split_names.
_NAME_SPLIT = re.compile(r"\s*,\s*(?:(?:and|und|et|&)\s+)?|\s+(?:and|und|et)\s+|\s*&\s*|\s+\+\s+",
                         re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*\.?")
_LETTER_RUN = re.compile(r"[^\W\d_]+")
# Characters a printed name may hold besides letters and combining marks.
_NAME_PUNCTUATION = frozenset(" .'-‐")
# Punctuation trimmed from both ends of names and roles.
_TRIM = " \t\n,;:|/\\-–—·•*()[]{}<>\"“”«»‘'`~_=+!?"


# --- public API -----------------------------------------------------------------------------


def parse_byline(text: str, *, site_names: Iterable[str] = ()) -> list[Author]:
    """The visible byline -> one Author per person, in printed order. Never raises."""
    if not isinstance(text, str):
        return []
    text = _prepare(text)
    if not text or len(text) > MAX_BYLINE_LENGTH:
        return []
    sites = _site_keys(site_names)
    authors: list[Author] = []
    for clause in _CLAUSE_SPLIT.split(text):
        if clause:
            authors.extend(_parse_clause(clause, sites))
    return dedupe_authors(authors)


def clean_author_name(name: str, *, site_names: Iterable[str] = ()) -> str | None:
    """One author value from metadata -> the person's name, or None.

    "By Jane Doe" -> "Jane Doe"; "Jane Doe, Senior Editor" -> "Jane Doe"; a URL, a job title,
    an agency, the site's name, anything with a digit -> None. A value naming several people
    gives None: split it with parse_byline instead.
    """
    if not isinstance(name, str) or _DIGIT.search(name):
        return None  # a name holds no digits (and metadata values carry no dates to cut)
    authors = parse_byline(name, site_names=site_names)
    return authors[0].name if len(authors) == 1 else None


def split_names(text: str) -> list[str]:
    """ "A, B and C" / "A & B" / "A und B" -> the names, untouched otherwise.

    A suffix after a comma stays with its name ("John Smith, Jr." -> "John Smith Jr."); a
    degree after a comma is dropped ("Jane Doe, PhD" -> "Jane Doe").
    """
    if not isinstance(text, str):
        return []
    names: list[str] = []
    for piece in _NAME_SPLIT.split(_join_suffixes(text)):
        piece = _LEADING_CONNECTOR.sub("", piece.strip(_TRIM)).strip(_TRIM)
        if piece:
            names.append(piece)
    return names


def dedupe_authors(authors: list[Author]) -> list[Author]:
    """One entry per person: first spelling kept, first non-null role and url kept."""
    merged: dict[str, Author] = {}
    for author in authors:
        key = author_key(author.name)
        if key in merged:
            kept = merged[key]
            kept.role = kept.role or author.role
            kept.url = kept.url or author.url
        else:
            merged[key] = Author(author.name, author.role, author.url)
    return list(merged.values())


# --- clause and segment parsing --------------------------------------------------------------


def _prepare(text: str) -> str:
    text = unicodedata.normalize("NFC", text.translate(_CHAR_FIXES))
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = _EMPTY_BRACKETS.sub(" ", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _parse_clause(clause: str, sites: frozenset[str]) -> list[Author]:
    """One clause ("Reporting by A and B in London") -> its authors."""
    authors: list[Author] = []
    last_group: list[Author] = []  # authors of the latest names segment, for a role after it
    pending_role: str | None = None  # a role printed before the names ("Senior Writer | A")
    label_role: str | None = None
    for raw in _SEGMENT_SPLIT.split(clause):
        segment = _clean_segment(raw)
        if not segment:
            continue
        if _CHECKER_CREDIT.match(segment):
            continue  # "Fact-checked by A", "Medically reviewed by B": not the writers
        m = _BY_LABEL.match(segment)
        if m and not m["rest"].strip(" :") and _is_by_label(m["label"]):
            continue  # a label alone ("Written by", "Posted by:"): the name is printed apart
        if m is None and (lead := _LEAD_LABEL.match(segment)):
            segment = lead["rest"]  # "Author Jane Doe": the label word, then the name
        if m and m["rest"].strip() and _is_by_label(m["label"]):
            label = m["label"].strip()
            segment = m["rest"].strip()
            if label and not all(w in GENERIC_BY_LABELS for w in _words(label)):
                label_role = _format_role(label)
        else:
            m = _COLON_LABEL.match(segment)
            if m and _is_colon_label(m["label"]):
                label = m["label"].strip()
                segment = m["rest"].strip()
                if _is_role(label) and not all(w in COLON_GENERIC_LABELS for w in _words(label)):
                    label_role = _format_role(label)
        people, role = _names_and_role(segment, sites, first=not authors)
        if not people:
            if role:
                if last_group:
                    for author in last_group:
                        author.role = author.role or role
                else:
                    pending_role = pending_role or role
            continue
        last_group = [Author(name, label_role or own_role or pending_role)
                      for name, own_role in people]
        pending_role = None
        authors.extend(last_group)
    return authors


def _clean_segment(segment: str) -> str:
    """Link labels, dates, times and reading time taken out of one segment."""
    segment = _SOCIAL.sub(" ", segment)
    segment = _SPACES.sub(" ", segment).strip(_TRIM)
    if not segment or _META_SEGMENT.match(segment):
        return ""
    segment = _RELATIVE_TAIL.sub("", segment).strip(_TRIM)
    digit = _TAIL_DIGIT.search(segment)
    if digit:
        # Names hold no digits: what follows the first digit is a date, a time or a count.
        words = segment[: digit.start()].split()
        while words and (
            words[-1].strip(_TRIM).casefold().rstrip(".") in DATE_TAIL_WORDS
            or not words[-1].strip(_TRIM)
        ):
            words.pop()
        segment = " ".join(words).strip(_TRIM)
    return segment


def _is_by_label(label: str) -> bool:
    """Words before "by" that are a credit label ("Written", "Additional reporting")."""
    return all(w in GENERIC_BY_LABELS or w in ROLE_WORDS or w in ROLE_CONNECTORS
               for w in _words(label))


def _is_colon_label(label: str) -> bool:
    """Words before a colon that label the names after it ("Author:", "Senior Writer:")."""
    words = _words(label)
    return 0 < len(words) <= 3 and all(
        w in ROLE_WORDS or w in ROLE_CONNECTORS or w in GENERIC_BY_LABELS
        or w in COLON_GENERIC_LABELS for w in words
    )


def _names_and_role(
    segment: str, sites: frozenset[str], *, first: bool
) -> tuple[list[tuple[str, str | None]], str | None]:
    """A segment -> ([(name, role)], role of a segment that names nobody).

    Comma parts are read in order: names, then the role printed after them. A part after a
    role starts a new group when it names people ("Jane Doe, Senior Writer, and John Smith,
    Editor"); otherwise it continues the role ("Senior Editor, The Verge").
    """
    outlet = None
    m = _FOR_OUTLET.match(segment)
    if m and not _is_role(m["names"]) and not _is_role_part(m["names"].split(",")[-1]):
        segment, outlet = m["names"], _format_role(m["outlet"].strip(_TRIM))
    segment = _PLACE.sub("", segment)
    groups: list[tuple[list[str], list[str]]] = []  # (name parts, role parts)
    for part in _comma_parts(segment):
        if _is_role_part(part) or (groups and groups[-1][0] and _is_title(part)):
            if not groups:
                groups.append(([], []))
            groups[-1][1].append(part)
        elif groups and groups[-1][1] and not _names_people(part, sites):
            groups[-1][1].append(part)
        elif groups and not groups[-1][1]:
            groups[-1][0].append(part)
        else:
            groups.append(([part], []))
    people: list[tuple[str, str | None]] = []
    segment_role = None
    for name_parts, role_parts in groups:
        role = _format_role(", ".join(role_parts)) if role_parts else None
        if role and outlet:
            role = f"{role}, {outlet}"
        role = role or outlet
        segment_role = segment_role or role
        names: list[str] = []
        for part in name_parts:
            part, trailing_role = _split_trailing_role(part)
            if trailing_role and role is None:
                role = trailing_role
            candidates = split_names(part)
            if len(candidates) == 1 and len(candidates[0].split()) == 1 and (
                names or people or not first
            ):
                continue  # a lone word after a full name: a place or an outlet ("Doe, London")
            for candidate in candidates:
                name = _valid_name(candidate, sites)
                if name:
                    names.append(name)
        people.extend((name, role) for name in names)
    return people, segment_role


def _names_people(part: str, sites: frozenset[str]) -> bool:
    """Whether a comma part after a role names people ("and John Smith") rather than
    continuing the role ("The Verge", "London")."""
    if _LEADING_CONNECTOR.match(part.strip()):
        return True
    candidates = split_names(part)
    return bool(candidates) and all(
        len(c.split()) > 1 and _valid_name(c, sites) for c in candidates
    )


def _comma_parts(segment: str) -> list[str]:
    """Comma-separated parts, with "Smith, Jr." kept as one name and ", PhD" dropped."""
    segment = _join_suffixes(segment)
    return [piece.strip() for piece in segment.split(",") if piece.strip()]


def _join_suffixes(text: str) -> str:
    """ "John Smith, Jr." -> "John Smith Jr."; "Jane Doe, PhD" -> "Jane Doe"."""
    text = _COMMA_DEGREE.sub("", text)
    return _COMMA_SUFFIX.sub(r" \1", text)


def _split_trailing_role(part: str) -> tuple[str, str | None]:
    """ "Jane Doe Senior Writer" -> ("Jane Doe", "Senior Writer")."""
    tokens = part.split()
    if len(tokens) < 3 or tokens[-1].casefold().strip(_TRIM) not in ROLE_NOUNS:
        return part, None
    cut = len(tokens) - 1
    while cut > 0 and tokens[cut - 1].casefold().strip(_TRIM) in ROLE_WORDS:
        cut -= 1
    if cut < 2:
        return part, None
    return " ".join(tokens[:cut]), _format_role(" ".join(tokens[cut:]))


# --- classification ---------------------------------------------------------------------------


def _is_role_part(part: str) -> bool:
    """A comma part that is a role or an affiliation rather than a name."""
    return _is_agency(part) or _is_role(part)


def _is_title(part: str) -> bool:
    """A short part ending in a title noun: after a name it is that person's job title
    ("Healthcare Reporter", "Hardware Desk", "Chief Technology Officer")."""
    words = _words(part)
    return bool(words) and words[-1] in TITLE_END_NOUNS and len(words) <= MAX_TITLE_WORDS


def _is_role(text: str) -> bool:
    """Made of role words ("Reporter / Editor"), or a role then an outlet ("Special to X")."""
    words = _words(text)
    if not words:
        return False
    has_role_word = False
    for word in words:
        if has_role_word and word in ROLE_LINKS:
            return True  # the rest names an outlet
        if word in ROLE_WORDS:
            has_role_word = has_role_word or word not in SECTION_WORDS
        elif word not in ROLE_CONNECTORS:
            return False
    return has_role_word


def _is_agency(text: str) -> bool:
    stripped = text.strip(_TRIM)
    return stripped in AGENCY_ACRONYMS_CASE_SENSITIVE or _fold(stripped) in AGENCY_NAMES


def _valid_name(candidate: str, sites: frozenset[str]) -> str | None:
    """The person's name in ``candidate``, or None when it names no person."""
    name = candidate.strip(_TRIM).lstrip(".").strip()
    # A final period belongs to an initial or a suffix ("John Smith Jr.", "Jane Q."), else
    # it ends a sentence.
    if name.endswith(".") and len(name.split()[-1]) > 3:
        name = name.rstrip(".").strip()
    if not name or _DIGIT.search(name) or "@" in name or "://" in name:
        return None
    if any(not (ch.isalpha() or unicodedata.category(ch).startswith("M")
                or ch in _NAME_PUNCTUATION) for ch in name):
        return None
    words = _words(name)
    if not words or len(name.split()) > MAX_NAME_WORDS:
        return None
    if "by" in words[1:]:
        return None  # "Articles by Juliette", "Researched by": a credit line, not a name
    folded = _fold(name)
    if (
        folded in NON_PERSON_NAMES
        or _is_agency(name)
        or name.split()[0].casefold() in NON_PERSON_FIRST_WORDS
        or any(w in ORGANISATION_WORDS for w in words)
        or all(w in ROLE_WORDS or w in ROLE_CONNECTORS for w in words)
        or all(w in MONTH_NAMES or w in WEEKDAY_NAMES for w in words)
        or all(w in SOCIAL_WORDS for w in words)
        or _is_site(name, sites)
    ):
        return None
    cased = [ch for ch in name if ch.isupper() or ch.islower()]
    if cased:
        if not any(token[:1].isupper() for token in name.split()):
            return None  # "staff", "read more", a lone lowercase word
        if all(ch.isupper() for ch in cased) and sum(ch.isalpha() for ch in name) > 1:
            name = _title_case(name)
    return name


def _is_site(name: str, sites: frozenset[str]) -> bool:
    if not sites:
        return False
    key = _compact(name)
    return key in sites or (key.startswith("the") and key[3:] in sites)


def _site_keys(site_names: Iterable[str]) -> frozenset[str]:
    """Comparable keys of the site's names: "www.theverge.com" -> {"theverge.com"-less forms}."""
    if isinstance(site_names, str):
        site_names = (site_names,)
    keys: set[str] = set()
    try:
        values = list(site_names or ())
    except TypeError:
        return frozenset()
    for value in values:
        if not isinstance(value, str) or not value.strip():
            continue
        value = value.strip().casefold()
        value = re.sub(r"^[a-z]+://", "", value).split("/")[0]
        if "." in value and " " not in value:
            labels = [label for label in value.split(".") if label]
            if labels and labels[0] == "www":
                labels = labels[1:]
            if len(labels) > 1:
                labels = labels[:-1]  # the TLD
            while len(labels) > 1 and labels[-1] in ("co", "com", "org", "net", "gov", "ac", "edu"):
                labels = labels[:-1]
            for key in ("".join(labels), labels[-1] if labels else ""):
                if key:
                    keys.add(_compact(key))
        key = _compact(value)
        if key:
            keys.add(key)
    keys |= {k[3:] for k in keys if k.startswith("the") and len(k) > 3}
    return frozenset(k for k in keys if k)


# --- text helpers ----------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """Lower-case words of ``text`` (hyphenated and apostrophe words kept whole)."""
    return [w.rstrip(".") for w in _WORD.findall(text.casefold())]


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _compact(text: str) -> str:
    """Letters and digits only, folded: "The Verge" -> "theverge"."""
    return "".join(ch for ch in author_key(text) if ch.isalnum())


def _title_case(text: str) -> str:
    """ "JANE O'NEIL-SMITH" -> "Jane O'Neil-Smith"."""
    return _LETTER_RUN.sub(lambda m: m.group(0).capitalize(), text)


def _format_role(role: str) -> str | None:
    """A role as printed, trimmed; an ALL-CAPS role is title-cased, keeping short acronyms."""
    role = role.strip(_TRIM).strip()
    if not role:
        return None
    cased = [ch for ch in role if ch.isupper() or ch.islower()]
    if cased and all(ch.isupper() for ch in cased) and not _is_agency(role):
        role = _LETTER_RUN.sub(
            lambda m: m.group(0).lower() if m.group(0).casefold() in ROLE_CONNECTORS
            else (m.group(0) if len(m.group(0)) <= 3 else m.group(0).capitalize()),
            role,
        )
    if role[0].islower() and not role[1:2].isupper():
        role = role[0].upper() + role[1:]
    return role
