"""Crafted pages cannot stall extraction (issue 16 item 2).

Extraction is near-linear in the page: a property test over generated pathological pages
(many bylines, elements with very many attributes, deep nesting, many author links, many
tiny blocks; tests/pathological.py) asserts that time per KB stays within a ratio of a plain
article page of similar size. And a real crawl enforces INGEST_EXTRACT_TIMEOUT: a page over
it is recorded in `pages` as an error with its reason, the other pages are stored."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.extract import extract_article

from . import pathological
from .conftest import rows
from .servers import TestSite, article_html, crawl, listing_html

# Time per KB of a pathological page over a plain page's: generous (timings on a shared
# machine are noisy; each side is the fastest of three runs). Before the fix the issue's
# cases ran at 100-1,500x (8,000 bylines: 17.5 s).
MAX_RATIO = 20.0


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sampled_from(sorted(pathological.KINDS)), st.floats(min_value=0.5, max_value=1.5))
def test_pathological_pages_cost_about_what_a_plain_page_costs(kind, scale):
    make, n = pathological.KINDS[kind]
    html = make(int(n * scale))
    t, plain, ratio = pathological.ratio(extract_article, html)
    assert ratio <= MAX_RATIO, (
        f"{kind} x{int(n * scale)} ({len(html) // 1024} KB): {t:.3f} s against {plain:.3f} s "
        f"for a plain page of that size, {ratio:.1f}x")


def test_capped_pages_still_read_their_article():
    """The caps cut what no real page has; the article around them is read as before."""
    for kind in ("attributes", "bylines"):
        make, n = pathological.KINDS[kind]
        record = extract_article(make(n), "https://example.com/news/a.html")
        assert record.headline == "A headline here", kind
        assert "Lorem ipsum dolor sit amet" in record.body_text, kind
    assert extract_article(pathological.bylines(10), "https://example.com/a.html"
                           ).byline == "By Jane Doe0"


PUBLISHED = "2026-11-20T08:00:00+00:00"


def test_crawl_records_page_over_extract_budget_and_goes_on(tmp_path):
    db = tmp_path / "news.db"
    good = [f"/news/good-{i}.html" for i in range(3)]
    slow = "/news/slow.html"          # many bylines: seconds of extraction, over the budget
    attrs = "/news/attributes.html"   # 100,000 attributes: parsed in no time once capped
    with TestSite() as site:
        site.set("/", listing_html("Front", tuple(good + [slow, attrs])))
        for i, path in enumerate(good):
            site.set(path, article_html(f"Good story {i}", published=PUBLISHED))
        site.set(slow, pathological.bylines(100_000))
        site.set(attrs, pathological.attributes(100_000))
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(f'[sites.testtech]\nstart_urls = ["{site.url("/")}"]\n')
        result = crawl(db, site="testtech", sites_file=sites_file,
                       settings={"INGEST_EXTRACT_TIMEOUT": "0.3"})
        base = site.base_url.rstrip("/")
    assert result.returncode == 0, result.stderr[-3000:]
    page = rows(db, "select outcome, reason from pages where url = ?", base + slow)
    assert page and page[0]["outcome"] == "error", page
    assert "over its 0.3 s budget" in page[0]["reason"]
    assert "INGEST_EXTRACT_TIMEOUT" in page[0]["reason"]
    stored = {r["url"] for r in rows(db, "select url from articles")}
    assert {base + p for p in good} <= stored
    capped = rows(db, "select outcome, reason from pages where url = ?", base + attrs)
    assert capped and "budget" not in (capped[0]["reason"] or ""), capped
