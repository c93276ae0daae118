"""Site profiles: sites.toml selectors (CSS and XPath) and chrome selectors fix what the
generic extractor cannot know about one site's markup."""

import textwrap

from ingest.extract import extract_article
from ingest.sites import load_sites

from .conftest import FIXTURES

PAGE = (FIXTURES / "profile" / "odd-cms.html").read_bytes()
URL = "https://gadgetledger.test/wearables/ring-trackers-stress"
FETCHED = "2026-11-27T00:00:00+00:00"

SITES_TOML = textwrap.dedent("""
    [sites.gadgetledger]
    start_urls = ["https://gadgetledger.test/"]
    timezone = "Europe/Berlin"
    chrome_selectors = ["div.zz-box"]

    [sites.gadgetledger.selectors]
    headline = "div.t7"
    byline = "div.m4"
    published_at = "xpath://div[@class='m4']/text()[last()]"
    section = "div.k2"
    summary = "div.dek"
    tags = "span.tg"
    body = "div.c3"
""")


def profile(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text(SITES_TOML)
    return load_sites(path)["gadgetledger"]


def test_generic_extraction_misses_this_markup():
    a = extract_article(PAGE, URL, fetched_at=FETCHED)
    assert a.headline != "Ring trackers learn to read stress"
    # The date line is found by its words alone (datecands: a short date line on a page with
    # no other date), but without the site's zone: only the profile knows it is Berlin time.
    assert a.published_at == "2025-04-03T07:45:00+00:00"
    assert a.provenance["published_at"] == "heuristic:text"


def test_profile_selectors_give_every_field(tmp_path):
    a = extract_article(PAGE, URL, profile(tmp_path), fetched_at=FETCHED)
    assert a.headline == "Ring trackers learn to read stress"
    assert [(x.name, x.role) for x in a.authors] == [("Noor Haddad", "Hardware Desk")]
    # No zone printed: the profile's timezone gives the offset (CET in March).
    assert a.published_at == "2025-04-03T07:45:00+02:00" or \
        a.published_at == "2025-03-04T07:45:00+01:00"
    assert a.section == "Wearables"
    assert a.summary == "A new class of smart rings estimates stress from skin temperature and pulse."
    assert a.tags == ["smart rings", "health"]
    for field in ("headline", "authors", "published_at", "section", "summary", "tags",
                  "sections"):
        assert a.provenance[field] == "selector:sites.toml", field


def test_profile_body_and_chrome_selectors(tmp_path):
    a = extract_article(PAGE, URL, profile(tmp_path), fetched_at=FETCHED)
    assert len(a.sections) == 1
    paras = a.sections[0].paragraphs
    assert len(paras) == 3
    assert paras[0].startswith("Smart rings used to count steps")
    assert "Sign up today" not in a.body_text
    assert "Gadget Ledger" not in a.body_text
