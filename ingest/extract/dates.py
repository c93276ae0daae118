"""Timestamps as printed on a page or in its metadata -> ISO 8601 with the offset stated.

Two public functions:

``parse_date(text, *, now=None, default_tz=None) -> str | None``
    ``text`` is a timestamp (a meta value, a ``<time>`` text, a JSON-LD ``datePublished``).
    Labels around it ("Published", "Updated:", "on", "at", a weekday, a trailing
    "(Central European Summer Time)") are allowed, anything else is not: "Jul 2, 2025 |
    4 min read" is a text block, not a timestamp (use ``extract_date_from_text``).

``extract_date_from_text(text, *, now=None, default_tz=None) -> str | None``
    The first valid timestamp found inside a short visible block ("Published on Jul 2, 2025
    | 4 min read"), with a time printed next to the date.

Both return ``YYYY-MM-DDTHH:MM:SS+HH:MM`` (``datetime.isoformat(timespec="seconds")``), or None.

Decisions a caller must know:

- The offset is the one the text states; nothing is converted to UTC ("10:30 AM EST" ->
  "...T10:30:00-05:00"). Without a stated zone the value is read in ``default_tz`` (the site's
  zone from sites.toml) or else UTC.
- A date without a time gives midnight of that date in that zone ("2025-07-02" ->
  "2025-07-02T00:00:00+00:00"). Fractions of a second are dropped.
- Zone names: explicit standard/daylight abbreviations (EST, EDT, CST, PDT, CET, CEST, BST,
  AEST, ...) are fixed offsets; the generic US names ET, CT, MT, PT are their IANA zones
  (America/New_York, ...), so the offset follows daylight saving time for that date.
  Ambiguous abbreviations take the reading most common on English-language tech news: CST is
  US Central (not China), IST is India (+05:30, not Irish or Israel), BST is British Summer
  Time (+01:00). "GMT+2" / "UTC-7" mean what a reader expects (+02:00, -07:00), not the
  inverted POSIX reading that dateutil applies.
- Numeric dates: "02.07.2025" is day-first (2 July); "07/02/2025" is month-first (US) unless
  the first number is over 12. Two-digit years only with slashes ("7/2/25" -> 2025).
- Unix timestamps (10 digits, or 13 for milliseconds) are instants: shown in ``default_tz``
  when given, else UTC.
- Relative dates ("3 hours ago", "yesterday", "just now") need ``now``; without it they give
  None (this module never reads the clock). Units under a day give ``now`` minus the amount,
  to the second; "yesterday", "N days/weeks/months/years ago" give midnight of that day
  (a month counts as 30 days, a year as 365). The result is in ``now``'s zone (a naive ``now``
  is read in ``default_tz`` or UTC).
- Rejected (None): more than one day after ``now``; a year before 1990 or after
  ``now.year + 1`` (after 2100 when ``now`` is not given); impossible dates ("2025-02-30",
  "0000-00-00"); a month without a day ("July 2025"); a day without a year ("Jul 2"); a bare
  number ("2025"); text longer
  than ``MAX_TIMESTAMP_LENGTH`` (``MAX_BLOCK_LENGTH`` for extract_date_from_text).

Speed: the common shapes are read by compiled regexes; python-dateutil is tried only for the
rare leftovers that contain both a month name and a year (e.g. ctime "Wed Jul 2 18:25:00 2025").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as _dateutil_parser

__all__ = [
    "MAX_BLOCK_LENGTH",
    "MAX_TIMESTAMP_LENGTH",
    "MIN_YEAR",
    "TZINFOS",
    "extract_date_from_text",
    "parse_date",
]

# A timestamp, even a verbose "Published 6:25 PM EDT, Wednesday, July 2, 2025", is far shorter;
# a longer string is a paragraph that happens to mention a date.
MAX_TIMESTAMP_LENGTH = 200
# extract_date_from_text looks at a byline/dateline block, not at a whole article.
MAX_BLOCK_LENGTH = 500
# The web news archives we crawl start after this; earlier years are typos or epoch defaults.
MIN_YEAR = 1990
# Upper bound on the year when no ``now`` is given to compare with.
MAX_YEAR_WITHOUT_NOW = 2100
# How far in the future (relative to ``now``) a timestamp may be: time zones and clock skew.
FUTURE_TOLERANCE = timedelta(days=1)
# UTC offsets in use on Earth are within +-14 hours.
MAX_OFFSET_HOURS = 14


def _fixed(hours: float) -> timezone:
    return timezone(timedelta(minutes=round(hours * 60)))


def _iana(key: str, fallback_hours: float) -> tzinfo:
    """An IANA zone; a fixed standard offset only if the machine has no tz database."""
    try:
        return ZoneInfo(key)
    except ZoneInfoNotFoundError:  # pragma: no cover - tzdata is installed where we run
        return _fixed(fallback_hours)


# Zone names as printed on pages (upper case). Read-only mapping; see the module docstring for
# the choices made for ambiguous abbreviations.
TZINFOS: Mapping[str, tzinfo] = MappingProxyType(
    {
        "UTC": timezone.utc,
        "GMT": timezone.utc,
        "UT": timezone.utc,
        "Z": timezone.utc,
        # North America: explicit standard/daylight names are fixed offsets...
        "EST": _fixed(-5),
        "EDT": _fixed(-4),
        "CST": _fixed(-6),
        "CDT": _fixed(-5),
        "MST": _fixed(-7),
        "MDT": _fixed(-6),
        "PST": _fixed(-8),
        "PDT": _fixed(-7),
        "AKST": _fixed(-9),
        "AKDT": _fixed(-8),
        "HST": _fixed(-10),
        # ...while the generic names follow daylight saving time for the date in question.
        "ET": _iana("America/New_York", -5),
        "CT": _iana("America/Chicago", -6),
        "MT": _iana("America/Denver", -7),
        "PT": _iana("America/Los_Angeles", -8),
        # Europe
        "WET": _fixed(0),
        "WEST": _fixed(1),
        "BST": _fixed(1),
        "CET": _fixed(1),
        "CEST": _fixed(2),
        "MEZ": _fixed(1),
        "MESZ": _fixed(2),
        "EET": _fixed(2),
        "EEST": _fixed(3),
        "MSK": _fixed(3),
        # Asia / Pacific
        "IST": _fixed(5.5),
        "SGT": _fixed(8),
        "HKT": _fixed(8),
        "KST": _fixed(9),
        "JST": _fixed(9),
        "AWST": _fixed(8),
        "ACST": _fixed(9.5),
        "ACDT": _fixed(10.5),
        "AEST": _fixed(10),
        "AEDT": _fixed(11),
        "NZST": _fixed(12),
        "NZDT": _fixed(13),
    }
)

# Month names (English, German, French, Spanish) and their abbreviations -> month number.
MONTHS: Mapping[str, int] = MappingProxyType(
    {
        name: number
        for number, names in enumerate(
            (
                "january jan januar jänner janvier janv enero ene",
                "february feb februar février fevrier févr fevr febrero",
                "march mar märz maerz mrz mars marzo",
                "april apr avril avr abril abr",
                "may mai mayo",
                "june jun juni juin junio",
                "july jul juli juillet juil julio",
                "august aug août aout agosto ago",
                "september sep sept septembre septiembre setiembre",
                "october oct oktober okt octobre octubre",
                "november nov novembre noviembre",
                "december dec dezember dez décembre decembre déc diciembre dic",
            ),
            start=1,
        )
        for name in names.split()
    }
)

WEEKDAYS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday
    mon tue tues wed thu thur thurs fri sat sun
    montag dienstag mittwoch donnerstag freitag samstag sonntag
    lundi mardi mercredi jeudi vendredi samedi dimanche
    lunes martes miércoles miercoles jueves viernes sábado sabado domingo""".split()
)

# Words that may stand around a timestamp without making it something else: labels
# ("Published", "Updated:", "Stand:"), prepositions ("on", "at", German "am ... um ... Uhr",
# French "le ... à"), weekdays. parse_date rejects a string with any other word left over.
FILLER_WORDS = WEEKDAYS | frozenset(
    """published publish posted post updated update last modified created date dated time
    on at the of am um uhr le à a de del el en
    veröffentlicht aktualisiert stand zuletzt publié publiée mis jour
    actualizado publicado""".split()
)

_MONTH_ALT = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))

# Characters that stand for spaces or minus signs in typeset timestamps (ICU's narrow no-break
# space before "PM", the Unicode minus in "−05:00").
_CHAR_FIXES = str.maketrans(
    {"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ", "\u2212": "-", "\u2013": "-"}
)
_WHITESPACE = re.compile(r"\s+")
# "p.m.", "P.M.", "pm", "PM" right after a time -> " pm"
_AMPM = re.compile(r"(\d)\s*([AaPp])\.?\s?[Mm](?:\.|\b)")
# "GMT+2", "UTC -07:00", "GMT+0530" -> a plain offset "+02:00" (read the way people mean it).
_GMT_OFFSET = re.compile(
    r"\b(?:GMT|UTC|UT)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?(?!\d)", re.IGNORECASE
)
# A parenthesised or bracketed tail: JavaScript's "(Central European Summer Time)", an RFC 9557
# zone suffix "[Europe/Paris]".
_PARENTHESISED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")

# --- whole-string shapes --------------------------------------------------------------------
UNIX_TIMESTAMP = re.compile(r"^(\d{10}|\d{13})(?:\.\d+)?$")
ISO_8601 = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"(?:[Tt ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d{1,9})?)?)?"
    r"\s*(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?$"
)
ISO_8601_BASIC = re.compile(
    r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})[Tt](?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?"
    r"(?:[.,]\d{1,9})?(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?$"
)

# --- date patterns, searched anywhere ---------------------------------------------------------
_NOT_AFTER_NUMBER = r"(?<![\d.:/-])"
DATE_PATTERNS = (
    # 2025-07-02, 2025/07/02, 2025.07.02
    re.compile(
        _NOT_AFTER_NUMBER
        + r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d)"
    ),
    # 2025年7月2日
    re.compile(r"(?<!\d)(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),
    # July 2, 2025 / Jul. 2 2025 / July 2nd, 2025
    re.compile(
        rf"\b(?P<mon>{_MONTH_ALT})\.?\s*(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)"
        r"(?:\s*,\s*|\s+)(?P<y>\d{4})(?!\d)",
        re.IGNORECASE,
    ),
    # 2 July 2025 / 02-Jul-2025 / 2. Juli 2025 / 2nd of July, 2025 / 2 de julio de 2025
    re.compile(
        rf"(?<![\d.:/-])(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\.?(?:\s+|-)(?:of\s+|de\s+)?"
        rf"(?P<mon>{_MONTH_ALT})\b\.?(?:\s*,\s*|\s+|-)(?:de\s+)?(?P<y>\d{{4}})(?!\d)",
        re.IGNORECASE,
    ),
    # 02.07.2025 (day first, as everywhere dots are used)
    re.compile(_NOT_AFTER_NUMBER + r"(?P<d>\d{1,2})\.\s?(?P<m>\d{1,2})\.\s?(?P<y>\d{4})(?!\d)"),
    # 07/02/2025, 7/2/25, 07-02-2025 (month first unless the first number cannot be a month)
    re.compile(
        _NOT_AFTER_NUMBER
        + r"(?P<a>\d{1,2})(?P<sep>[/-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|(?<=/)\d{2})(?![\d/.:-])"
    ),
)

TIME_PATTERN = re.compile(
    r"(?:(?<=\d)[Tt]|(?<![\w:.+/-]))"
    r"(?P<H>\d{1,2})(?::(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d{1,9})?)?)?"
    r"(?:\s?(?P<ampm>[ap]m)\b)?(?![\d:])",
    re.IGNORECASE,
)
# A time belongs to a date when printed within this many characters before or after it.
TIME_WINDOW = 40

ZONE_NAME = re.compile(r"[ \t]*\(?[ \t]*(?P<name>[A-Za-z]{1,5})(?![A-Za-z])")
ZONE_OFFSET = re.compile(r"[ \t]*\(?[ \t]*(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2})?(?![\d:])")

RELATIVE_PATTERN = re.compile(
    r"\b(?:(?:about|around|over|almost|nearly|approximately)\s+)?"
    r"(?P<n>\d{1,4}|an?|one|a\s+few|few|several)\s*"
    r"(?P<unit>seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|wks?|w"
    r"|months?|mos?|years?|yrs?|y)\s+ago\b"
    r"|\b(?P<word>just\s+now|right\s+now|moments?\s+ago|a\s+moment\s+ago|today|yesterday)\b",
    re.IGNORECASE,
)
_UNIT_SECONDS = MappingProxyType(
    {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "mo": 30 * 86400, "y": 365 * 86400}
)
# Relative units whose precision is a day: the result is that day's midnight.
_DAY_UNITS = frozenset({"d", "w", "mo", "y"})
# "a few minutes ago" and "several hours ago": the count is read as this.
_FEW = 3

_WORD_TOKEN = re.compile(r"[^\W\d_]+|\d+")
_YEAR_TOKEN = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_MONTH_TOKEN = re.compile(rf"\b(?:{_MONTH_ALT})\b", re.IGNORECASE)
# Only plain timestamp characters are handed to dateutil.
_DATEUTIL_SAFE = re.compile(r"^[\w\s,.:/+-]{6,80}$")
# Two defaults that differ in every field: a field that differs between the two results was
# filled in by dateutil, not given by the text.
_DEFAULT_A = datetime(2000, 1, 1, 0, 0, 0)
_DEFAULT_B = datetime(2001, 2, 2, 1, 1, 1)


@dataclass(frozen=True)
class _Found:
    """A date read from the text: naive ``value`` (+ ``tz`` when stated), and the text spans
    (start, end) it used."""

    value: datetime
    tz: tzinfo | None
    spans: tuple[tuple[int, int], ...]
    start: int


# --- public API -----------------------------------------------------------------------------


def parse_date(
    text: str, *, now: datetime | None = None, default_tz: tzinfo | None = None
) -> str | None:
    """A timestamp string -> ISO 8601 with offset, or None. See the module docstring."""
    s = _prepare(text, MAX_TIMESTAMP_LENGTH)
    if s is None:
        return None
    found = _whole_string(s, default_tz)
    if found is None:
        for candidate in _candidates(s, now, default_tz, strict=True):
            if _only_filler(s, candidate.spans):
                found = candidate
            break
    if found is None:
        found = _with_dateutil(s)
    return _finish(found, now, default_tz)


def extract_date_from_text(
    text: str, *, now: datetime | None = None, default_tz: tzinfo | None = None
) -> str | None:
    """The first valid timestamp in a short visible text block, or None."""
    s = _prepare(text, MAX_BLOCK_LENGTH)
    if s is None:
        return None
    for candidate in _candidates(s, now, default_tz, strict=False):
        result = _finish(candidate, now, default_tz)
        if result is not None:
            return result
    return None


# --- steps ----------------------------------------------------------------------------------


def _prepare(text: str, max_length: int) -> str | None:
    if not isinstance(text, str):
        return None
    s = text.strip()
    if not s or len(s) > max_length:
        return None
    s = _WHITESPACE.sub(" ", s.translate(_CHAR_FIXES))
    s = _AMPM.sub(lambda m: f"{m.group(1)} {m.group(2).lower()}m", s)
    return _GMT_OFFSET.sub(_gmt_offset_repl, s)


def _gmt_offset_repl(m: re.Match) -> str:
    return f" {m.group(1)}{int(m.group(2)):02d}:{m.group(3) or '00'}"


def _whole_string(s: str, default_tz: tzinfo | None) -> _Found | None:
    """Machine formats that are the whole string: unix timestamps and ISO 8601."""
    m = UNIX_TIMESTAMP.match(s)
    if m:
        seconds = int(m.group(1))
        if len(m.group(1)) == 13:
            seconds //= 1000
        try:
            instant = datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
        if default_tz is not None:
            instant = instant.astimezone(default_tz)
        return _Found(instant.replace(tzinfo=None), instant.tzinfo, ((0, len(s)),), 0)
    m = ISO_8601.match(s) or ISO_8601_BASIC.match(s)
    if not m:
        return None
    value = _build(m["y"], m["m"], m["d"], m["H"], m["M"], m["S"])
    if value is None:
        return None
    tz = _offset_tz(m["tz"]) if m["tz"] else None
    if m["tz"] and tz is None:
        return None
    return _Found(value, tz, ((0, len(s)),), 0)


def _candidates(s: str, now: datetime | None, default_tz: tzinfo | None, *, strict: bool):
    """Dates found in ``s`` in reading order, each with its time and zone."""
    matches: list[tuple[int, int, object]] = []
    for pattern in DATE_PATTERNS:
        for m in pattern.finditer(s):
            matches.append((m.start(), -m.end(), m))
    for m in RELATIVE_PATTERN.finditer(s):
        matches.append((m.start(), -m.end(), m))
    matches.sort(key=lambda item: (item[0], item[1]))
    for _, _, m in matches:
        if m.re is RELATIVE_PATTERN:
            found = _relative(m, now, default_tz)
        else:
            found = _absolute(s, m, strict=strict)
        if found is not None:
            yield found


def _absolute(s: str, m: re.Match, *, strict: bool) -> _Found | None:
    groups = m.groupdict()
    year = int(groups["y"])
    if year < 100:
        year += 2000 if year < 70 else 1900
    if groups.get("mon"):
        month = MONTHS.get(groups["mon"].lower())
        day = int(groups["d"])
    elif groups.get("a"):
        a, b = int(groups["a"]), int(groups["b"])
        month, day = (b, a) if a > 12 else (a, b)
    else:
        month, day = int(groups["m"]), int(groups["d"])
    if month is None:
        return None
    spans = [m.span()]
    time_match = _time_near(s, m.start(), m.end(), strict=strict)
    hour = minute = second = 0
    zone_from = m.end()
    if time_match is not None:
        hour, minute, second = time_match[0]
        spans.append(time_match[1])
        zone_from = time_match[1][1]
    try:
        value = datetime(year, month, day, hour, minute, second)
    except (ValueError, OverflowError):
        return None
    tz, zone_end = _zone_at(s, zone_from)
    if tz is None and time_match is not None and ZONE_OFFSET.match(s, zone_from):
        # An offset is printed but is impossible ("+25:00"): the time's zone is unknown, and
        # assuming UTC (or the site's zone) would store a wrong instant. No date is better.
        return None
    if zone_end > zone_from:
        spans.append((zone_from, zone_end))
    return _Found(value, tz, tuple(spans), m.start())


def _time_near(s: str, start: int, end: int, *, strict: bool):
    """((hour, minute, second), span) of the time printed next to the date at start:end."""
    after_limit = len(s) if strict else min(len(s), end + TIME_WINDOW)
    for t in TIME_PATTERN.finditer(s, end, after_limit):
        parsed = _read_time(t)
        if parsed is not None:
            return parsed, t.span()
    before_from = 0 if strict else max(0, start - TIME_WINDOW)
    last = None
    for t in TIME_PATTERN.finditer(s, before_from, start):
        parsed = _read_time(t)
        if parsed is not None:
            last = parsed, t.span()
    return last


def _read_time(t: re.Match) -> tuple[int, int, int] | None:
    if t["M"] is None and t["ampm"] is None:
        return None  # a lone number is not a time ("4 min read")
    hour = int(t["H"])
    minute = int(t["M"] or 0)
    second = min(int(t["S"] or 0), 59)  # a leap second becomes :59
    if minute > 59:
        return None
    if t["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if t["ampm"].lower() == "pm" else 0)
    elif hour > 23:
        return None
    return hour, minute, second


def _zone_at(s: str, pos: int) -> tuple[tzinfo | None, int]:
    """A zone name and/or numeric offset printed at ``pos``: (tz or None, end position)."""
    tz = None
    end = pos
    m = ZONE_NAME.match(s, pos)
    if m:
        name = m["name"]
        key = name.upper() if (name.isupper() or name.upper() in ("UTC", "GMT")) else None
        if key in TZINFOS:
            tz, end = TZINFOS[key], m.end()
    m = ZONE_OFFSET.match(s, end)
    if m:
        offset = _offset_tz(m.group(0).strip(" \t("))
        if offset is not None:
            tz, end = offset, m.end()  # a numeric offset wins over a name ("EST -0500")
    if tz is not None and end < len(s) and s[end] == ")":
        end += 1
    return tz, end


def _offset_tz(text: str) -> tzinfo | None:
    if text in ("Z", "z"):
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > MAX_OFFSET_HOURS or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _relative(m: re.Match, now: datetime | None, default_tz: tzinfo | None) -> _Found | None:
    if now is None:
        return None
    now = _aware(now, default_tz)
    word = (m["word"] or "").lower()
    if word:
        if word == "yesterday":
            value = _midnight(now - timedelta(days=1))
        elif word == "today":
            value = _midnight(now)
        else:  # just now, moments ago, now
            value = now
    else:
        count_text = m["n"].lower()
        if count_text.isdigit():
            count = int(count_text)
        elif count_text in ("a", "an", "one"):
            count = 1
        else:
            count = _FEW
        unit = m["unit"].lower()
        key = "mo" if unit.startswith("mo") else unit[0]
        seconds = count * _UNIT_SECONDS[key]
        try:
            value = now - timedelta(seconds=seconds)
        except OverflowError:
            return None
        if key in _DAY_UNITS:
            value = _midnight(value)
    return _Found(value.replace(tzinfo=None, microsecond=0), value.tzinfo, (m.span(),), m.start())


def _with_dateutil(s: str) -> _Found | None:
    """Rare shapes (ctime "Wed Jul 2 18:25:00 2025", "2025 July 2") via python-dateutil.

    Only for short plain strings holding both a month name and a year, without fuzzy matching,
    and parsed against two different defaults to tell given fields from filled-in ones.
    """
    if not (_DATEUTIL_SAFE.match(s) and _YEAR_TOKEN.search(s) and _MONTH_TOKEN.search(s)):
        return None
    try:
        a = _dateutil_parser.parse(s, default=_DEFAULT_A, tzinfos=dict(TZINFOS))
        b = _dateutil_parser.parse(s, default=_DEFAULT_B, tzinfos=dict(TZINFOS))
    except (ValueError, OverflowError):  # ParserError is a ValueError
        return None
    if (a.year, a.month, a.day) != (b.year, b.month, b.day):
        return None  # year, month or day missing
    value = a.replace(tzinfo=None)
    if a.hour != b.hour:
        value = value.replace(hour=0, minute=0, second=0)
    return _Found(value.replace(microsecond=0), a.tzinfo, ((0, len(s)),), 0)


def _finish(found: _Found | None, now: datetime | None, default_tz: tzinfo | None) -> str | None:
    if found is None:
        return None
    value = found.value
    max_year = now.year + 1 if now is not None else MAX_YEAR_WITHOUT_NOW
    if not MIN_YEAR <= value.year <= max_year:
        return None
    result = value.replace(tzinfo=found.tz or default_tz or timezone.utc)
    if result.utcoffset() is None:
        return None
    if now is not None and result > _aware(now, default_tz) + FUTURE_TOLERANCE:
        return None
    return result.isoformat(timespec="seconds")


# --- small helpers --------------------------------------------------------------------------


def _build(y, m, d, hh=None, mm=None, ss=None) -> datetime | None:
    try:
        return datetime(int(y), int(m), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
    except (ValueError, OverflowError):
        return None


def _aware(value: datetime, default_tz: tzinfo | None) -> datetime:
    if value.utcoffset() is None:
        return value.replace(tzinfo=default_tz or timezone.utc)
    return value


def _midnight(value: datetime) -> datetime:
    return value.replace(hour=0, minute=0, second=0, microsecond=0)


def _only_filler(s: str, spans: tuple[tuple[int, int], ...]) -> bool:
    """True when, outside ``spans``, ``s`` holds only labels, weekdays and punctuation."""
    pieces = []
    position = 0
    for start, end in sorted(spans):
        pieces.append(s[position:start])
        position = max(position, end)
    pieces.append(s[position:])
    rest = _PARENTHESISED.sub(" ", " ".join(pieces))
    return all(token.lower() in FILLER_WORDS for token in _WORD_TOKEN.findall(rest))
