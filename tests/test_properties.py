"""Property-based tests (hypothesis): extract_article never raises and every field has its
declared type, whatever the page; the byline and date parsers keep their contracts on
arbitrary and on date-like input (more of both in test_byline.py and test_dates.py)."""

from __future__ import annotations

import html as htmllib
import json
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.extract import extract_article
from ingest.extract.byline import parse_byline
from ingest.extract.dates import extract_date_from_text, parse_date
from ingest.items import Author

from .recordcheck import CONTROL, check_record

NOW = datetime(2026, 11, 27, tzinfo=timezone.utc)

# Text with what breaks parsers: controls, surrogates are excluded by st.text's default
# alphabet only where they cannot be encoded, so we keep to valid Unicode scalar values.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=80)
WORDS = st.lists(st.sampled_from(
    "the council fibre ring approved by and 2025 March 4 PM UTC Reporter Editor Jane Doe "
    "<b> </p> & &amp; é 東京 \x00 \u200b".split(" ")), max_size=40).map(" ".join)
TAGS = st.sampled_from(["p", "div", "h1", "h2", "h3", "article", "main", "section", "span",
                        "a", "time", "nav", "aside", "header", "footer", "ul", "li", "b",
                        "script", "style", "blockquote", "table", "td", "figure", "iframe"])
ATTRS = st.sampled_from(["", " class='byline'", " class='author'", " itemprop='headline'",
                         " datetime='2025-03-04T09:00:00+00:00'", " datetime='0000-00-00'",
                         " href='javascript:alert(1)'", " href='/author/jane-doe'",
                         " rel='author'", " class='related'", " id='content'"])
JSONLD_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | TEXT | WORDS,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["@type", "name", "headline", "author", "url",
                                       "datePublished", "dateModified", "@graph", "@id",
                                       "articleBody", "keywords", "description"]),
                      inner, max_size=5),
    max_leaves=20,
)


@st.composite
def elements(draw, depth=0):
    tag, attrs = draw(TAGS), draw(ATTRS)
    children = []
    for _ in range(draw(st.integers(0, 4 if depth < 4 else 0))):
        if draw(st.booleans()):
            children.append(htmllib.escape(draw(WORDS | TEXT)))
        else:
            children.append(draw(elements(depth + 1)))
    closing = f"</{tag}>" if draw(st.integers(0, 9)) else ""  # sometimes left open
    return f"<{tag}{attrs}>{''.join(children)}{closing}"


@st.composite
def pages(draw):
    head = []
    if draw(st.booleans()):
        head.append("<script type='application/ld+json'>"
                    + json.dumps(draw(JSONLD_VALUE)).replace("</", "<\\/") + "</script>")
    for prop in draw(st.lists(st.sampled_from(
            ["og:title", "description", "article:published_time", "article:author",
             "article:tag", "og:url", "author", "og:site_name"]), max_size=4)):
        head.append(f"<meta property='{prop}' content='{htmllib.escape(draw(WORDS | TEXT))}'>")
    charset = draw(st.sampled_from(["", "<meta charset='utf-8'>", "<meta charset='latin-1'>",
                                    "<meta charset='x-nonsense'>"]))
    body = "".join(draw(st.lists(elements(), max_size=6)))
    page = f"<html lang='{draw(st.sampled_from(['en', 'xx-nonsense', '']))}'><head>" \
           f"{charset}{''.join(head)}</head><body>{body}</body></html>"
    cut = draw(st.integers(0, 5))
    if cut == 0:  # truncated
        page = page[: draw(st.integers(0, len(page)))]
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "latin-1", "raw"]))
    if encoding == "raw":
        return page
    return page.encode(encoding, errors="replace")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages(), st.sampled_from(["http://x.test/news/a.html", "https://www.y.test/a?utm_source=z",
                                 "http://127.0.0.1:8000/", "http://x.test/%zz/é"]))
def test_extract_article_never_raises_and_types_hold(page, url):
    article = extract_article(page, url, fetched_at=NOW)
    check_record(article, check_markup=False)
    assert article.url == url
    if article.published_at:
        assert datetime.fromisoformat(article.published_at) <= NOW + timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_extract_article_on_arbitrary_bytes(data):
    check_record(extract_article(data, "http://x.test/a.html", fetched_at=NOW),
                 check_markup=False)


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"(By |Written by )?[A-Za-z\u00c0-\u024f .,'&\-/]{0,60}( and [A-Z][a-z]+)?",
                     fullmatch=True))
def test_parse_byline_names_are_clean(text):
    for author in parse_byline(text):
        assert isinstance(author, Author)
        assert author.name == author.name.strip() and author.name
        assert not CONTROL.search(author.name)
        assert author.role is None or (author.role.strip() == author.role and author.role)


# Dates whose day cannot exist: no parser may give a date for them.
IMPOSSIBLE_DAYS = st.sampled_from([
    "0000-00-00", "0000-00-00T00:00:00Z", "20250-01-01", "2025-02-30", "2025-13-01",
    "2025-00-10", "2025-01-32", "2025-04-31T10:00:00Z", "9999-99-99", "31/02/20250",
    "Feb 30, 2025", "00/00/0000", "year 20250",
])
# A real day with an impossible time: a timestamp field (parse_date) is rejected whole; in a
# visible text block (extract_date_from_text) the day alone may be taken.
IMPOSSIBLE_TIMES = st.sampled_from([
    "2025-01-01T25:00:00Z", "2025-01-01T10:61:00Z", "2025-01-01T10:00:00+25:00",
])


@settings(max_examples=200, deadline=None)
@given(IMPOSSIBLE_DAYS, st.sampled_from(["", "Published ", "Updated: "]))
def test_impossible_days_give_none(text, prefix):
    assert parse_date(prefix + text, now=NOW) is None
    assert extract_date_from_text(prefix + text, now=NOW) is None


@settings(max_examples=50, deadline=None)
@given(IMPOSSIBLE_TIMES)
def test_impossible_times_never_give_that_time(text):
    assert parse_date(text, now=NOW) is None
    found = extract_date_from_text(text, now=NOW)
    assert found is None or found.startswith("2025-01-01T00:00:00"), found


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 9999), st.integers(-5, 20), st.integers(-5, 40))
def test_numeric_dates_valid_or_none(year, month, day):
    if month >= 0 and day >= 0:
        text = f"{year:04d}-{month:02d}-{day:02d}"
    else:
        text = f"{year}-{month}-{day}"
    result = parse_date(text, now=NOW)
    if result is not None:
        parsed = datetime.fromisoformat(result)
        assert (parsed.year, parsed.month, parsed.day) == (year, month, day)
        assert parsed <= NOW + timedelta(days=1)
