"""The publication date ranked from candidates (ingest.extract.datecands): the ranking on
hand-made candidate lists, then the collection on small pages written for the test."""

from datetime import datetime, timezone

import pytest

from ingest.extract import extract_article
from ingest.extract.datecands import DateCandidate, pick_published, url_date

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def cand(value, kind, **kw):
    return DateCandidate(value=value, kind=kind, source=kind, **kw)


def test_no_candidate_no_date():
    assert pick_published([]) is None


def test_structured_date_wins_over_an_unmarked_visible_one():
    best = pick_published([cand("2025-03-01T10:00:00+00:00", "jsonld-published"),
                           cand("2024-11-05T00:00:00+00:00", "text-headline",
                                near_headline=True, after_headline=True)])
    assert best.day == "2025-03-01"  # the printed day is borne out by nothing else


def test_the_printed_day_wins_where_the_modified_date_bears_it_out():
    cands = [cand("2019-03-30T08:00:00-04:00", "jsonld-published"),
             cand("2023-12-19T09:00:00-05:00", "time", label="updated",
                  near_headline=True, after_headline=True)]
    assert pick_published(cands, "2023-12-19T09:00:00-05:00").value == \
        "2023-12-19T09:00:00-05:00"
    # without the modified date the printed day is not borne out: the structured one stays
    cands = [cand("2019-03-30T08:00:00-04:00", "jsonld-published"),
             cand("2023-12-19T09:00:00-05:00", "time", label="updated",
                  near_headline=True, after_headline=True)]
    assert pick_published(cands).day == "2019-03-30"


def test_the_printed_day_wins_when_it_is_the_structured_instant_in_another_zone():
    best = pick_published([cand("2023-12-20T01:00:21+00:00", "jsonld-published"),
                           cand("2023-12-19T20:00:00-05:00", "text-marked",
                                near_headline=True, after_headline=True)])
    assert best.value == "2023-12-19T20:00:00-05:00"


def test_a_published_label_beats_an_updated_one_printed_beside_it():
    best = pick_published([cand("2021-11-24T00:00:00+00:00", "text-marked", label="updated",
                                near_headline=True, after_headline=True),
                           cand("2021-11-19T00:00:00+00:00", "text-marked",
                                label="published", near_headline=True, after_headline=True)])
    assert best.day == "2021-11-19"


def test_a_lone_updated_date_is_still_the_date():
    best = pick_published([cand("2020-06-04T00:00:00+00:00", "text-marked", label="updated",
                                near_headline=True, after_headline=True)])
    assert best.day == "2020-06-04"


def test_teaser_dates_lose_to_the_articles_own():
    best = pick_published([cand("2024-02-14T00:00:00+00:00", "time", elsewhere=True,
                                after_headline=True),
                           cand("2023-12-22T12:51:36+00:00", "time", near_headline=True,
                                after_headline=True)])
    assert best.day == "2023-12-22"


def test_agreement_between_sources_decides_between_equals():
    best = pick_published([cand("2022-02-07T00:00:00+00:00", "text-marked"),
                           cand("2022-02-04T00:00:00+00:00", "text-marked"),
                           cand("2022-02-04T00:00:00+00:00", "url")])
    assert best.day == "2022-02-04"


def test_a_publication_date_after_the_modified_one_loses():
    best = pick_published([cand("2024-06-01T00:00:00+00:00", "meta-other"),
                           cand("2024-01-10T00:00:00+00:00", "microdata")],
                          "2024-01-12T00:00:00+00:00")
    assert best.day == "2024-01-10"


def test_the_same_instant_keeps_the_publishers_own_offset():
    best = pick_published([cand("2019-10-18T22:04:00+00:00", "jsonld-published"),
                           cand("2019-10-19T00:04:00+02:00", "meta-other")])
    assert best.value == "2019-10-19T00:04:00+02:00"
    assert best.source == "meta-other"
    # a different instant is another date, not another zone
    best = pick_published([cand("2019-10-18T22:04:00+00:00", "jsonld-published"),
                           cand("2019-10-19T05:00:00+02:00", "meta-other")])
    assert best.value == "2019-10-18T22:04:00+00:00"


def test_day_and_month_swapped_count_as_the_structured_day():
    # "03/05/2022" read month-first on a page that meant day-first
    best = pick_published([cand("2022-03-05T00:00:00+00:00", "text-marked",
                                label="published", near_headline=True, after_headline=True),
                           cand("2022-05-03T22:08:20-04:00", "meta-published")],
                          "2022-05-03T22:08:20-04:00")
    assert best.day == "2022-05-03"


def test_scores_say_why():
    c = cand("2023-12-19T09:00:00-05:00", "time", label="updated", near_headline=True,
             after_headline=True)
    pick_published([c])
    assert c.why[0].startswith("time") and any("title block" in w for w in c.why)


@pytest.mark.parametrize("url,day", [
    ("https://a.test/2025/07/02/title", "2025-07-02"),
    ("https://a.test/2025/jul/02/title", "2025-07-02"),
    ("https://a.test/news/29-10-2021", "2021-10-29"),
    ("https://a.test/newsroom/23-01-2022-title", "2022-01-23"),
    ("https://a.test/aktuelles/20211108-fachtag", "2021-11-08"),
    ("https://a.test/item/105867721", None),
    ("https://a.test/2021-22/transfers/x", None),
    ("https://a.test/2025/13/02/x", None),
])
def test_url_dates(url, day):
    assert url_date(url) == day


def _page(top, *, head="", bottom="", url="https://news.test/story"):
    html = (f"<html><head><title>Bridge reopens</title>{head}</head><body>"
            "<div class='top'><a href='/'>News</a></div><div class='story'>"
            "<h1>Bridge reopens</h1>" + top + "<p>" +
            "The bridge reopened on Monday after repairs to its deck. " * 6 + "</p></div>" +
            bottom + "</body></html>")
    return extract_article(html, url, fetched_at=NOW)


def test_an_unmarked_date_line_by_the_headline_is_the_date():
    a = _page("<div class='x9'>Datum: 19.11.2021 Autor: Fritz Imhof</div>",
              bottom="<div class='x7'><div class='x8'>Termin 30.11.2021</div></div>")
    assert a.published_at == "2021-11-19T00:00:00+00:00"


def test_a_date_line_just_above_the_headline_belongs_to_it():
    html = ("<html><head><title>Bericht</title></head><body><div class='w'>"
            "<h3>21.01.2022</h3><h1>Jahresbericht 2021</h1><p>" +
            "Das Jahr war wärmer als der Durchschnitt. " * 8 + "</p></div></body></html>")
    a = extract_article(html, "https://amt.test/news/jahresbericht", fetched_at=NOW)
    assert a.published_at == "2022-01-21T00:00:00+00:00"


def test_the_title_block_outvotes_a_template_date_it_does_not_print():
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", '
            '"datePublished": "2023-04-24T10:26:24Z", "dateModified": "2023-08-08T13:51:41Z"}'
            '</script>')
    a = _page("<div class='meta'>Updated <time datetime='2023-08-08T06:51:41-07:00'>"
              "Aug 8, 2023</time></div>", head=head,
              bottom="<aside class='related'><time datetime='2023-12-22'>Dec 22</time></aside>")
    assert a.published_at == "2023-08-08T06:51:41-07:00"
    assert a.provenance["published_at"] == "time"


def test_a_wrapper_holding_the_headline_is_no_teaser():
    # the article sits in a "widget" and the body has a nav class: its own date counts
    html = ("<html><head><title>Review</title><meta property='article:published_time' "
            "content='2023-09-13T03:57:41Z'><meta property='article:modified_time' "
            "content='2023-09-19T13:00:17Z'></head><body class='nav-open'><div class='widget'>"
            "<h1>Phone review</h1><div class='byline'><time datetime='2023-09-19T13:00:17Z'>"
            "published Sep 19</time></div><p>" + "The phone is fast and the battery lasts. " * 8
            + "</p></div></body></html>")
    a = extract_article(html, "https://reviews.test/phone", fetched_at=NOW)
    assert a.published_at[:10] == "2023-09-19"


def test_offset_kept_as_the_publisher_states_it():
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", '
            '"datePublished": "2025-07-02T16:25:00Z"}</script>'
            '<meta name="pubdate" content="2025-07-02T18:25:00+02:00">')
    a = _page("", head=head)
    assert a.published_at == "2025-07-02T18:25:00+02:00"
