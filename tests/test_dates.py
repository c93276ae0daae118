"""Unit tests for ingest.extract.dates on timestamps we wrote ourselves."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.extract.dates import TZINFOS, extract_date_from_text, parse_date

NOW = datetime(2025, 7, 3, 12, 0, 0, tzinfo=timezone.utc)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    "text, expected",
    [
        # ISO 8601
        ("2025-07-02", "2025-07-02T00:00:00+00:00"),
        ("2025-07-02T18:25:00Z", "2025-07-02T18:25:00+00:00"),
        ("2025-07-02T18:25:00z", "2025-07-02T18:25:00+00:00"),
        ("2025-07-02T18:25:00.123+0200", "2025-07-02T18:25:00+02:00"),
        ("2025-07-02T18:25:00.123456789-05:00", "2025-07-02T18:25:00-05:00"),
        ("2025-07-02T18:25:00+02", "2025-07-02T18:25:00+02:00"),
        ("2025-07-02T18:25", "2025-07-02T18:25:00+00:00"),
        ("2025-07-02 18:25:00", "2025-07-02T18:25:00+00:00"),
        ("20250702T182500Z", "2025-07-02T18:25:00+00:00"),
        ("  2025-07-02T18:25:00+05:30\n", "2025-07-02T18:25:00+05:30"),
        ("Published 2025-07-02T18:25:00Z", "2025-07-02T18:25:00+00:00"),
        ("2025/07/02 18:25", "2025-07-02T18:25:00+00:00"),
        # RFC 822 / 2822
        ("Wed, 02 Jul 2025 18:25:00 GMT", "2025-07-02T18:25:00+00:00"),
        ("Wed, 02 Jul 2025 18:25:00 +0000", "2025-07-02T18:25:00+00:00"),
        ("Wed, 02 Jul 2025 14:25:00 -0400", "2025-07-02T14:25:00-04:00"),
        ("Wed, 2 Jul 2025 18:25:00 EDT", "2025-07-02T18:25:00-04:00"),
        # as printed on pages
        ("Wednesday, Jul 2, 2025, 6:25 PM UTC", "2025-07-02T18:25:00+00:00"),
        ("July 2, 2025 at 6:25 p.m. ET", "2025-07-02T18:25:00-04:00"),
        ("January 5, 2025 at 6:25 p.m. ET", "2025-01-05T18:25:00-05:00"),
        ("2 July 2025", "2025-07-02T00:00:00+00:00"),
        ("2nd July 2025", "2025-07-02T00:00:00+00:00"),
        ("2nd of July, 2025", "2025-07-02T00:00:00+00:00"),
        ("July 2nd, 2025", "2025-07-02T00:00:00+00:00"),
        ("02-Jul-2025", "2025-07-02T00:00:00+00:00"),
        ("02.07.2025", "2025-07-02T00:00:00+00:00"),
        ("02.07.2025 18:25", "2025-07-02T18:25:00+00:00"),
        ("Jul. 2, 2025", "2025-07-02T00:00:00+00:00"),
        ("Sept. 12, 2024", "2024-09-12T00:00:00+00:00"),
        ("Published 6:25 PM EDT, Wed July 2, 2025", "2025-07-02T18:25:00-04:00"),
        ("Updated: July 3, 2025 10:00 am", "2025-07-03T10:00:00+00:00"),
        ("Updated July 3, 2025 12:00 a.m.", "2025-07-03T00:00:00+00:00"),
        ("July 2, 2025 12:30 PM", "2025-07-02T12:30:00+00:00"),
        ("Jul 2, 2025 6pm PT", "2025-07-02T18:00:00-07:00"),
        ("Jul 2, 2025 6\u202fPM", "2025-07-02T18:00:00+00:00"),
        ("Posted on July 2, 2025", "2025-07-02T00:00:00+00:00"),
        ("07/02/2025", "2025-07-02T00:00:00+00:00"),  # month first (US)
        ("13/02/2025", "2025-02-13T00:00:00+00:00"),  # cannot be month first
        ("7/2/25", "2025-07-02T00:00:00+00:00"),
        ("2. Juli 2025 um 18:25 Uhr", "2025-07-02T18:25:00+00:00"),
        ("Mittwoch, 2. Juli 2025", "2025-07-02T00:00:00+00:00"),
        ("2 juillet 2025", "2025-07-02T00:00:00+00:00"),
        ("2 de julio de 2025", "2025-07-02T00:00:00+00:00"),
        ("2025年7月2日", "2025-07-02T00:00:00+00:00"),
        ("Wed Jul 2 18:25:00 2025", "2025-07-02T18:25:00+00:00"),  # ctime, via dateutil
        ("2025-07-02T18:25:00+02:00[Europe/Paris]", "2025-07-02T18:25:00+02:00"),
        (
            "Thu Jul 03 2025 10:00:00 GMT+0200 (Central European Summer Time)",
            "2025-07-03T10:00:00+02:00",
        ),
        # unix timestamps
        ("1751480700", "2025-07-02T18:25:00+00:00"),
        ("1751480700000", "2025-07-02T18:25:00+00:00"),
        ("1751480700.5", "2025-07-02T18:25:00+00:00"),
    ],
)
def test_parse_date_forms(text, expected):
    assert parse_date(text, now=NOW) == expected


@pytest.mark.parametrize(
    "zone, expected_offset",
    [
        ("UTC", "+00:00"),
        ("GMT", "+00:00"),
        ("EST", "-05:00"),
        ("EDT", "-04:00"),
        ("CST", "-06:00"),
        ("CDT", "-05:00"),
        ("MST", "-07:00"),
        ("MDT", "-06:00"),
        ("PST", "-08:00"),
        ("PDT", "-07:00"),
        ("ET", "-04:00"),  # America/New_York in July: daylight time
        ("CT", "-05:00"),
        ("MT", "-06:00"),
        ("PT", "-07:00"),
        ("CET", "+01:00"),
        ("CEST", "+02:00"),
        ("BST", "+01:00"),
        ("IST", "+05:30"),  # India, not Ireland or Israel
        ("AEST", "+10:00"),
        ("AEDT", "+11:00"),
        ("JST", "+09:00"),
        ("+05:30", "+05:30"),
        ("+0530", "+05:30"),
        ("-0700", "-07:00"),
        ("GMT+2", "+02:00"),  # what readers mean, not dateutil's inverted POSIX reading
        ("GMT-3", "-03:00"),
        ("UTC-7", "-07:00"),
        ("UTC+05:30", "+05:30"),
        ("UTC +1", "+01:00"),
        ("(UTC)", "+00:00"),
    ],
)
def test_parse_date_zones(zone, expected_offset):
    assert parse_date(f"July 2, 2025 10:30 AM {zone}") == "2025-07-02T10:30:00" + expected_offset


def test_zone_is_not_converted_to_utc():
    assert parse_date("Jan 5, 2025, 10:30 AM EST") == "2025-01-05T10:30:00-05:00"


def test_generic_us_zones_follow_daylight_saving_time():
    assert parse_date("Jan 5, 2025 10:30 AM ET") == "2025-01-05T10:30:00-05:00"
    assert parse_date("Jul 5, 2025 10:30 AM ET") == "2025-07-05T10:30:00-04:00"
    assert parse_date("Mar 9, 2025 1:30 AM ET") == "2025-03-09T01:30:00-05:00"
    assert parse_date("Mar 9, 2025 3:30 AM ET") == "2025-03-09T03:30:00-04:00"
    assert parse_date("Dec 1, 2025 9:00 AM PT") == "2025-12-01T09:00:00-08:00"


def test_tzinfos_is_read_only():
    with pytest.raises(TypeError):
        TZINFOS["XYZ"] = timezone.utc  # type: ignore[index]


def test_default_tz_applies_only_without_a_stated_zone():
    assert parse_date("2025-07-02 18:25", default_tz=BERLIN) == "2025-07-02T18:25:00+02:00"
    assert parse_date("2025-01-02 18:25", default_tz=BERLIN) == "2025-01-02T18:25:00+01:00"
    assert parse_date("July 2, 2025", default_tz=BERLIN) == "2025-07-02T00:00:00+02:00"
    assert parse_date("2025-07-02T18:25:00Z", default_tz=BERLIN) == "2025-07-02T18:25:00+00:00"
    assert parse_date("July 2, 2025 6:25 PM EDT", default_tz=BERLIN) == (
        "2025-07-02T18:25:00-04:00"
    )
    fixed = timezone(timedelta(hours=-3))
    assert parse_date("02.07.2025 18:25", default_tz=fixed) == "2025-07-02T18:25:00-03:00"


def test_unix_timestamp_is_shown_in_default_tz():
    assert parse_date("1751480700", default_tz=BERLIN) == "2025-07-02T20:25:00+02:00"


def test_date_only_is_midnight_in_the_zone():
    assert parse_date("2025-07-02") == "2025-07-02T00:00:00+00:00"
    assert parse_date("Jul 2, 2025 PDT") == "2025-07-02T00:00:00-07:00"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3 hours ago", "2025-07-03T09:00:00+00:00"),
        ("5 minutes ago", "2025-07-03T11:55:00+00:00"),
        ("30 seconds ago", "2025-07-03T11:59:30+00:00"),
        ("an hour ago", "2025-07-03T11:00:00+00:00"),
        ("a minute ago", "2025-07-03T11:59:00+00:00"),
        ("about 2 hours ago", "2025-07-03T10:00:00+00:00"),
        ("5h ago", "2025-07-03T07:00:00+00:00"),
        ("10m ago", "2025-07-03T11:50:00+00:00"),
        ("Updated 3 hours ago", "2025-07-03T09:00:00+00:00"),
        ("just now", "2025-07-03T12:00:00+00:00"),
        ("Just Now", "2025-07-03T12:00:00+00:00"),
        # day precision: midnight of that day
        ("yesterday", "2025-07-02T00:00:00+00:00"),
        ("Yesterday", "2025-07-02T00:00:00+00:00"),
        ("today", "2025-07-03T00:00:00+00:00"),
        ("2 days ago", "2025-07-01T00:00:00+00:00"),
        ("1 week ago", "2025-06-26T00:00:00+00:00"),
        ("2 months ago", "2025-05-04T00:00:00+00:00"),
        ("a year ago", "2024-07-03T00:00:00+00:00"),
    ],
)
def test_relative_dates(text, expected):
    assert parse_date(text, now=NOW) == expected


def test_relative_dates_are_in_nows_zone():
    now = datetime(2025, 7, 3, 12, 0, 0, tzinfo=BERLIN)
    assert parse_date("3 hours ago", now=now) == "2025-07-03T09:00:00+02:00"
    assert parse_date("yesterday", now=now) == "2025-07-02T00:00:00+02:00"
    naive = datetime(2025, 7, 3, 12, 0, 0)
    assert parse_date("3 hours ago", now=naive) == "2025-07-03T09:00:00+00:00"
    assert parse_date("3 hours ago", now=naive, default_tz=BERLIN) == (
        "2025-07-03T09:00:00+02:00"
    )


def test_relative_dates_need_now():
    assert parse_date("3 hours ago") is None
    assert parse_date("yesterday") is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "2025",  # a bare number is not a date
        "5 min read",
        "5 min",
        "12:30",  # a time without a date
        "July 2025",  # no day
        "Jul 2",  # no year
        "0000-00-00",
        "0000-00-00 00:00:00",
        "year 20250",
        "20250-07-02",
        "2025-02-30",
        "2025-13-01",
        "31.02.2025",
        "February 30, 2025",
        "2025-07-02T25:00:00Z",
        "2025-07-02T18:61:00Z",
        "July 2, 2025 13:00 PM",
        "2025-07-02T18:25:00+15:00",  # no such offset
        "1989-12-31",  # before MIN_YEAR
        "1970-01-01T00:00:00Z",  # epoch default
        "0",
        "123456789",  # 9 digits: not a unix timestamp
        "12345678901",  # 11 digits
        "Jul 2, 2025 | 4 min read",  # a block, not a timestamp: use extract_date_from_text
        "Apple's July 2, 2025 event: what to expect",
        "hello world",
        "Published",
        "x" * 250,
        "July 2, 2025 " + "x " * 120,  # a paragraph
    ],
)
def test_parse_date_rejects(text):
    assert parse_date(text, now=NOW) is None


def test_future_dates_are_rejected_against_now():
    assert parse_date("2025-07-05", now=NOW) is None  # more than a day after now
    assert parse_date("2025-07-04T11:00:00Z", now=NOW) == "2025-07-04T11:00:00+00:00"
    assert parse_date("2027-01-01", now=NOW) is None  # after now.year + 1
    assert parse_date("2026-03-01") == "2026-03-01T00:00:00+00:00"  # no now: no future check
    assert parse_date("2101-01-01") is None  # no now: capped at 2100


def test_non_string_input():
    assert parse_date(None) is None  # type: ignore[arg-type]
    assert parse_date(1751480700) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Published on Jul 2, 2025 | 4 min read", "2025-07-02T00:00:00+00:00"),
        ("By Dolapo Omole · Wednesday, Jul 2, 2025, 6:25 PM UTC", "2025-07-02T18:25:00+00:00"),
        ("Jane Doe | July 2, 2025 at 6:25 p.m. ET | 5 comments", "2025-07-02T18:25:00-04:00"),
        ("By Jane Doe · Updated 3 hours ago", "2025-07-03T09:00:00+00:00"),
        ("Posted by Jane Doe on March 3, 2025", "2025-03-03T00:00:00+00:00"),
        ("Jul 2, 2025 12:30 | 4 min read", "2025-07-02T12:30:00+00:00"),
        ("Filed 2025-07-02 18:25 UTC in News", "2025-07-02T18:25:00+00:00"),
        # the first valid one wins; a future date is skipped
        ("Event on Jul 9, 2025 · published Jul 2, 2025", "2025-07-02T00:00:00+00:00"),
        ("4 min read", None),
        ("No date here", None),
        ("", None),
        ("Jul 2, 2025 " + "word " * 200, None),  # not a short block
    ],
)
def test_extract_date_from_text(text, expected):
    assert extract_date_from_text(text, now=NOW) == expected


def test_seed_page_timestamp():
    assert parse_date("Wednesday, Jul 2, 2025, 6:25 PM UTC") == "2025-07-02T18:25:00+00:00"


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=250))
def test_parse_date_never_raises(text):
    result = parse_date(text, now=NOW)
    if result is not None:
        parsed = datetime.fromisoformat(result)
        assert parsed.utcoffset() is not None
        assert parsed <= NOW + timedelta(days=1)
    extracted = extract_date_from_text(text, now=NOW)
    assert extracted is None or datetime.fromisoformat(extracted).utcoffset() is not None


_DATEISH = st.lists(
    st.sampled_from(
        "2025 07 02 18 25 00 : - / . , T Z + am pm a.m. UTC GMT ET EST IST CEST ago hours "
        "yesterday July Jul 2nd of the Wed Wednesday at on Published Updated 1751480700 "
        "0 9 12 31 99 1989 2026 | ( ) GMT+2 UTC-7 +0530".split()
    ),
    max_size=12,
).map(" ".join)


@settings(max_examples=1500, deadline=None)
@given(_DATEISH, st.none() | st.sampled_from([BERLIN, timezone.utc, timezone(timedelta(hours=-7))]))
def test_dateish_text_gives_none_or_valid_iso(text, default_tz):
    for now in (NOW, None):
        result = parse_date(text, now=now, default_tz=default_tz)
        if result is not None:
            parsed = datetime.fromisoformat(result)
            assert parsed.utcoffset() is not None
            assert 1990 <= parsed.year
            assert len(result) == 25  # YYYY-MM-DDTHH:MM:SS+HH:MM
        extracted = extract_date_from_text(text, now=now, default_tz=default_tz)
        assert extracted is None or datetime.fromisoformat(extracted).utcoffset() is not None


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 12, 31)),
       st.integers(min_value=-14 * 4, max_value=14 * 4))
def test_iso_round_trip(value, quarter_hours):
    tz = timezone(timedelta(minutes=15 * quarter_hours))
    value = value.replace(microsecond=0, tzinfo=tz)
    assert parse_date(value.isoformat()) == value.isoformat(timespec="seconds")
