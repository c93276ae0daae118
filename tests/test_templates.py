"""Site templates and duplicates at the library level: fingerprints, marking, counting per
site in a real SQLite file, vetoes, raw pages, re-extraction in worker processes."""

import importlib.util
import sqlite3
from pathlib import Path

import pytest

from ingest.extract import extract_article
from ingest.extract.records import clean_article
from ingest.extract.template import (
    SiteTemplate,
    element_path,
    fingerprint,
    normalise_text,
    page_blocks,
)
from ingest import settings
from ingest.jobs.reextract import reextract as run_reextract
from ingest.sites import SiteProfile
from ingest.store import Store
from ingest.store.duplicates import link_duplicates
from ingest.store.rawpages import get_raw_page, save_raw_page
from ingest.store.templates import keep_block, load_template, record_page_blocks, refresh_templates

from .conftest import FIXTURES

SITE = FIXTURES / "template-site"
BASE = "http://circuitledger.test/"


def _build_module():
    spec = importlib.util.spec_from_file_location("template_site_build",
                                                  FIXTURES / "template_site_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BUILD = _build_module()

# The project's settings, as the CLI passes them (the library has no defaults of its own).
TEMPLATE = {"min_share": settings.INGEST_TEMPLATE_MIN_SHARE,
            "min_pages": settings.INGEST_TEMPLATE_MIN_PAGES}
THRESHOLD = settings.INGEST_DUPLICATE_SIMILARITY


def reextract(db, **kwargs):
    return run_reextract(db, **{**TEMPLATE, "min_words": settings.INGEST_MIN_WORDS,
                                "duplicate_threshold": THRESHOLD, **kwargs})


def article_pages():
    return [(SITE / a[1] / f"{a[0]}.html", f"{BASE}{a[1]}/{a[0]}.html", a)
            for a in BUILD.ARTICLES]


def own_paragraphs(art):
    """Every paragraph and heading the article itself has (its own sentences)."""
    _slug, _sec, _author, _iso, _shown, _headline, _summary, lead, parts = art
    texts = [lead]
    for heading, paras in parts:
        texts += [heading, *paras]
    return texts


def learn(store, pages=None):
    for path, url, _art in pages or article_pages():
        record_page_blocks(store, url, page_blocks(path.read_text(), url),
                           seen_at="2026-11-27T00:00:00+00:00")
    return refresh_templates(store, "circuitledger.test", **TEMPLATE)


CHROME = ("Cloudnest Pro", "Subscribe to our newsletter", "Meet the writer")


# --- fingerprints ------------------------------------------------------------------------

def test_fingerprint_ignores_case_punctuation_and_numbers_but_not_place():
    assert normalise_text("3 min read!") == normalise_text("12 MIN read")
    assert fingerprint("html > body > p", "3 min read") == \
        fingerprint("html > body > p", "14 min read")
    assert fingerprint("html > body > p", "x y") != fingerprint("html > body > div > p", "x y")


def test_path_keeps_classes_but_not_per_page_ids_or_numbered_classes():
    import lxml.html

    root = lxml.html.fromstring(
        '<html><body><div class="story post-1234 wide" id="p99"><p>x</p></div></body></html>')
    p = root.find(".//p")
    assert element_path(p) == "html > body > div.story.wide > p"


def test_page_blocks_leave_out_generic_chrome():
    html = ("<html><body><nav><p>Home News About the whole site</p></nav><article><h1>T</h1>"
            "<p>Paragraph one of the article, long enough to count as text.</p></article>"
            "</body></html>")
    texts = [b.text for b in page_blocks(html, BASE)]
    assert "Paragraph one of the article, long enough to count as text." in texts
    assert not any("Home News" in t for t in texts)


# --- marking -------------------------------------------------------------------------------

def test_before_learning_the_fixture_chrome_is_in_the_body():
    """The fixture's template chrome is what generic rules miss."""
    for path, url, _art in article_pages():
        body = extract_article(path.read_bytes(), url).body_text
        for chrome in CHROME:
            assert chrome in body, (path.name, chrome)


def test_template_removes_chrome_and_keeps_every_own_sentence(tmp_path):
    with Store(tmp_path / "t.db") as store:
        found = learn(store)
        template = load_template(store, "circuitledger.test")
    assert found["pages"] == 12 and found["template_blocks"] >= 3
    for path, url, art in article_pages():
        a = extract_article(path.read_bytes(), url, template=template)
        for chrome in CHROME:
            assert chrome not in a.body_text, (path.name, chrome)
        name = BUILD.AUTHORS[art[2]][0]
        assert f"{name} " not in a.body_text.split("\n\n")[-1]  # the bio went with its box
        paragraphs = a.body_text.split("\n\n")
        for text in own_paragraphs(art):
            assert text in paragraphs, (path.name, text)


def test_labelled_box_rule_never_takes_the_article():
    """A template label at the top of the article container does not remove the article."""
    para = "A sentence of the article that is long enough to be a real paragraph of text. "
    html = ("<html><body><article><p>Sponsored</p><h1>Head</h1>"
            + "".join(f"<p>{i} {para}</p>" for i in range(6)) + "</article></body></html>")
    label = next(b for b in page_blocks(html, BASE) if b.text == "Sponsored")
    template = SiteTemplate("x", frozenset({label.fingerprint}))
    body = extract_article(html, BASE, template=template).body_text
    assert body.count(para.strip()) == 6


def test_template_heading_over_the_articles_own_text_stays():
    """A heading every article has ("Key points"), over each article's own paragraphs, is
    structure, not chrome; the same heading over template text goes with it."""
    # Words, not numbers, tell the articles apart: fingerprints read every number as "#".
    names = ["alder", "birch", "cedar", "damson", "elm", "fir"]
    para = "Paragraph {} of the {} story with enough words to be real article text for sure."
    pages = []
    for n in names:
        pages.append(
            "<html><body><article><h1>Head " + n + "</h1>"
            + "".join(f"<p>{para.format(i, n)}</p>" for i in ("one", "two", "three"))
            + "<h2>Key points</h2>" + f"<p>{para.format('four', n)}</p>"
            + "<section><h3>Partner offer</h3>"
            "<p>Try the partner's product free for a month at partner.example today.</p>"
            "</section></article></body></html>")
    fps: dict = {}
    for html in pages:
        for b in page_blocks(html, BASE):
            fps[b.fingerprint] = fps.get(b.fingerprint, 0) + 1
    template = SiteTemplate("x", frozenset(f for f, n in fps.items() if n == 6))
    a = extract_article(pages[0], BASE, template=template)
    assert [s.heading for s in a.sections] == [None, "Key points"]
    assert a.sections[1].paragraphs == [para.format("four", "alder")]
    assert len(a.sections[0].paragraphs) == 3
    assert "partner" not in a.body_text.lower()


def test_a_template_that_would_take_most_of_a_page_takes_only_its_short_lines(tmp_path):
    """Six copies of one article counted as a site's pages make its paragraphs "template";
    applied to the article, that would leave nothing: only short lines go."""
    path, url, art = article_pages()[0]
    html = path.read_text()
    with Store(tmp_path / "t.db") as store:
        learn(store, [(path, f"{BASE}copy/{i}.html", art) for i in range(6)])
        template = load_template(store, "circuitledger.test")
    assert len(template.fingerprints) > 10
    a = extract_article(html, url, template=template)
    for text in own_paragraphs(art):
        if len(text) > 80:
            assert text in a.body_text
    assert "Meet the writer" not in a.body_text  # the short lines still go


def test_veto_keeps_a_block(tmp_path):
    with Store(tmp_path / "t.db") as store:
        learn(store)
        promo = store.conn.execute("SELECT fingerprint FROM site_templates WHERE example_text"
                                   " LIKE 'Cloudnest%'").fetchone()[0]
        assert keep_block(store, "circuitledger.test", promo)
        assert not keep_block(store, "circuitledger.test", "0" * 16)
        by_column = load_template(store, "circuitledger.test")
        keep_block(store, "circuitledger.test", promo, keep=False)
        by_sites_toml = load_template(store, "circuitledger.test", ["newsletter, the ledger"])
    path, url, _ = article_pages()[0]
    body = extract_article(path.read_bytes(), url, template=by_column).body_text
    assert "Cloudnest Pro" in body and "Subscribe to our newsletter" not in body
    body = extract_article(path.read_bytes(), url, template=by_sites_toml).body_text
    assert "Cloudnest Pro" not in body and "Subscribe to our newsletter" in body


# --- counting ----------------------------------------------------------------------------

def template_rows(db):
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT fingerprint, path, pages_seen, site_pages, is_template"
                           " FROM site_templates ORDER BY fingerprint").fetchall()
    finally:
        con.close()


def test_template_does_not_depend_on_order(tmp_path):
    pages = article_pages()
    with Store(tmp_path / "a.db") as a:
        learn(a, pages)
    with Store(tmp_path / "b.db") as b:
        learn(b, pages[::-1])
        learn(b, pages[5:] + pages[:5])  # seen again, in yet another order
    assert template_rows(tmp_path / "a.db") == template_rows(tmp_path / "b.db")


def test_share_and_minimum_pages(tmp_path):
    with Store(tmp_path / "t.db") as store:
        few = article_pages()[:4]
        assert learn(store, few)["template_blocks"] == 0  # 4 pages < 5 minimum
        found = refresh_templates(store, "circuitledger.test", min_share=0.5, min_pages=2)
        assert found["template_blocks"] >= 3 and found["pages_needed"] == 2
        with pytest.raises(ValueError, match=r"INGEST_TEMPLATE_MIN_SHARE must be in \(0, 1\], "
                                             r"got 1.5; e.g. -s INGEST_TEMPLATE_MIN_SHARE=0.5"):
            refresh_templates(store, "circuitledger.test", min_share=1.5, min_pages=5)


def test_a_changed_page_is_recounted(tmp_path):
    with Store(tmp_path / "t.db") as store:
        learn(store)
        path, url, _ = article_pages()[0]
        html = path.read_text().replace("Meet the writer", "About this reporter")
        record_page_blocks(store, url, page_blocks(html, url), seen_at="2026-11-28T00:00:00+00:00")
        refresh_templates(store, "circuitledger.test", **TEMPLATE)
        seen = store.conn.execute("SELECT pages_seen FROM site_templates"
                                  " WHERE example_text = 'Meet the writer'").fetchone()[0]
    assert seen == 11


# --- raw pages -----------------------------------------------------------------------------

def test_raw_page_round_trip_is_compressed(tmp_path):
    path, url, _ = article_pages()[0]
    body = path.read_bytes()
    with Store(tmp_path / "t.db") as store:
        save_raw_page(store, url, body, fetched_at="2026-11-27T00:00:00+00:00",
                      headers={"Content-Type": "text/html; charset=utf-8", "ETag": '"x"'})
        page = get_raw_page(store, url)
        stored = store.conn.execute("SELECT length(body), size FROM raw_pages").fetchone()
    assert page.body == body and page.content_type == "text/html; charset=utf-8"
    assert page.headers["ETag"] == '"x"' and page.site == "circuitledger.test"
    assert stored[1] == len(body) and stored[0] < stored[1] / 2


# --- re-extraction in worker processes -------------------------------------------------------

def stored_site(tmp_path):
    """A database as a crawl without a template leaves it: records, raw pages, blocks."""
    db = tmp_path / "t.db"
    with Store(db) as store:
        for path, url, _art in article_pages():
            body = path.read_bytes()
            fetched = "2026-11-27T00:00:00+00:00"
            record = clean_article(extract_article(body, url, fetched_at=fetched))
            store.upsert_article(record)
            save_raw_page(store, url, body, fetched_at=fetched,
                          headers={"Content-Type": "text/html; charset=utf-8"})
    return db


def test_reextract_with_two_processes_removes_template_and_revises_once(tmp_path):
    db = stored_site(tmp_path)
    steps = []
    report = reextract(db, jobs=2, progress=steps.append, on_start=steps.append)
    assert report.pages == 12 and report.updated == 12
    assert steps[0] == 24 and sum(steps[1:]) == 24
    con = sqlite3.connect(db)
    bodies = [r[0] for r in con.execute("SELECT body_text FROM articles")]
    assert bodies and not any(c in b for b in bodies for c in CHROME)
    assert con.execute("SELECT count(*) FROM revisions").fetchone()[0] == 24
    hits = con.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'cloudnest'"
                       ).fetchone()[0]
    assert hits == 0
    again = reextract(db, jobs=1)
    assert again.unchanged == 12 and again.updated == again.refreshed == 0
    assert con.execute("SELECT count(*) FROM revisions").fetchone()[0] == 24
    con.close()


def test_reextract_refreshes_fields_in_place_without_a_revision(tmp_path):
    db = stored_site(tmp_path)
    reextract(db, jobs=1)
    con = sqlite3.connect(db)
    con.execute("UPDATE articles SET section = 'Wrong'")
    con.execute("DELETE FROM sections")
    con.commit()
    report = reextract(db, jobs=1)
    assert report.refreshed == 12 and report.updated == 0
    assert con.execute("SELECT count(*) FROM articles WHERE section = 'Wrong'").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM sections").fetchone()[0] >= 36
    assert con.execute("SELECT count(*) FROM revisions").fetchone()[0] == 24
    con.close()


def test_reextract_without_raw_pages_says_why(tmp_path):
    with Store(tmp_path / "empty.db"):
        pass
    report = reextract(tmp_path / "empty.db", jobs=2)
    assert report.pages == 0 and "INGEST_KEEP_RAW" in report.summary()


def test_reextract_site_names_the_fix(tmp_path):
    db = stored_site(tmp_path)
    with pytest.raises(ValueError, match="circuitledger.test"):
        reextract(db, site="nosuch.example")
    profile = SiteProfile(name="ledger", start_urls=[BASE])
    assert reextract(db, site="ledger", profiles={"ledger": profile}).pages == 12


def test_reextract_never_writes_an_older_fetch_over_a_newer_crawl(tmp_path):
    """A crawl stores a newer fetch of a page after reextract extracted the older one and
    before it writes back: the crawl's version stays, the page is reported as skipped."""
    db = stored_site(tmp_path)
    path, url, _art = article_pages()[0]
    newer = path.read_bytes().replace(b"began processing its first test wafers",
                                      b"A correction added later. It began processing wafers")
    crawled_at = "2026-11-28T00:00:00+00:00"

    def crawl_stores_newer_fetch(write_url):
        if write_url != url:
            return
        with Store(db) as crawl:   # another connection, as the crawl's own
            crawl.upsert_article(clean_article(extract_article(newer, url,
                                                               fetched_at=crawled_at)))
            save_raw_page(crawl, url, newer, fetched_at=crawled_at,
                          headers={"Content-Type": "text/html; charset=utf-8"})

    report = reextract(db, jobs=1, before_write=crawl_stores_newer_fetch)
    assert [u for u, _why in report.stale] == [url]
    assert "newer fetch" in report.stale[0][1] and "1 skipped" in report.summary()
    assert report.updated == 11
    con = sqlite3.connect(db)
    body, fetched = con.execute("SELECT body_text, fetched_at FROM articles WHERE url = ?",
                                (url,)).fetchone()
    con.close()
    assert "A correction added later." in body and fetched.startswith("2026-11-28")
    # the next run re-extracts the newer fetch
    again = reextract(db, jobs=1)
    assert not again.stale


# --- duplicates ----------------------------------------------------------------------------

def test_exact_and_near_copies_linked_to_the_original(tmp_path):
    path, url, art = next(p for p in article_pages() if p[2][0] == BUILD.SYNDICATED)
    partner = FIXTURES / "partner-site" / "stories" / "expired-certificate.html"
    with Store(tmp_path / "t.db") as store:
        learn(store)
        template = load_template(store, "circuitledger.test")
        copy = clean_article(extract_article(partner.read_bytes(),
                                             "http://bytesdaily.test/stories/x.html"))
        original = clean_article(extract_article(path.read_bytes(), url, template=template))
        _, orig_id = store.upsert_article(original)
        _, copy_id = store.upsert_article(copy)
        same = clean_article(extract_article(path.read_bytes(), BASE + "amp/x.html",
                                             template=template))
        _, same_id = store.upsert_article(same)
        for article_id in (copy_id, orig_id, same_id):
            link_duplicates(store, article_id, threshold=THRESHOLD)
        rows = {r[0]: r[1:] for r in store.conn.execute(
            "SELECT id, duplicate_of, similarity FROM articles")}
    assert copy.headline != original.headline
    assert rows[orig_id] == (None, None)
    assert rows[same_id] == (orig_id, 1.0)
    assert rows[copy_id][0] == orig_id and 0.8 <= rows[copy_id][1] < 1.0


def test_different_articles_are_not_linked(tmp_path):
    with Store(tmp_path / "t.db") as store:
        ids = []
        for path, url, _art in article_pages():
            _, article_id = store.upsert_article(clean_article(extract_article(
                path.read_bytes(), url)))
            ids.append(article_id)
        for article_id in ids:
            assert link_duplicates(store, article_id, threshold=THRESHOLD) is None
        linked = store.conn.execute(
            "SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL").fetchone()[0]
    assert linked == 0


def test_fixture_builder_matches_committed_pages(tmp_path, monkeypatch):
    """The committed HTML is what the builder writes (edit the builder, then run it)."""
    monkeypatch.setattr(BUILD, "SITE", tmp_path / "site")
    monkeypatch.setattr(BUILD, "PARTNER", tmp_path / "partner")
    BUILD.build()
    for built in (tmp_path / "site").rglob("*"):
        if built.is_file():
            rel = built.relative_to(tmp_path / "site")
            assert (SITE / rel).read_text() == built.read_text(), rel
    assert Path(SITE / "index.html").exists()


# --- within one page ---------------------------------------------------------------------

def test_doubled_banner_outside_the_body_is_chrome():
    para = "A sentence of the article that is long enough to be a real paragraph of text. "
    html = ("<html><body><div class='a1'>Gadget Gazette daily</div><div class='a2'>"
            "Gadget Gazette daily</div><article><h1>Head</h1>"
            + "".join(f"<p>{i} {para}</p>" for i in range(4)) + "</article></body></html>")
    body = extract_article(html, BASE).body_text
    assert "Gadget Gazette" not in body and body.count(para.strip()) == 4


def test_short_line_repeated_inside_the_body_is_kept():
    """Issue #4 item 1: a repeat inside the main content is the article's own."""
    para = "A sentence of the article that is long enough to be a real paragraph of text. "
    line = "The council voted seven to two."
    html = ("<html><body><article><h1>Head</h1><p>1 " + para + "</p><p>" + line + "</p><p>2 "
            + para + "</p><p>3 " + para + "</p><p>" + line + "</p></article></body></html>")
    assert line in extract_article(html, BASE).body_text


def test_two_stored_pages_of_one_canonical_url_settle_on_one(tmp_path):
    """The page under two URLs that both name one canonical URL: the row takes the latest
    fetch (for equal times the lexically first URL), and stays put on the next run."""
    path, url, _ = article_pages()[0]
    html = path.read_text().replace("<head>", f'<head><link rel="canonical" href="{url}">')
    db = tmp_path / "t.db"
    with Store(db) as store:
        for u in (BASE + "z/copy.html", BASE + "a/copy.html"):
            fetched = "2026-11-27T00:00:00+00:00"
            store.upsert_article(clean_article(extract_article(html, u, fetched_at=fetched)))
            save_raw_page(store, u, html.encode(), fetched_at=fetched)
    first = reextract(db, jobs=1)
    assert first.superseded == 1
    again = reextract(db, jobs=1)
    assert again.superseded == 1 and again.unchanged == 1 and again.refreshed == 0
    con = sqlite3.connect(db)
    assert con.execute("SELECT url FROM articles").fetchall() == [(BASE + "a/copy.html",)]
    con.close()
