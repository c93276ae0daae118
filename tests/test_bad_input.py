"""The bad-input corpus (tests/fixtures/bad + tests/badcorpus.py): every page gives an article
or a drop with a reason, within a per-page time limit, and never raises."""

from __future__ import annotations

import re

import pytest

from ingest.extract import extract_article
from ingest.extract.fields import web_url
from ingest.extract.text import fold, plain_text
from pipelines.validate import article_problem

from .badcorpus import EXPECTED, pages
from .recordcheck import check_record, time_limit

# A hang guard per page (see recordcheck.time_limit), generous for a slow CI machine: the
# slowest page, 10 MB, takes about 1.5 s here (bench/ has the speed figures).
PAGE_TIME_LIMIT_S = 20
MIN_WORDS = 80
# Text that pages of the corpus display on purpose (escaped in their HTML).
DISPLAYED_MARKUP = ("<b>tags</b>", "<script>")

CORPUS = pages()


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_page_gives_article_or_drop_with_reason(name):
    kind, expected = EXPECTED[name]
    with time_limit(PAGE_TIME_LIMIT_S, f"extract_article on {name}"):
        article = extract_article(CORPUS[name], f"http://bad.test/{name}",
                                  fetched_at="2026-11-27T00:00:00+00:00")
    check_record(article, markup_ok=DISPLAYED_MARKUP)
    problem = article_problem(article, MIN_WORDS)
    if kind == "article":
        assert problem is None, f"{name}: dropped ({problem})"
        assert expected in (article.headline or "") + "\n" + article.body_text, name
    else:
        assert problem is not None and problem.startswith(expected), (name, problem)


def test_impossible_dates_give_no_date_rather_than_a_wrong_one():
    article = extract_article(CORPUS["impossible_dates.html"], "http://bad.test/d.html",
                              fetched_at="2026-11-27T00:00:00+00:00")
    assert article.published_at is None
    assert article.modified_at is None


def test_charsets_decoded_without_mojibake():
    for name in ("cp1252.html", "bom_utf8_declared_latin1.html", "shift_jis.html"):
        article = extract_article(CORPUS[name], f"http://bad.test/{name}")
        text = article.headline + article.body_text
        for mojibake in ("Ã", "â€", "\ufffd", "ï»¿"):
            assert mojibake not in text, (name, mojibake)


def test_hostile_jsonld_markup_is_not_kept():
    html = CORPUS["jsonld_hostile.html"].replace(
        b"<h1>Hostile structured data is cleaned</h1>", b"")
    article = extract_article(html, "http://bad.test/h.html")
    assert article.headline == "Hostile structured data is cleaned"  # from JSON-LD, cleaned
    assert article.summary == "Summary with controls"
    assert article.section == "News"
    assert article.tags == ["fibre"]
    check_record(article)


@pytest.mark.parametrize("value, expected", [
    ("plain text", "plain text"),
    ("a < b and c > d", "a < b and c > d"),
    ("I <3 it", "I <3 it"),
    ("<p>One</p><p>Two</p>", "One Two"),
    ("<script>alert(1)</script>Title", "Title"),
    ("<style>p{}</style><!-- c -->Text<br>more", "Text more"),
    ("Caf&eacute; <b>bold</b>", "Café bold"),
    ("x\x00y\x07z", "xyz"),
    ("<", "<"),
    ("</", ""),
    ("", ""),
])
def test_plain_text(value, expected):
    assert plain_text(value) == expected


def test_fold_drops_control_characters():
    assert fold("a\x00b\x1b[31mc\x7f d\n\te") == "ab[31mc d e"


@pytest.mark.parametrize("href, expected", [
    ("/authors/a", "http://x.test/authors/a"),
    ("https://y.test/p", "https://y.test/p"),
    ("javascript:alert(1)", None),
    (" JavaScript:alert(1)", None),
    ("data:text/html,<b>", None),
    ("mailto:a@b.test", None),
    ("", None),
    (None, None),
])
def test_web_url_keeps_only_http_links(href, expected):
    assert web_url("http://x.test/news/a.html", href) == expected


# --- bad site profiles: a selector that cannot run is refused when sites.toml is loaded ------

@pytest.mark.parametrize("data, named", [
    ({"selectors": {"headline": "h1[["}}, "selectors.headline 'h1[[' is not a valid CSS"),
    ({"selectors": {"byline": "xpath://p[@"}},
     "selectors.byline 'xpath://p[@' is not a valid XPath"),
    ({"selectors": {"headline": 5}}, "selectors.headline must be a CSS selector"),
    ({"chrome_selectors": ["div..share"]}, "chrome_selectors 'div..share' is not a valid CSS"),
])
def test_invalid_profile_selectors_are_refused_naming_the_fix(data, named):
    from ingest.sites import SitesError, parse_site

    with pytest.raises(SitesError, match=re.escape(named)):
        parse_site("x", {"start_urls": ["http://x.test/"], **data})


def test_valid_profile_selectors_extract_without_raising():
    from ingest.sites import parse_site

    profile = parse_site("x", {"start_urls": ["http://x.test/"], "selectors": {
        "headline": "h1::text", "byline": "xpath://p[@class='byline']//text()"},
        "chrome_selectors": ["nav", "xpath://footer"]})
    for name, body in CORPUS.items():
        check_record(extract_article(body, f"http://x.test/{name}", profile),
                     markup_ok=DISPLAYED_MARKUP)
