"""The seed page (../shared/seed-page.txt) gives exactly the record docs/design.md describes."""

from ingest.extract import extract_article

from .conftest import DEMO_SITE, FROZEN_FETCHED_AT

SEED = DEMO_SITE / "news" / "tiktok-trims-us-tiktok-shop-staff.html"
URL = "http://futureoftech.test/news/tiktok-trims-us-tiktok-shop-staff.html"


def extract():
    return extract_article(SEED.read_bytes(), URL, fetched_at=FROZEN_FETCHED_AT)


def test_seed_record_fields():
    a = extract()
    assert a.headline == "TikTok trims US TikTok Shop staff amid e-commerce challenges"
    assert [(x.name, x.role) for x in a.authors] == [("Dolapo Omole", "Reporter / Editor")]
    assert a.published_at == "2025-07-02T18:25:00+00:00"
    assert a.section == "News"
    assert [s.heading for s in a.sections] == [
        None, "Background and Implications", "Expert Insights", "Conclusion and Future Outlook"]
    assert a.sections[0].paragraphs[0].startswith("On July 2, 2025, TikTok announced")


def test_seed_body_has_no_chrome():
    body = extract().body_text
    for chrome in ("The Future of Tech", "News & Insights", "Popular Posts", "Written by",
                   "Wednesday, Jul 2"):
        assert chrome not in body
    assert not body.startswith("News")


def test_extract_does_not_import_scrapy():
    import subprocess
    import sys

    code = ("import sys, ingest.extract, ingest.items; "
            "sys.exit(1 if any(m == 'scrapy' or m.startswith('scrapy.') for m in sys.modules) "
            "else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
